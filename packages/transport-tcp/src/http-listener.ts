import { type IncomingMessage, STATUS_CODES, type Server, type ServerResponse, createServer } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { Socket } from 'node:net';
import {
  type Dispatcher,
  type DrainReport,
  type HeldHandle,
  type Listener,
  type ListenerContext,
  type ListenerMetrics,
  type ListenerSpec,
  type Logger,
  type Wire,
  handlerErrorCode,
  isBusyError,
  isShoalError,
} from '@shoal/core';
import { Drain } from './drain';
import {
  ERR_HTTP_BAD_REQUEST,
  ERR_HTTP_BODY_INVALID_JSON,
  ERR_HTTP_BODY_TOO_LARGE,
  ERR_HTTP_HEADERS_TOO_LARGE,
  ERR_HTTP_NOT_FOUND,
  ERR_HTTP_REQUEST_TIMEOUT,
  ERR_HTTP_TOO_MANY_CONNECTIONS,
} from './errors';
import { HttpRequestContext } from './http-context';
import type { HttpOptions } from './http-options';
import { type RouteMatch, Routes } from './http-routes';
import { listenAdopted, listenFresh, serverHandle } from './sockets';

const EMPTY = Buffer.alloc(0);
const TEXT = 'text/plain; charset=utf-8';
const BINARY = 'application/octet-stream';
const JSON_TYPE = 'application/json; charset=utf-8';

interface HttpExceptionLike {
  getStatus(): unknown;
  getResponse?(): unknown;
}

function httpException(err: unknown): HttpExceptionLike | undefined {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 2; e = (e as { cause?: unknown }).cause, depth++) {
    if (typeof (e as HttpExceptionLike).getStatus === 'function') return e as HttpExceptionLike;
  }
  return undefined;
}

/** The status and JSON body a failed handler is answered with; only codes, never messages. */
export function errorResponse(err: unknown): { status: number; body: unknown; headers?: Record<string, string> } {
  if (isShoalError(err, ERR_HTTP_BODY_INVALID_JSON.code)) return { status: 400, body: { error: { code: err.code } } };
  if (isBusyError(err)) {
    // Busy (a full offload queue, say): the client may retry, here or on another worker.
    const retryAfter = (err as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    return { status: 503, body: { error: { code: handlerErrorCode(err) } }, headers: { 'retry-after': String(typeof retryAfter === 'number' ? retryAfter : 1) } };
  }
  const exception = httpException(err);
  if (exception !== undefined) {
    const status = exception.getStatus();
    if (Number.isInteger(status) && (status as number) >= 400 && (status as number) <= 599) {
      const response = typeof exception.getResponse === 'function' ? exception.getResponse() : undefined;
      const body =
        response !== null && typeof response === 'object'
          ? response
          : { statusCode: status, message: typeof response === 'string' ? response : STATUS_CODES[status as number] };
      return { status: status as number, body };
    }
  }
  return { status: 500, body: { error: { code: handlerErrorCode(err) } } };
}

/** A response the handler wrote itself: its return value is not the reply. */
function written(res: ServerResponse): boolean {
  return res.headersSent || res.writableEnded;
}

/**
 * What an HTTP reply may be: a string, bytes, nothing, or a value that
 * JSON.stringify serialises (kept on the context, so it is serialised once).
 * Anything goes when the handler wrote the response itself.
 */
function checkReply(value: unknown, context: HttpRequestContext): string | undefined {
  if (value === undefined || value === null || typeof value === 'string' || value instanceof Uint8Array || written(context.res)) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    return `JSON.stringify cannot serialize it (${(err as Error).message})`;
  }
  if (json === undefined) return `JSON.stringify gives nothing for a ${typeof value}`;
  context.replyJson = json;
  return undefined;
}

/**
 * How often node:http looks for requests over their timeouts (its default,
 * 30 s, would let a 30 s timeout run for up to a minute).
 */
