import { type IncomingMessage, STATUS_CODES, type ServerResponse } from 'node:http';
import { type Dispatcher, type HeldHandle, type ListenerContext, type Wire, handlerErrorCode, httpExceptionOf, isBusyError, isShoalError } from '@shoal/core';
import { ERR_HTTP_BODY_INVALID_JSON, ERR_HTTP_BODY_TOO_LARGE, ERR_HTTP_NOT_FOUND } from './errors';
import { HttpRequestContext } from './http-context';
import type { HttpOptions } from './http-options';
import { type RouteMatch, Routes } from './http-routes';
import { HttpServerListener, JSON_TYPE, isHttp1 } from './http-server-listener';
import { createHttpServer } from './http-server';

const EMPTY = Buffer.alloc(0);
const TEXT = 'text/plain; charset=utf-8';
const BINARY = 'application/octet-stream';

/** The status and JSON body a failed handler is answered with; only codes, never messages. */
export function errorResponse(err: unknown): { status: number; body: unknown; headers?: Record<string, string> } {
  if (isShoalError(err, ERR_HTTP_BODY_INVALID_JSON.code)) return { status: 400, body: { error: { code: err.code } } };
  if (isBusyError(err)) {
    // Busy (a full offload queue, say): the client may retry, here or on another worker.
    const retryAfter = (err as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    return { status: 503, body: { error: { code: handlerErrorCode(err) } }, headers: { 'retry-after': String(typeof retryAfter === 'number' ? retryAfter : 1) } };
  }
  const found = httpExceptionOf(err);
  if (found !== undefined) {
    const { exception, status } = found;
    const response = typeof exception.getResponse === 'function' ? exception.getResponse() : undefined;
    const body = response !== null && typeof response === 'object' ? response : { statusCode: status, message: typeof response === 'string' ? response : STATUS_CODES[status] };
    return { status, body };
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

/** An HTTP/1.1 listener: node:http on a SO_REUSEPORT socket, routing to @OnRequest handlers. */
export class HttpListener extends HttpServerListener {
  private readonly routes: Routes;
  /** The HTTP wire of the dispatch path (@shoal/core dispatch.ts): responses and error responses. */
  private readonly wire: Wire<HttpRequestContext>;

  static async open(context: ListenerContext): Promise<HttpListener> {
    const listener = new HttpListener(context);
    await listener.listen(undefined);
    return listener;
  }

  static async adopt(context: ListenerContext, handle: HeldHandle): Promise<HttpListener> {
    const listener = new HttpListener(context);
    await listener.listen(handle);
    return listener;
  }

  private constructor(context: ListenerContext) {
    const o = context.spec.options as unknown as HttpOptions;
    super(context, createHttpServer(context.spec));
    this.wire = Object.freeze({
      checkReply,
      reply: (value: unknown, request: HttpRequestContext) => this.respond(value, request),
      replyError: (_code: string, error: unknown, request: HttpRequestContext) => this.respondError(error, request),
      // A response cut before it is complete: the client sees it broken.
      close: (request: HttpRequestContext) => void request.res.destroy(),
      logFields: (request: HttpRequestContext) => ({ listener: this.spec.name, method: request.method, path: request.path }),
      logLevel: (error: unknown) => (errorResponse(error).status >= 500 ? 'error' : 'warn'),
    });
    this.routes = new Routes(context.handlers.dispatchers('request', this.wire, { onHandlerError: o.onHandlerError, logger: context.logger }), o);
    this.server.on('request', this.onRequest);
  }

  // --- requests ----------------------------------------------------------------------------

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (this.draining && isHttp1(req)) res.setHeader('connection', 'close');
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
}
