import { type Server, Socket, createServer } from 'node:net';
import type { Dispatcher, DrainReport, HeldHandle, Listener, ListenerContext, ListenerMetrics, ListenerSpec, Logger } from '@shoal/core';
import { ERR_TCP_TOO_MANY_CONNECTIONS } from './errors';
import { createFramer } from './framing';
import { listenAdopted, listenFresh, serverHandle } from './sockets';
import { CONNECT_WIRE, DISCONNECT_WIRE, MESSAGE_WIRE, TcpConnection } from './tcp-connection';
import type { TcpOptions } from './tcp-options';
import { Drain } from './drain';

/** A framed TCP listener on a SO_REUSEPORT socket (see TcpOptions). */
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
    this.server = createServer({
      // A client may send its last request and shut down its side (socat, `nc -N`): its
      // answers still go out, and TcpConnection ends our side once they are written.
      allowHalfOpen: true,
      noDelay: o.noDelay,
      keepAlive: o.keepAlive,
      keepAliveInitialDelay: o.keepAliveInitialDelayMs,
    });
    this.server.maxConnections = o.maxConnections;
    this.server.on('connection', this.onConnection);
    this.server.on('drop', this.onDrop);
  }

  private listening(): void {
    this.accepting = true;
    this.port = (this.server.address() as { port: number }).port;
    this.server.on('error', (err) => this.logger.error({ err, listener: this.spec.name }, 'listener error'));
  }

  private readonly onConnection = (socket: Socket): void => {
    this.serve(socket, false);
  };

  private serve(socket: Socket, resumed: boolean, unread?: Buffer): void {
    this.metrics.connectionOpened();
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
    this.serve(socket, true, unread);
  }

  private readonly onDrop = (): void => {
    const err = new ERR_TCP_TOO_MANY_CONNECTIONS(this.spec.name, this.options.maxConnections);
    this.metrics.protocolError(err.code);
    this.logger.warn({ listener: this.spec.name, code: err.code }, err.message);
  };

  /** Called by a connection once its socket closed. */
  connectionClosed(connection: TcpConnection): void {
    if (!this.connections.delete(connection)) return;
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
    return this.connections.size;
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
      this.drainer = new Drain(this.connections.size, deadline, () => {
        for (const connection of this.connections) connection.destroy();
      });
      for (const connection of [...this.connections]) connection.drain();
    }
    return this.drainer.done;
  }
}
