import { type IncomingMessage, STATUS_CODES, type ServerResponse } from 'node:http';
import { type Http2ServerRequest, type ServerHttp2Session, constants } from 'node:http2';
import { Server as NetServer } from 'node:net';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { DrainReport, HeldHandle, Listener, ListenerContext, ListenerMetrics, ListenerSpec, Logger } from '@shoal/core';
import { Drain } from './drain';
import { ERR_HTTP2_SESSION_ERROR, ERR_HTTP2_SESSION_TIMEOUT, ERR_HTTP_BAD_REQUEST, ERR_HTTP_HEADERS_TOO_LARGE, ERR_HTTP_REQUEST_TIMEOUT, ERR_HTTP_TOO_MANY_CONNECTIONS } from './errors';
import type { HttpOptions } from './http-options';
import type { HttpServer } from './http-server';
import { listenAdopted, listenFresh, serverHandle } from './sockets';
import { tlsClientFailure } from './tls-server';

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

/** How often a drained HTTP/2 session's socket is read again while the PING is out (see goAway). */
const GOAWAY_READ_AGAIN_MS = 20;

/**
 * Reads an HTTP/2 session's socket again. node:http2 stops reading a session
 * that sent a GOAWAY whenever it has no stream open (nghttp2 then "wants no
 * read") and starts again only once a stream is open, which none can be
 * while the data that would open one is not read.
 */
function readAgain(session: ServerHttp2Session): void {
  // The session's socket is a proxy; its handle is the TCP (or TLS) stream that node:http2 reads.
  const handle = (session.socket as unknown as { _handle?: { readStart?: () => number } | null } | undefined)?._handle;
  handle?.readStart?.();
}

/** Sessions whose graceful end has begun (an idle one may be drained too). */
const goingAway = new WeakSet<ServerHttp2Session>();

/**
 * An HTTP/2 session's graceful end (RFC 9113, 6.8): a first GOAWAY that
 * refuses no stream (last stream id 2^31-1) tells the client to open no more;
 * once a PING has come back, every stream the client opened before it saw
 * that GOAWAY has arrived, and close() sends the final GOAWAY and lets those
 * streams finish. A single GOAWAY would refuse the streams already on their
 * way, which the client must then retry. Until the PING is back the socket
 * is read again every few milliseconds, or the PING's answer itself could
 * wait unread (see readAgain). A client that has not answered within
 * `graceMs` (the listener's drainIdleGraceMs) gets the final GOAWAY anyway:
 * it names the last stream processed, so the client knows which requests it
 * may send again (Node's own client, for one, leaves requests it queued but
 * did not send once a GOAWAY came, and answers no PING meanwhile).
 */
function goAway(session: ServerHttp2Session, graceMs: number): void {
  if (session.closed || session.destroyed || goingAway.has(session)) return;
  goingAway.add(session);
  session.goaway(constants.NGHTTP2_NO_ERROR, 2 ** 31 - 1);
  const reading = setInterval(() => readAgain(session), GOAWAY_READ_AGAIN_MS).unref();
  const close = (): void => {
    clearInterval(reading);
    clearTimeout(waiting);
    if (!session.closed && !session.destroyed) session.close();
  };
  const waiting = setTimeout(close, graceMs).unref();
  session.once('close', close);
  if (!session.ping(close)) close();
}

/** Whether a request came over HTTP/1.x, whose response may carry `Connection: close` (HTTP/2 refuses that header). */
export function isHttp1(req: IncomingMessage | Http2ServerRequest): boolean {
  return req.httpVersionMajor === 1;
}

/**
 * What every HTTP listener does with its server, whoever answers the
 * requests (Shoal's @OnRequest router, or a Nest platform's): the
 * SO_REUSEPORT socket (fresh or held), connection counts and limits, requests
 * node:http could not parse, failed TLS handshakes and HTTP/2 session errors,
 * and the drain: in-flight requests complete, HTTP/1.1 keep-alive connections
 * close at a response boundary, HTTP/2 sessions get GOAWAY and finish their
 * streams. A connection is the TCP connection, or with TLS the TLS socket
 * once its handshake is over (what requests are read from).
 */
export abstract class HttpServerListener implements Listener {
  readonly spec: ListenerSpec;
  readonly options: HttpOptions;
  protected readonly metrics: ListenerMetrics;
  protected readonly logger: Logger;
  protected readonly server: HttpServer;
  private readonly connections = new Set<Socket>();
  /** HTTP/2 sessions open now (GOAWAY on drain). */
  private readonly sessions = new Set<ServerHttp2Session>();
  private readonly forced = new Set<Socket>();
  /** Sockets passed alive to the replacement worker (WebSockets): their close counts as handed off. */
  private readonly handedOff = new WeakSet<Socket>();
  private port = 0;
  private accepting = false;
  /** Stopped accepting: every response closes its connection. */
  protected draining = false;
  private drainer: Drain | undefined;
  private readonly onSocketClose: (this: Socket) => void;

