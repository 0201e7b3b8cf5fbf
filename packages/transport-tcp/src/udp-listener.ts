import { type RemoteInfo, type Socket, createSocket } from 'node:dgram';
import {
  type DrainReport,
  type HeldHandle,
  type InstrumentedHandler,
  type Listener,
  type ListenerContext,
  type ListenerMetrics,
  type ListenerSpec,
  type Logger,
  handlerErrorCode,
} from '@shoal/core';
import { ERR_UDP_DATAGRAM_TOO_LARGE, ERR_UDP_HANDLE_UNAVAILABLE, ERR_UDP_REPLY_INVALID } from './errors';
import { type Payload, describeValue, isPayload, payloadLength } from './framing';
import { optionsOf } from './options';
import { checkUdpHandle, openError, udpHandle } from './sockets';
import type { UdpContext } from './udp-context';
import { type UdpOptions, udpType, validateUdpOptions } from './udp-options';

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function';
}

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
 * A UDP listener on a SO_REUSEPORT socket: each datagram goes to the
 * datagram handler, and a reply goes back to its sender from the same socket.
 */
export class UdpListener implements Listener {
  readonly spec: ListenerSpec;
  readonly options: UdpOptions;
  private readonly metrics: ListenerMetrics;
  private readonly logger: Logger;
  private readonly handler: InstrumentedHandler | undefined;
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
    this.options = optionsOf(context.spec, validateUdpOptions);
    this.metrics = context.metrics;
    this.logger = context.logger;
    this.handler = context.handlers.get('datagram');
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
    const handler = this.handler;
    if (handler === undefined) return;
    const context = new Datagram(this, rinfo);
    let result: unknown;
    try {
      result = handler.invoke(payload, context);
    } catch (err) {
      this.failed(err, context, handler);
      return;
    }
    if (isThenable(result)) {
      this.inFlight++;
      result.then(
        (value) => {
          if (value !== undefined && value !== null) this.reply(value, context, handler);
          this.settled();
        },
        (err: unknown) => {
          this.failed(err, context, handler);
          this.settled();
        },
      );
    } else if (result !== undefined && result !== null) {
      this.reply(result, context, handler);
    }
  };

  private settled(): void {
    this.inFlight--;
    this.closeWhenIdle();
  }

  /** After stopAccepting, this process's socket closes once no handler or send is pending. */
  private closeWhenIdle(): void {
    if (!this.accepting && this.inFlight === 0 && this.sending === 0) void this.close();
  }

  private reply(value: unknown, context: Datagram, handler: InstrumentedHandler): void {
    if (!isPayload(value)) {
      const err = new ERR_UDP_REPLY_INVALID(handler.name, describeValue(value));
      this.metrics.handlerError(handler.event, err.code);
      this.failed(err, context, handler);
      return;
    }
    this.send(value, context.remotePort, context.remoteAddress);
  }

  private failed(err: unknown, context: Datagram, handler: InstrumentedHandler): void {
    const code = handlerErrorCode(err);
    this.logger.error({ err, listener: this.spec.name, remoteAddress: context.remoteAddress, handler: handler.name, code }, 'handler failed');
    if (this.options.replyOnError) this.send(`ERR ${code}`, context.remotePort, context.remoteAddress);
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
