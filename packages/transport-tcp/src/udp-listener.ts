import { type RemoteInfo, type Socket, createSocket } from 'node:dgram';
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
  payloadReply,
} from '@shoal/core';
import { ERR_UDP_DATAGRAM_TOO_LARGE, ERR_UDP_HANDLE_UNAVAILABLE } from './errors';
import { type Payload, payloadLength } from './framing';
import { checkUdpHandle, openError, udpHandle } from './sockets';
import type { UdpContext } from './udp-context';
import { type UdpOptions, udpType } from './udp-options';

class Datagram implements UdpContext {
  readonly listener: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly family: 'IPv4' | 'IPv6';

  constructor(
    private readonly owner: UdpListener,
    rinfo: RemoteInfo,
  ) {
    this.listener = owner.spec.name;
    this.remoteAddress = rinfo.address;
    this.remotePort = rinfo.port;
    this.family = rinfo.family;
  }

  send(payload: Payload, port?: number, address?: string): boolean {
    return this.owner.send(payload, port ?? this.remotePort, address ?? this.remoteAddress);
  }
}

/**
 * The UDP wire of the dispatch path (@shoal/core dispatch.ts): a reply goes
 * to the sender; `'reply'` sends it a datagram `ERR <code>`.
 */
const DATAGRAM_WIRE: Wire<Datagram> = Object.freeze({
  checkReply: payloadReply,
  reply: (value: unknown, datagram: Datagram) => {
    if (value !== undefined && value !== null) datagram.send(value as Payload);
  },
  replyError: (code: string, _error: unknown, datagram: Datagram) => void datagram.send(`ERR ${code}`),
  logFields: (datagram: Datagram) => ({ listener: datagram.listener, remoteAddress: datagram.remoteAddress }),
});

/**
 * A UDP listener on a SO_REUSEPORT socket: each datagram goes to the
 * datagram handler, and a reply goes back to its sender from the same socket.
 */
export class UdpListener implements Listener {
  readonly spec: ListenerSpec;
  readonly options: UdpOptions;
  private readonly metrics: ListenerMetrics;
  private readonly logger: Logger;
  private readonly datagrams: Dispatcher<Datagram> | undefined;
  private readonly socket: Socket;
  private port = 0;
  private accepting = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  /** Handlers whose promise has not settled. */
  private inFlight = 0;
  /** Datagrams handed to the socket and not yet sent (an address lookup comes first). */
  private sending = 0;
  private drainWaiter: (() => void) | undefined;

  static async open(context: ListenerContext): Promise<UdpListener> {
    const listener = new UdpListener(context, true);
    const { spec } = context;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => {
        listener.closed = true;
        listener.socket.close();
        reject(openError(spec, 'udp', err));
      };
      listener.socket.once('error', onError);
      listener.socket.bind({ address: spec.host, port: spec.port }, () => {
        listener.socket.removeListener('error', onError);
        resolve();
      });
    });
    listener.listening();
    return listener;
  }

  static async adopt(context: ListenerContext, handle: HeldHandle): Promise<UdpListener> {
    checkUdpHandle(context.spec, handle);
    const listener = new UdpListener(context, false);
    await new Promise<void>((resolve) => {
      // bind() with a raw UDP wrap starts receiving on it and emits 'listening' synchronously.
      listener.socket.once('listening', resolve);
      listener.socket.bind(handle as never);
    });
    listener.listening();
    return listener;
  }

  private constructor(context: ListenerContext, reusePort: boolean) {
    this.spec = context.spec;
    // Validated by the transport where the configuration was loaded (validateUdpOptions).
    this.options = context.spec.options as unknown as UdpOptions;
    this.metrics = context.metrics;
    this.logger = context.logger;
    this.datagrams = context.handlers.dispatcher('datagram', DATAGRAM_WIRE, { onHandlerError: this.options.onHandlerError, logger: context.logger });
    const o = this.options;
    this.socket = createSocket({
      type: udpType(o, this.spec.host),
      reusePort,
      // Only where the socket is opened: an adopted socket keeps the size it was given.
      ...(reusePort && { recvBufferSize: o.recvBufferSize }),
      ...(o.sendBufferSize !== undefined && { sendBufferSize: o.sendBufferSize }),
    });
    this.socket.on('message', this.onMessage);
  }

  private listening(): void {
    this.accepting = true;
    this.port = this.socket.address().port;
    this.socket.on('error', (err) => this.logger.error({ err, listener: this.spec.name }, 'udp socket error'));
  }

  private readonly onMessage = (payload: Buffer, rinfo: RemoteInfo): void => {
    if (payload.length > this.options.maxDatagramBytes) {
      const err = new ERR_UDP_DATAGRAM_TOO_LARGE(payload.length, this.options.maxDatagramBytes);
      this.metrics.protocolError(err.code);
      this.logger.debug({ listener: this.spec.name, remoteAddress: rinfo.address, code: err.code }, err.message);
      return;
    }
    this.metrics.received(payload.length);
    const datagrams = this.datagrams;
    if (datagrams === undefined) return;
    const context = new Datagram(this, rinfo);
    const pending = datagrams.dispatch(context, payload, context);
    if (pending !== undefined) {
      this.inFlight++;
      pending.then(this.settled);
    }
  };

  /** An asynchronous handler settled, and its reply or error went out. */
  private readonly settled = (): void => {
    this.inFlight--;
    this.closeWhenIdle();
  };

  /** After stopAccepting, this process's socket closes once no handler or send is pending. */
  private closeWhenIdle(): void {
    if (!this.accepting && this.inFlight === 0 && this.sending === 0) void this.close();
  }

  send(payload: Payload, port: number, address: string): boolean {
    if (this.closed) return false;
    this.metrics.sent(payloadLength(payload));
    this.sending++;
    this.socket.send(payload, port, address, this.onSent);
    return true;
  }

  private readonly onSent = (err: Error | null): void => {
    this.sending--;
    if (err) this.logger.warn({ err, listener: this.spec.name }, 'udp send failed');
    this.closeWhenIdle();
  };

  heldHandle(): HeldHandle {
    if (!this.accepting) {
      throw new ERR_UDP_HANDLE_UNAVAILABLE(this.spec.name, 'it stopped accepting; call heldHandle() between open()/adopt() and stopAccepting()');
    }
    return udpHandle(this.socket, this.spec);
  }

  boundPort(): number {
    return this.port;
  }

  /** UDP has no connections. */
  activeConnections(): number {
    return 0;
  }

  /**
   * Stops reading datagrams at once. The socket stays open in this process
   * until the pending handlers settled, so that their replies still leave
   * from the listener's address; then this process's descriptor is closed.
   */
  async stopAccepting(): Promise<void> {
    if (!this.accepting) return;
    this.accepting = false;
    udpHandle(this.socket, this.spec).recvStop();
    if (this.inFlight === 0 && this.sending === 0) await this.close();
  }

  async drain(deadline: number): Promise<DrainReport> {
    await this.stopAccepting();
    const pending = this.inFlight;
    if (!this.closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.drainWaiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const forced = this.inFlight;
    await this.close();
    return { completed: pending - forced, forced };
  }

  private close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.closed = true;
      this.socket.close(() => resolve());
      const waiter = this.drainWaiter;
      this.drainWaiter = undefined;
      waiter?.();
    });
    return this.closing;
  }
}