  protected constructor(context: ListenerContext, server: HttpServer) {
    this.spec = context.spec;
    // Validated by the transport where the configuration was loaded (validateHttpOptions).
    this.options = context.spec.options as unknown as HttpOptions;
    this.metrics = context.metrics;
    this.logger = context.logger;
    this.server = server;
    server.maxConnections = this.options.maxConnections;
    server.on(this.options.tls === undefined ? 'connection' : 'secureConnection', this.onConnection);
    server.on('clientError', this.onClientError);
    server.on('drop', this.onDrop);
    if (this.options.tls !== undefined) server.on('tlsClientError', this.onTlsClientError);
    if (this.options.http2) {
      server.on('session', this.onSession);
      server.on('sessionError', this.onSessionError);
    }
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

  /** A failed TLS handshake (plain text to a TLS port, a refused client certificate, a timeout): counted, closed. */
  private readonly onTlsClientError = (err: NodeJS.ErrnoException, socket: TLSSocket): void => {
    const failure = tlsClientFailure(err, socket, this.spec.name, this.options.tls!);
    socket.destroy();
    if (failure === undefined) return;
    this.metrics.protocolError(failure.code);
    this.logger.debug({ listener: this.spec.name, remoteAddress: socket.remoteAddress, code: failure.code }, failure.message);
  };

  private readonly onSession = (session: ServerHttp2Session): void => {
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
    this.watchIdle(session);
    // A session a draining worker still accepted (its handshake was under way) goes away at once.
    if (this.draining) goAway(session, this.options.drainIdleGraceMs);
  };

  /**
   * node:http2 has no headers timeout: a client that connects and says
   * nothing would hold its connection, and a maxConnections place, for ever.
   * Until its preface (with its SETTINGS) arrives a session has
   * headersTimeoutMs, then it is cut and counted; after that, one with no
   * activity for keepAliveTimeoutMs gets a GOAWAY, as an idle HTTP/1.1
   * keep-alive connection is closed (0 leaves either without a limit).
   */
  private watchIdle(session: ServerHttp2Session): void {
    let greeted = false;
    session.once('remoteSettings', () => {
      greeted = true;
      session.setTimeout(this.options.keepAliveTimeoutMs);
    });
    session.on('timeout', () => {
      if (greeted) {
        goAway(session, this.options.drainIdleGraceMs);
        return;
      }
      const error = new ERR_HTTP2_SESSION_TIMEOUT(this.spec.name, this.options.headersTimeoutMs);
      this.metrics.protocolError(error.code);
      this.logger.debug({ listener: this.spec.name, remoteAddress: session.socket?.remoteAddress, code: error.code }, error.message);
      session.destroy();
    });
    session.setTimeout(this.options.headersTimeoutMs);
  }

  /** An HTTP/2 session that failed (a protocol error of the client): node:http2 destroys it; counted here. */
  private readonly onSessionError = (err: NodeJS.ErrnoException, session: ServerHttp2Session): void => {
    const error = new ERR_HTTP2_SESSION_ERROR(this.spec.name, err.code ?? err.message, { cause: err });
    this.metrics.protocolError(error.code);
    this.logger.debug({ listener: this.spec.name, remoteAddress: session.socket?.remoteAddress, code: error.code }, error.message);
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

  /** HTTP/1.1 connections between requests (node:http2's server has no closeIdleConnections for its HTTP/1.1 fallback). */
  private closeIdleConnections(): void {
    const server = this.server as { closeIdleConnections?: () => void };
    if (!this.options.http2 && typeof server.closeIdleConnections === 'function') {
      server.closeIdleConnections();
      return;
    }
    for (const socket of this.connections) {
      // h2c has no HTTP/1.1; over TLS, ALPN says which protocol a connection speaks.
      const http2 = this.options.tls === undefined || (socket as TLSSocket).alpnProtocol === 'h2';
      if (!http2 && !currentResponse(socket)) socket.destroy();
    }
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
      // HTTP/2: GOAWAY; the streams in flight finish, then the session closes.
      for (const session of this.sessions) goAway(session, this.options.drainIdleGraceMs);
      for (const socket of this.connections) {
        const res = currentResponse(socket);
        if (res === null || res === undefined) continue;
        if (!res.headersSent) res.setHeader('connection', 'close');
        else res.once('finish', () => socket.destroySoon());
      }
      // Busy keep-alive clients send their next request within the grace and get
      // `Connection: close` on its response; what is still idle then is closed.
      // Not straight from the timer: after an event loop stalled past the grace,
      // timers run before the poll phase reads what arrived meanwhile, and a
      // request waiting unread would count as idle and get a reset. The
      // immediate runs after that poll phase.
      const closeIdle = (): void => void setImmediate(() => this.closeIdleConnections());
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
