import { type Server, type ServerOpts, Socket, createServer } from 'node:net';
import { type Server as TlsServer, type TLSSocket, createServer as createTlsServer } from 'node:tls';
import type { Dispatcher, DrainReport, HeldHandle, Listener, ListenerContext, ListenerMetrics, ListenerSpec, Logger } from '@shoal/core';
import { ERR_TCP_TOO_MANY_CONNECTIONS, ERR_TLS_CLIENT_CERT_REFUSED } from './errors';
import { createFramer } from './framing';
import { listenAdopted, listenFresh, serverHandle } from './sockets';
import { CONNECT_WIRE, DISCONNECT_WIRE, MESSAGE_WIRE, TcpConnection } from './tcp-connection';
import type { TcpOptions } from './tcp-options';
import { Drain } from './drain';
import type { TlsOptions } from './tls-options';
import { tlsClientFailure, tlsServerOptions } from './tls-server';

/**
 * A framed TCP listener on a SO_REUSEPORT socket (see TcpOptions). With
 * options.tls its server is a tls.Server, which opens and adopts sockets as a
 * net.Server does, and frames are read from each decrypted TLSSocket.
 */
export class TcpListener implements Listener {
  readonly spec: ListenerSpec;
  readonly options: TcpOptions;
  readonly metrics: ListenerMetrics;
  readonly logger: Logger;
  /** The handlers of the listener's events on the one dispatch path (@shoal/core dispatch.ts). */
  readonly messages: Dispatcher<TcpConnection> | undefined;
  readonly connects: Dispatcher<TcpConnection> | undefined;
  readonly disconnects: Dispatcher<TcpConnection> | undefined;
  /** Drain started: connections end (or are handed off) at their next frame boundary. */
  draining = false;
  /** Passes a live connection to the slot's replacement worker (see ListenerContext.handOff). */
  readonly handOff: ListenerContext['handOff'];

  private readonly server: Server;
  private readonly connections = new Set<TcpConnection>();
  /**
   * TLS: every accepted socket, from before its handshake until it closes.
   * These are what connection metrics and drains count, so that a handshake
   * under way when a drain starts is waited for, and cut at its deadline.
   */
  private readonly tlsSockets: Set<Socket> | undefined;
  /** The drain deadline passed: what closes from now on was cut. */
  private cut = false;
  private nextId = 1;
  private port = 0;
  private accepting = false;
  private drainer: Drain | undefined;

  static async open(context: ListenerContext): Promise<TcpListener> {
    const listener = new TcpListener(context);
    await listenFresh(listener.server, context.spec);
    listener.listening();
    return listener;
  }

  static async adopt(context: ListenerContext, handle: HeldHandle): Promise<TcpListener> {
    const listener = new TcpListener(context);
    await listenAdopted(listener.server, context.spec, handle);
    listener.listening();
    return listener;
  }

  private constructor(context: ListenerContext) {
    this.spec = context.spec;
    // Validated by the transport where the configuration was loaded (validateTcpOptions).
    this.options = context.spec.options as unknown as TcpOptions;
    this.metrics = context.metrics;
    this.logger = context.logger;
    const { handlers, logger } = context;
    this.messages = handlers.dispatcher('message', MESSAGE_WIRE, { onHandlerError: this.options.onHandlerError, logger });
    this.connects = handlers.dispatcher('connect', CONNECT_WIRE, { onHandlerError: 'close', logger });
    this.disconnects = handlers.dispatcher('disconnect', DISCONNECT_WIRE, { onHandlerError: 'ignore', logger });
    this.handOff = context.handOff;
    const o = this.options;
    const socketOptions: ServerOpts = {
      // A client may send its last request and shut down its side (socat, `nc -N`): its
      // answers still go out, and TcpConnection ends our side once they are written.
      allowHalfOpen: true,
      noDelay: o.noDelay,
      keepAlive: o.keepAlive,
      keepAliveInitialDelay: o.keepAliveInitialDelayMs,
    };
    if (o.tls === undefined) {
      this.tlsSockets = undefined;
      this.server = createServer(socketOptions);
      this.server.on('connection', this.onConnection);
    } else {
      this.tlsSockets = new Set();
      this.server = this.tlsServer(socketOptions, o.tls);
    }
    this.server.maxConnections = o.maxConnections;
    this.server.on('drop', this.onDrop);
  }

  /** Reads the certificate files now (in the worker, as the listener opens): a bad one fails the opening. */
  private tlsServer(socketOptions: ServerOpts, tls: TlsOptions): TlsServer {
    const options = tlsServerOptions(tls, `listeners.${this.spec.name}.options.tls`);
    // Half-open only once the handshake is over (onSecureConnection): before, a client that shuts
    // down its side (a TCP health check that connects and closes) must not wait for the handshake timeout.
    const server = createTlsServer({ ...socketOptions, ...options, allowHalfOpen: false });
    // After node:tls's own 'connection' listener, which wraps the socket.
    server.on('connection', this.onTlsSocket);
    server.on('secureConnection', this.onSecureConnection);
    server.on('tlsClientError', this.onTlsClientError);
    return server;
  }