function checkingInterval(o: HttpOptions): number {
  const timeouts = [o.headersTimeoutMs, o.requestTimeoutMs].filter((t) => t > 0);
  if (timeouts.length === 0) return 30_000;
  return Math.min(30_000, Math.max(100, Math.floor(Math.min(...timeouts) / 4)));
}

/** One 'close' listener for all sockets of a listener: node passes the socket as `this`. */
function closeListener(owner: HttpListener): (this: Socket) => void {
  return function (this: Socket) {
    owner.socketClosed(this);
  };
}

/** An HTTP/1.1 listener: node:http on a SO_REUSEPORT socket, routing to @OnRequest handlers. */
export class HttpListener implements Listener {
  readonly spec: ListenerSpec;
  readonly options: HttpOptions;
  private readonly metrics: ListenerMetrics;
  private readonly logger: Logger;
  private readonly routes: Routes;
  /** The HTTP wire of the dispatch path (@shoal/core dispatch.ts): responses and error responses. */
  private readonly wire: Wire<HttpRequestContext>;
  private readonly server: Server;
  private readonly connections = new Set<Socket>();
  private readonly forced = new Set<Socket>();
  private port = 0;
  private accepting = false;
  /** Stopped accepting: every response closes its connection. */
  private draining = false;
  private drainer: Drain | undefined;
  private readonly onSocketClose: (this: Socket) => void;

  static async open(context: ListenerContext): Promise<HttpListener> {
    const listener = new HttpListener(context);
    await listenFresh(listener.server, context.spec);
    listener.listening();
    return listener;
  }

  static async adopt(context: ListenerContext, handle: HeldHandle): Promise<HttpListener> {
    const listener = new HttpListener(context);
    await listenAdopted(listener.server, context.spec, handle);
    listener.listening();
    return listener;
  }

  private constructor(context: ListenerContext) {
    this.spec = context.spec;
    // Validated by the transport where the configuration was loaded (validateHttpOptions).
    this.options = context.spec.options as unknown as HttpOptions;
    this.metrics = context.metrics;
    this.logger = context.logger;
    this.wire = Object.freeze({
      checkReply,
      reply: (value: unknown, request: HttpRequestContext) => this.respond(value, request),
      replyError: (_code: string, error: unknown, request: HttpRequestContext) => this.respondError(error, request),
      // A response cut before it is complete: the client sees it broken.
      close: (request: HttpRequestContext) => void request.res.destroy(),
      logFields: (request: HttpRequestContext) => ({ listener: this.spec.name, method: request.method, path: request.path }),
      logLevel: (error: unknown) => (errorResponse(error).status >= 500 ? 'error' : 'warn'),
    });
    this.routes = new Routes(context.handlers.dispatchers('request', this.wire, { onHandlerError: this.options.onHandlerError, logger: context.logger }), this.options);
    const o = this.options;
    this.server = createServer({
      headersTimeout: o.headersTimeoutMs,
      requestTimeout: o.requestTimeoutMs,
      keepAliveTimeout: o.keepAliveTimeoutMs,
      connectionsCheckingInterval: checkingInterval(o),
      noDelay: true,
      ...(o.maxHeaderSize !== undefined && { maxHeaderSize: o.maxHeaderSize }),
    });
    this.server.keepAliveTimeout = o.keepAliveTimeoutMs;
    this.server.maxConnections = o.maxConnections;
    this.server.on('request', this.onRequest);
    this.server.on('connection', this.onConnection);
    this.server.on('clientError', this.onClientError);
    this.server.on('drop', this.onDrop);
    this.onSocketClose = closeListener(this);
  }

  private listening(): void {
    this.accepting = true;
    this.port = (this.server.address() as { port: number }).port;
    this.server.on('error', (err) => this.logger.error({ err, listener: this.spec.name }, 'listener error'));
  }

  // --- connections -------------------------------------------------------------------------

  private readonly onConnection = (socket: Socket): void => {
    this.metrics.connectionOpened();
    this.connections.add(socket);
    socket.once('close', this.onSocketClose);
  };

