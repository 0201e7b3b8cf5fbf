// What both styles of the cluster's SCTP listener share (one-to-one-listener.ts,
// one-to-many-listener.ts): each worker opens its own SO_REUSEPORT socket
// (the kernel spreads associations over the group) and the supervisor holds a
// duplicate, given to every later worker of the slot. The dispatchers of the
// handlers (@shoal/core's dispatch path), metrics and the naming of errors
// live here.
import type {
  Dispatcher, DrainReport, HeldHandle, Listener, ListenerContext, ListenerMetrics, ListenerSpec, Logger, Wire,
} from '@shoal/core';
import { isRawFdHandle } from '@shoal/core';
import { isShoalError } from '@shoal/common';
import type { SctpMessage, SctpNotification, SctpOptions } from '@shoal/sctp';
import { type Association, MESSAGE_WIRE, type MessageContext } from './association';
import type { SctpAssociationDown } from './context';
import { ERR_SCTP_HANDLE_INVALID } from './errors';
import { listenerSocketOptions, type SctpListenerOptions } from './listener-options';
import { SctpListenerMetrics } from './metrics';

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
  /** The message handler, under the listener's onHandlerError (Association calls it). */
  readonly messages: Dispatcher<MessageContext> | undefined;
  // Association and notification handlers: nothing to reply on, so their failures are counted and logged ('ignore').
  private readonly ups: Dispatcher<Association | undefined> | undefined;
  private readonly downs: Dispatcher<Association | undefined> | undefined;
  private readonly drains: Dispatcher<Association | undefined> | undefined;
  private readonly peerChanges: Dispatcher<Association | undefined> | undefined;
  private readonly notifications: Dispatcher<Association | undefined> | undefined;
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
    const { handlers, logger } = context;
    const listener = this.spec.name;
    const eventWire: Wire<Association | undefined> = Object.freeze({
      logFields: (association: Association | undefined) => ({ listener, assocId: association?.assocId }),
    });
    const ignore = { onHandlerError: 'ignore', logger } as const;
    this.messages = handlers.dispatcher('message', MESSAGE_WIRE, { onHandlerError: this.options.onHandlerError, logger });
    this.ups = handlers.dispatcher('association-up', eventWire, ignore);
    this.downs = handlers.dispatcher('association-down', eventWire, ignore);
    this.drains = handlers.dispatcher('association-drain', eventWire, ignore);
    this.peerChanges = handlers.dispatcher('peer-address-change', eventWire, ignore);
    this.notifications = handlers.dispatcher('notification', eventWire, ignore);
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

  protected up(association: Association): void {
    this.metrics.connectionOpened();
    void this.ups?.dispatch(association, association);
  }

  protected down(association: Association, down: SctpAssociationDown | null): void {
    this.metrics.connectionClosed();
    association.end();
    if (down !== null) void this.downs?.dispatch(association, association, down);
  }

  /** Ends an association of a draining worker: the app's @OnAssociationDrain handlers first (their promise), then a graceful SHUTDOWN. */
  protected farewell(association: Association): void {
    const pending = association.ended ? undefined : this.drains?.dispatch(association, association);
    if (pending === undefined) association.close();
    else void pending.then(() => association.close());
  }

  protected notify(n: SctpNotification, association: Association | undefined): void {
    this.sctpMetrics.notification(n.type);
    void this.notifications?.dispatch(association, n, association);
    if (n.type === 'peer-addr-change' && association !== undefined) {
      void this.peerChanges?.dispatch(association, association, { address: n.address?.address ?? null, state: n.state, error: n.error });
    }
  }
}