  private listening(): void {
    this.accepting = true;
    this.port = (this.server.address() as { port: number }).port;
    this.server.on('error', (err) => this.logger.error({ err, listener: this.spec.name }, 'listener error'));
  }

  private readonly onConnection = (socket: Socket): void => {
    this.metrics.connectionOpened();
    this.serve(socket, false);
  };

  private serve(socket: Socket, resumed: boolean, unread?: Buffer): void {
    const framer = createFramer(this.options.framing, this.options.maxFrameBytes);
    const connection = new TcpConnection(this, this.nextId++, socket, framer, resumed, unread);
    this.connections.add(connection);
    if (this.draining) connection.drain();
  }

  /** A connection the previous worker of this slot handed over, with what it had read but not framed. */
  adoptConnection(handle: HeldHandle, unread: Buffer): void {
    const socket = new Socket({ handle: handle as never, readable: true, writable: true, allowHalfOpen: true });
    socket.setNoDelay(this.options.noDelay);
    if (this.options.keepAlive) socket.setKeepAlive(true, this.options.keepAliveInitialDelayMs);
    this.metrics.connectionOpened();
    this.serve(socket, true, unread);
  }

  // --- TLS ---------------------------------------------------------------------------------

  /** A TLS connection accepted, its handshake about to start. */
  private readonly onTlsSocket = (socket: Socket): void => {
    // Read now, while the socket is open: a failed handshake is logged with it after the close.
    void socket.remoteAddress;
    this.metrics.connectionOpened();
    this.tlsSockets!.add(socket);
    socket.once('close', () => this.tlsSocketClosed(socket));
  };

  private tlsSocketClosed(socket: Socket): void {
    if (!this.tlsSockets!.delete(socket)) return;
    this.metrics.connectionClosed();
    this.drainer?.closed(this.cut ? 'forced' : 'completed');
  }

  /** The handshake is over: frames from now on. */
  private readonly onSecureConnection = (socket: TLSSocket): void => {
    // As for plain TCP (see the constructor): a client that shuts down its side still gets its answers.
    socket.allowHalfOpen = true;
    this.serve(socket, false);
  };

  /** A handshake failed: only that connection is closed, counted by its code. */
  private readonly onTlsClientError = (err: Error, socket: TLSSocket): void => {
    // node:tls may have closed it already: then the accepted socket (its _parent) still knows the address.
    const remoteAddress = socket.remoteAddress ?? (socket as TLSSocket & { _parent?: Socket })._parent?.remoteAddress;
    const fields = { listener: this.spec.name, remoteAddress };
    const failure = tlsClientFailure(err, socket, this.spec.name, this.options.tls!);
    // node:tls leaves it open after a handshake timeout.
    socket.destroy();
    if (failure === undefined) {
      this.logger.debug({ ...fields, reason: (err as NodeJS.ErrnoException).code }, 'a client left before its TLS handshake was over');
      return;
    }
    this.metrics.protocolError(failure.code);
    // A refused certificate is worth a look (a client whose certificate expired, or another CA's);
    // failed handshakes are what port scanners and plain-text clients leave behind.
    if (failure.code === ERR_TLS_CLIENT_CERT_REFUSED.code) this.logger.warn({ ...fields, code: failure.code }, failure.message);
    else this.logger.debug({ ...fields, code: failure.code }, failure.message);
  };

  private readonly onDrop = (): void => {
    const err = new ERR_TCP_TOO_MANY_CONNECTIONS(this.spec.name, this.options.maxConnections);
    this.metrics.protocolError(err.code);
    this.logger.warn({ listener: this.spec.name, code: err.code }, err.message);
  };

  /** Called by a connection once its socket closed. */
  connectionClosed(connection: TcpConnection): void {
    if (!this.connections.delete(connection)) return;
    // TLS: counted when the accepted socket closes (tlsSocketClosed).
    if (this.tlsSockets !== undefined) return;
    this.metrics.connectionClosed();
    this.drainer?.closed(connection.forced ? 'forced' : connection.handedOff ? 'handed-off' : 'completed');
  }

  heldHandle(): HeldHandle {
    return serverHandle(this.server, this.spec);
  }

  boundPort(): number {
    return this.port;
  }

  activeConnections(): number {
    return this.tlsSockets?.size ?? this.connections.size;
  }

  async stopAccepting(): Promise<void> {
    if (!this.accepting) return;
    this.accepting = false;
    // Closes this process's descriptor of the listening socket at once (libuv
    // closes stream fds synchronously); the socket lives on in the supervisor.
    this.server.close();
  }

  drain(deadline: number): Promise<DrainReport> {
    if (this.drainer === undefined) {
      void this.stopAccepting();
      this.draining = true;
      this.drainer = new Drain(this.activeConnections(), deadline, () => {
        this.cut = true;
        for (const connection of this.connections) connection.destroy();
        // TLS handshakes still under way: their TLSSockets close with them.
        for (const socket of this.tlsSockets ?? []) socket.destroy();
      });
      for (const connection of [...this.connections]) connection.drain();
    }
    return this.drainer.done;
  }
}