  /** A connection's socket closed (called by the 'close' listener of each socket). */
  socketClosed(socket: Socket): void {
    if (!this.connections.delete(socket)) return;
    this.metrics.connectionClosed();
    const forced = this.forced.delete(socket);
    this.drainer?.closed(forced ? 'forced' : 'completed');
  }

  private readonly onDrop = (): void => {
    const err = new ERR_HTTP_TOO_MANY_CONNECTIONS(this.spec.name, this.options.maxConnections);
    this.metrics.protocolError(err.code);
    this.logger.warn({ listener: this.spec.name, code: err.code }, err.message);
  };

  /** A request node:http could not parse, or that timed out: counted, answered with its code, closed. */
  private readonly onClientError = (err: NodeJS.ErrnoException, socket: Socket): void => {
    const code = err.code;
    if (code === 'ECONNRESET' || code === 'EPIPE' || !socket.writable) {
      socket.destroy();
      return;
    }
    const o = this.options;
    const error =
      code === 'HPE_HEADER_OVERFLOW'
        ? { status: 431, shoal: new ERR_HTTP_HEADERS_TOO_LARGE(o.maxHeaderSize ?? 16384) }
        : code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? { status: 408, shoal: new ERR_HTTP_REQUEST_TIMEOUT(o.headersTimeoutMs, o.requestTimeoutMs) }
          : { status: 400, shoal: new ERR_HTTP_BAD_REQUEST(code ?? err.message) };
    this.metrics.protocolError(error.shoal.code);
    this.logger.debug({ listener: this.spec.name, remoteAddress: socket.remoteAddress, code: error.shoal.code }, error.shoal.message);
    const current = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (current?.headersSent) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify({ error: { code: error.shoal.code } });
    this.metrics.sent(body.length);
    socket.end(
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\nConnection: close\r\n` +
        `Content-Type: ${JSON_TYPE}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
  };

  // --- requests ----------------------------------------------------------------------------

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (this.draining) res.setHeader('connection', 'close');
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const search = q === -1 ? '' : url.slice(q + 1);
    const method = req.method ?? 'GET';
    const route = this.routes.match(method, path);
    if (route === undefined) {
      this.metrics.received(0);
      this.sendJson(res, 404, { error: { code: ERR_HTTP_NOT_FOUND.code } });
      return;
    }
    const headers = req.headers;
    const declared = headers['content-length'];
    if ((declared === undefined || declared === '0') && headers['transfer-encoding'] === undefined) {
      this.dispatch(route.handler, new HttpRequestContext(this.spec.name, req, res, path, search, EMPTY, route.params));
      return;
    }
    if (declared !== undefined && Number(declared) > this.options.maxBodyBytes) {
      this.tooLarge(res, declared);
      return;
    }
    this.readBody(route, req, res, path, search);
  };

