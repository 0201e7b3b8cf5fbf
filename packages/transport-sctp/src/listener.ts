// What both styles of the cluster's SCTP listener share (one-to-one-listener.ts,
// one-to-many-listener.ts): each worker opens its own SO_REUSEPORT socket
// (the kernel spreads associations over the group) and the supervisor holds a
// duplicate, given to every later worker of the slot. Handler calls, metrics
// and the naming of errors live here.
import type {
  DrainReport, HeldHandle, InstrumentedHandler, Listener, ListenerContext, ListenerMetrics, ListenerSpec, Logger,
} from '@shoal/core';
import { handlerErrorCode, isRawFdHandle } from '@shoal/core';
import { isShoalError } from '@shoal/common';
import type { SctpMessage, SctpNotification, SctpOptions } from '@shoal/sctp';
import type { Association } from './association';
import type { SctpAssociationDown } from './context';
import { ERR_SCTP_HANDLE_INVALID } from './errors';
import { listenerSocketOptions, type SctpListenerOptions } from './listener-options';
import { SctpListenerMetrics } from './metrics';

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** Names the listener in an error from opening its socket (its class, code, errno and syscall stay). */
export function listenerError(spec: ListenerSpec, o: SctpListenerOptions, err: unknown): unknown {
  if (!isShoalError(err)) return err;
  const where = `[${[spec.host, ...o.addresses].join(', ')}] port ${spec.port}`;
  const original = err.message;
  err.message = `listener "${spec.name}" (sctp ${o.style} on ${where}): ${original}`;
  if (err.stack !== undefined) err.stack = err.stack.replace(original, err.message);
  return err;
}

/** The descriptor of a held SCTP socket. */
export function fdOf(handle: HeldHandle, spec: ListenerSpec): number {
  if (!isRawFdHandle(handle)) {
    throw new ERR_SCTP_HANDLE_INVALID(spec.name, 'the supervisor gave a handle that is not an SCTP descriptor');
  }
  return handle.rawFd;
}

export abstract class SctpClusterListener implements Listener {
  readonly spec: ListenerSpec;
  readonly options: SctpListenerOptions;
  readonly socketOptions: Readonly<SctpOptions>;
  readonly metrics: ListenerMetrics;
  readonly sctpMetrics: SctpListenerMetrics;
  readonly logger: Logger;
  readonly messageHandler: InstrumentedHandler | undefined;
  private readonly upHandler: InstrumentedHandler | undefined;
  private readonly downHandler: InstrumentedHandler | undefined;
  private readonly peerHandler: InstrumentedHandler | undefined;
  private readonly notificationHandler: InstrumentedHandler | undefined;
  protected readonly context: ListenerContext;
  protected draining = false;

  protected constructor(context: ListenerContext) {
    this.context = context;
    this.spec = context.spec;
    // Validated and frozen by validateSctpListenerOptions at config time (the core's contract for spec.options).
    this.options = context.spec.options as unknown as SctpListenerOptions;
    this.socketOptions = listenerSocketOptions(this.options);
    this.metrics = context.metrics;
    this.logger = context.logger;
    this.messageHandler = context.handlers.get('message');
    this.upHandler = context.handlers.get('association-up');
    this.downHandler = context.handlers.get('association-down');
    this.peerHandler = context.handlers.get('peer-address-change');
    this.notificationHandler = context.handlers.get('notification');
    this.sctpMetrics = new SctpListenerMetrics(context.metrics.registry, this.spec.name, this.options.style, () => this.activeConnections());
  }

  protected get addresses(): string[] {
    return [this.spec.host, ...this.options.addresses];
  }

  abstract heldHandle(): HeldHandle;
  abstract boundPort(): number;
  abstract activeConnections(): number;
  abstract stopAccepting(): Promise<void>;
  abstract drain(deadline: number): Promise<DrainReport>;

  /** Counts a message read (called by Association). */
  received(message: SctpMessage): void {
    this.metrics.received(message.data.length);
    this.sctpMetrics.received(message.stream, message.data.length);
  }

  /** Counts a message sent (called by Association). */
  counted(stream: number, bytes: number): void {
    this.metrics.sent(bytes);
    this.sctpMetrics.sent(stream, bytes);
  }

  handlerFailed(err: unknown, handler: InstrumentedHandler, association: Association | undefined): void {
    this.logger.error(
      { err, listener: this.spec.name, assocId: association?.assocId, handler: handler.name, code: handlerErrorCode(err) },
      'handler failed',
    );
  }

  private call(handler: InstrumentedHandler | undefined, association: Association | undefined, ...args: unknown[]): void {
    if (handler === undefined) return;
    try {
      const result = handler.invoke(...args);
      if (isThenable(result)) result.then(undefined, (err: unknown) => this.handlerFailed(err, handler, association));
    } catch (err) {
      this.handlerFailed(err, handler, association);
    }
  }

  protected up(association: Association): void {
    this.metrics.connectionOpened();
    this.call(this.upHandler, association, association);
  }

  protected down(association: Association, down: SctpAssociationDown | null): void {
    this.metrics.connectionClosed();
    association.end();
    if (down !== null) this.call(this.downHandler, association, association, down);
  }

  protected notify(n: SctpNotification, association: Association | undefined): void {
    this.sctpMetrics.notification(n.type);
    this.call(this.notificationHandler, association, n, association);
    if (n.type === 'peer-addr-change' && association !== undefined) {
      this.call(this.peerHandler, association, association, { address: n.address?.address ?? null, state: n.state, error: n.error });
    }
  }
}
