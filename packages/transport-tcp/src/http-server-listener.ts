import { STATUS_CODES, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { Socket } from 'node:net';
import type { DrainReport, HeldHandle, Listener, ListenerContext, ListenerMetrics, ListenerSpec, Logger } from '@shoal/core';
import { Drain } from './drain';
import { ERR_HTTP_BAD_REQUEST, ERR_HTTP_HEADERS_TOO_LARGE, ERR_HTTP_REQUEST_TIMEOUT, ERR_HTTP_TOO_MANY_CONNECTIONS } from './errors';
import type { HttpOptions } from './http-options';
import { listenAdopted, listenFresh, serverHandle } from './sockets';

export const JSON_TYPE = 'application/json; charset=utf-8';

/** One 'close' listener for all sockets of a listener: node passes the socket as `this`. */
function closeListener(owner: HttpServerListener): (this: Socket) => void {
  return function (this: Socket) {
    owner.socketClosed(this);
  };
}

/** The response a socket is writing now (node:http keeps it there). */
export function currentResponse(socket: Socket): ServerResponse | null | undefined {
  return (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
}

/**
 * What every HTTP listener does with its node:http server, whoever answers
 * the requests (Shoal's @OnRequest router, or a Nest platform's): the
 * SO_REUSEPORT socket (fresh or held), connection counts and limits, requests
 * node:http could not parse, and the drain (in-flight requests complete,
 * keep-alive connections close at a response boundary).
 */
export abstract class HttpServerListener implements Listener {
  readonly spec: ListenerSpec;
  readonly options: HttpOptions;
  protected readonly metrics: ListenerMetrics;
  protected readonly logger: Logger;
  protected readonly server: Server;
  private readonly connections = new Set<Socket>();
  private readonly forced = new Set<Socket>();
  /** Sockets passed alive to the replacement worker (WebSockets): their close counts as handed off. */
  private readonly handedOff = new WeakSet<Socket>();
  private port = 0;
  private accepting = false;
  /** Stopped accepting: every response closes its connection. */
  protected draining = false;
  private drainer: Drain | undefined;
  private readonly onSocketClose: (this: Socket) => void;

  protected constructor(context: ListenerContext, server: Server) {
    this.spec = context.spec;
    // Validated by the transport where the configuration was loaded (validateHttpOptions).
    this.options = context.spec.options as unknown as HttpOptions;
    this.metrics = context.metrics;
    this.logger = context.logger;
    this.server = server;
    server.maxConnections = this.options.maxConnections;
    server.on('connection', this.onConnection);
    server.on('clientError', this.onClientError);
    server.on('drop', this.onDrop);
    this.onSocketClose = closeListener(this);
  }

  /** Starts listening: on the socket the supervisor held for this slot, or on a fresh one. */
  protected async listen(handle: HeldHandle | undefined): Promise<void> {
    if (handle === undefined) await listenFresh(this.server, this.spec);
    else await listenAdopted(this.server, this.spec, handle);
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
    this.drainer?.closed(forced ? 'forced' : this.handedOff.has(socket) ? 'handed-off' : 'completed');
  }

  // --- hooks for connections that leave or join otherwise (WebSocket hand-off) -----------------

  /** Counts and tracks a socket that did not come through the server (one a previous worker handed off). */
  protected adoptSocket(socket: Socket): void {
    this.onConnection(socket);
  }

  /** The socket lives on in the replacement worker: its close here is counted as handed off. */
  protected passedOn(socket: Socket): void {
    this.handedOff.add(socket);
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
    if (currentResponse(socket)?.headersSent) {
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
   * response (`Connection: close`); idle connections close after a grace; at
   * the deadline every connection left is destroyed.
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
        const res = currentResponse(socket);
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