  private readBody(route: RouteMatch, req: IncomingMessage, res: ServerResponse, path: string, search: string): void {
    const max = this.options.maxBodyBytes;
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        req.removeListener('data', onData);
        req.removeListener('end', onEnd);
        this.tooLarge(res, `more than ${max}`);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      this.dispatch(route.handler, new HttpRequestContext(this.spec.name, req, res, path, search, body, route.params));
    };
    req.on('data', onData);
    req.on('end', onEnd);
  }

  private tooLarge(res: ServerResponse, size: string): void {
    const err = new ERR_HTTP_BODY_TOO_LARGE(size, this.options.maxBodyBytes);
    this.metrics.received(0);
    this.metrics.protocolError(err.code);
    this.logger.debug({ listener: this.spec.name, code: err.code }, err.message);
    // The rest of the body is not read: the connection cannot be reused.
    res.setHeader('connection', 'close');
    this.sendJson(res, 413, { error: { code: err.code } });
  }

  private dispatch(handler: Dispatcher<HttpRequestContext>, context: HttpRequestContext): void {
    this.metrics.received(context.body.length);
    // Nothing waits for an asynchronous handler here: the response is the reply.
    void handler.dispatch(context, context);
  }

  /** Sends a handler's value, which checkReply accepted. */
  private respond(value: unknown, context: HttpRequestContext): void {
    const res = context.res;
    if (written(res)) {
      this.countWritten(res);
      return;
    }
    if (value === undefined || value === null) {
      // A stream piped into res writes the response once it has data.
      if (res.listenerCount('unpipe') > 0) {
        this.countWritten(res);
        return;
      }
      if (!context.statusSet) res.statusCode = 204;
      this.metrics.sent(0);
      res.end();
      return;
    }
    let body: string | Uint8Array;
    let type: string;
    if (typeof value === 'string') {
      body = value;
      type = TEXT;
    } else if (value instanceof Uint8Array) {
      body = value;
      type = BINARY;
    } else {
      body = context.replyJson!;
      type = JSON_TYPE;
    }
    if (!res.hasHeader('content-type')) res.setHeader('content-type', type);
    this.metrics.sent(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
    res.end(body);
  }

  /** The handler wrote the response itself: count it once it is finished. */
  private countWritten(res: ServerResponse): void {
    const count = (): void => this.metrics.sent(Number(res.getHeader('content-length')) || 0);
    if (res.writableFinished) count();
    else res.once('finish', count);
  }

  /** A failed handler's answer: its code (or an HttpException's status and body) as JSON, never the message. */
  private respondError(err: unknown, context: HttpRequestContext): void {
    const { status, body, headers } = errorResponse(err);
    const res = context.res;
    if (res.headersSent) {
      // Part of the response is out already: the client must see it broken, not complete.
      res.destroy();
      return;
    }
    // Headers the handler set before it failed (a Content-Length, say) do not belong to this response.
    for (const name of res.getHeaderNames()) if (name !== 'connection') res.removeHeader(name);
    for (const [name, value] of Object.entries(headers ?? {})) res.setHeader(name, value);
    this.sendJson(res, status, body);
  }

  private sendJson(res: ServerResponse, status: number, body: unknown): void {
    const json = JSON.stringify(body);
    res.statusCode = status;
    res.setHeader('content-type', JSON_TYPE);
    this.metrics.sent(Buffer.byteLength(json));
    res.end(json);
  }

  // --- Listener ------------------------------------------------------------------------------

  heldHandle(): HeldHandle {
    return serverHandle(this.server, this.spec);
  }

  boundPort(): number {
    return this.port;
  }

  activeConnections(): number {
    return this.connections.size;
  }

  async stopAccepting(): Promise<void> {
    if (!this.accepting) return;
    this.accepting = false;
    // This worker is leaving: no response from now on keeps its connection alive.
    this.draining = true;
    // Closes this process's descriptor of the listening socket (the supervisor
    // holds another). Not http.Server#close: it would also destroy "idle"
    // keep-alive connections at once, among them ones whose next request is
    // already on its way, and their clients would see a reset. drain() closes
    // idle connections after a grace instead.
    NetServer.prototype.close.call(this.server);
  }

  /**
   * In-flight requests complete and their connections close after the
   * response (`Connection: close`); idle connections close at once; at the
   * deadline every connection left is destroyed.
   */
  drain(deadline: number): Promise<DrainReport> {
    if (this.drainer === undefined) {
      void this.stopAccepting();
      this.drainer = new Drain(this.connections.size, deadline, () => {
        for (const socket of this.connections) {
          this.forced.add(socket);
          socket.destroy();
        }
      });
      for (const socket of this.connections) {
        const res = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
        if (res === null || res === undefined) continue;
        if (!res.headersSent) res.setHeader('connection', 'close');
        else res.once('finish', () => socket.destroySoon());
      }
      // Busy keep-alive clients send their next request within the grace and get
      // `Connection: close` on its response; what is still idle then is closed.
      const closeIdle = (): void => {
        this.server.closeIdleConnections();
      };
      if (this.options.drainIdleGraceMs === 0) closeIdle();
      else {
        const timer = setTimeout(closeIdle, this.options.drainIdleGraceMs);
        timer.unref();
        void this.drainer.done.then(() => clearTimeout(timer));
      }
      void this.drainer.done.then(() => this.server.close());
    }
    return this.drainer.done;
  }
}
