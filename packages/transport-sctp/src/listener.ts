// The SCTP listener of a Shoal cluster, in both styles. Each worker opens its
// own SO_REUSEPORT socket (the kernel spreads associations over the group) and
// the supervisor holds a duplicate, given to every later worker of the slot.
//
// - one-to-one: the listening socket outlives workers, so nothing queued is
//   aborted; during a reload each established association goes, at a message
//   boundary, to the replacement (SCM_RIGHTS), or ends with a graceful
//   SHUTDOWN when handOffOnReload is false.
// - one-to-many: the socket carries every association, so the replacement
//   adopts it and its associations carry on; only one worker reads it at a
//   time (an exclusive listener), so the order of each stream is kept.
import type {
  DrainReport, HeldHandle, InstrumentedHandler, Listener, ListenerContext, ListenerMetrics, ListenerSpec, Logger,
} from '@shoal/core';
import { handlerErrorCode, isRawFdHandle } from '@shoal/core';
import { SctpError } from '../errors';
import { adoptSctpFd } from '../fd-passing';
import type { SctpMessage } from '../message-socket';
import type { SctpNotification } from '../notifications';
import { SctpEndpoint, createEndpoint } from '../one-to-many';
import { SctpServer, SctpSocket } from '../one-to-one';
import type { SctpOptionsInput } from '../options';
import { familyOf } from '../validate';
import { Association, type AssociationIo } from './association';
import type { SctpAssociationDown } from './context';
import { borrowedFdHandle } from './fd-link';
import { validateSctpListenerOptions, type SctpListenerOptions } from './listener-options';
import { SctpListenerMetrics } from './metrics';

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function';
}

function optionsOf(spec: ListenerSpec): SctpListenerOptions {
  const { options, problems } = validateSctpListenerOptions(spec.options, `listeners.${spec.name}.options`);
  if (problems.length > 0) throw new SctpError('SHOAL_ERR_SCTP_INVALID_OPTION', problems.join('; '));
  return options;
}

/** The socket options every socket of the listener gets. */
function socketOptionsOf(o: SctpListenerOptions): SctpOptionsInput {
  return { ...o.socket, reusePort: true, maxMessageBytes: o.maxMessageBytes, initMsg: { outStreams: o.streams, maxInStreams: o.streams } };
}

/** Names the listener in an error from opening its socket (the code stays). */
function listenerError(spec: ListenerSpec, o: SctpListenerOptions, err: unknown): Error {
  if (!(err instanceof SctpError)) return err as Error;
  const where = `[${[spec.host, ...o.addresses].join(', ')}] port ${spec.port}`;
  const wrapped = new SctpError(err.code, `listener "${spec.name}" (sctp ${o.style} on ${where}): ${err.message}`, {
    errno: err.errno, syscall: err.syscall, cause: err,
  });
  return wrapped;
}

export abstract class SctpClusterListener implements Listener {
  readonly spec: ListenerSpec;
  readonly options: SctpListenerOptions;
  readonly socketOptions: SctpOptionsInput;
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
    this.options = optionsOf(context.spec);
    this.socketOptions = socketOptionsOf(this.options);
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

// --- one-to-one -------------------------------------------------------------------------

class SocketIo implements AssociationIo {
  constructor(private readonly sock: SctpSocket) {}
  send(data: Buffer, stream: number, ppid: number, unordered: boolean): boolean {
    return this.sock.send(data, { stream, ppid, unordered });
  }
  queued(): number {
    return this.sock.queuedMessages;
  }
  pause(): void {
    this.sock.pause();
  }
  resume(): void {
    this.sock.resume();
  }
  close(): void {
    void this.sock.end();
  }
  abort(): void {
    this.sock.abort();
  }
  outboundStreams(): number {
    return this.sock.status().outboundStreams;
  }
  remote(): { addresses: string[]; port: number } {
    const r = this.sock.remoteAddresses();
    return { addresses: r.map((a) => a.address), port: r[0]?.port ?? 0 };
  }
}

interface Served {
  sock: SctpSocket;
  association: Association;
  handedOff: boolean;
  forced: boolean;
  down: SctpAssociationDown;
}

export class OneToOneListener extends SctpClusterListener {
  private server!: SctpServer;
  private readonly served = new Set<Served>();
  private port = 0;
  private accepting = false;
  private drainResult: Promise<DrainReport> | undefined;
  private onServedClosed: ((s: Served) => void) | undefined;

  static async open(context: ListenerContext): Promise<OneToOneListener> {
    const listener = new OneToOneListener(context);
    listener.server = new SctpServer(listener.socketOptions);
    try {
      listener.port = (await listener.server.listen({ address: listener.addresses, port: context.spec.port })).port;
    } catch (err) {
      throw listenerError(context.spec, listener.options, err);
    }
    listener.start();
    return listener;
  }

  static async adopt(context: ListenerContext, handle: HeldHandle): Promise<OneToOneListener> {
    const listener = new OneToOneListener(context);
    const fd = fdOf(handle, context.spec);
    const adopted = adoptSctpFd(fd, listener.socketOptions);
    if (!(adopted instanceof SctpServer)) {
      throw new SctpError('SHOAL_ERR_SCTP_FD_PASSING', `listener "${context.spec.name}": the held socket is not a listening one-to-one SCTP socket`);
    }
    listener.server = adopted;
    listener.port = adopted.address().port;
    listener.start();
    return listener;
  }

  private constructor(context: ListenerContext) {
    super(context);
  }

  private start(): void {
    this.accepting = true;
    this.server.on('connection', (sock: SctpSocket) => this.serve(sock, false));
    this.server.on('error', (err: Error) => this.logger.error({ err, listener: this.spec.name }, 'listener error'));
  }

  private serve(sock: SctpSocket, resumed: boolean): void {
    const association = new Association(this, sock.assocId, new SocketIo(sock), resumed);
    const served: Served = { sock, association, handedOff: false, forced: false, down: { reason: 'closed' } };
    this.served.add(served);
    sock.on('message', (m: SctpMessage) => association.push(m));
    sock.on('notification', (n: SctpNotification) => {
      if (n.type === 'assoc-change' && (n.state === 'COMM_LOST' || n.state === 'CANT_STR_ASSOC')) {
        served.down = { reason: n.error === 0 ? 'aborted' : 'lost', error: n.state };
      }
      this.notify(n, association);
    });
    sock.on('drain', () => association.checkIdle());
    sock.on('end', () => (served.down = { reason: 'shutdown' }));
    sock.on('error', (err: Error) => {
      if (served.down.reason === 'closed') served.down = { reason: 'aborted', error: (err as SctpError).code };
      if ((err as SctpError).code === 'SHOAL_ERR_SCTP_MESSAGE_TOO_LARGE') {
        this.metrics.protocolError((err as SctpError).code);
        this.logger.warn({ listener: this.spec.name, assocId: association.assocId, code: (err as SctpError).code }, err.message);
      }
      this.logger.debug({ err, listener: this.spec.name, assocId: association.assocId }, 'association error');
    });
    sock.on('close', () => {
      this.served.delete(served);
      this.down(association, served.handedOff ? null : served.down);
      this.onServedClosed?.(served);
    });
    this.up(association);
    if (this.drainResult) this.release(served);
  }

  /** An association the slot's previous worker handed over during a reload. */
  adoptConnection(handle: HeldHandle): void {
    let sock: SctpSocket;
    try {
      const adopted = adoptSctpFd(fdOf(handle, this.spec), this.socketOptions);
      if (!(adopted instanceof SctpSocket)) throw new SctpError('SHOAL_ERR_SCTP_FD_PASSING', 'the handed-off socket is not a one-to-one association');
      sock = adopted;
    } catch (err) {
      this.logger.error({ err, listener: this.spec.name }, 'could not adopt a handed-off association');
      (handle as { close?: () => void }).close?.();
      return;
    }
    this.serve(sock, true);
  }

  heldHandle(): HeldHandle {
    return borrowedFdHandle(this.server.fd);
  }

  boundPort(): number {
    return this.port;
  }

  activeConnections(): number {
    return this.served.size;
  }

  async stopAccepting(): Promise<void> {
    if (!this.accepting) return;
    this.accepting = false;
    // Closes this process's descriptor; the listening socket lives on in the supervisor, its backlog intact.
    await this.server.close();
  }

  drain(deadline: number): Promise<DrainReport> {
    this.drainResult ??= new Promise<DrainReport>((resolve) => {
      void this.stopAccepting();
      this.draining = true;
      let remaining = this.served.size;
      const report = { completed: 0, forced: 0, handedOff: 0 };
      if (remaining === 0) {
        resolve(report);
        return;
      }
      const timer = setTimeout(() => {
        for (const s of this.served) {
          s.forced = true;
          s.sock.abort();
        }
      }, Math.max(0, deadline - Date.now()));
      const counted = new Set(this.served);
      this.onServedClosed = (s) => {
        if (!counted.delete(s)) return;
        if (s.handedOff) report.handedOff++;
        else if (s.forced) report.forced++;
        else report.completed++;
        if (--remaining === 0) {
          clearTimeout(timer);
          resolve(report);
        }
      };
      for (const s of [...this.served]) this.release(s);
    });
    return this.drainResult;
  }

  /**
   * At the association's next message boundary (every message read handled,
   * every reply handed to the kernel): pass it to the replacement, or end it
   * with a graceful SHUTDOWN.
   */
  private release(s: Served): void {
    s.association.whenIdle(() => {
      if (s.sock.isClosed) return;
      if (!this.options.handOffOnReload) {
        s.association.close();
        return;
      }
      // Nothing more is read here: what the kernel holds goes with the socket.
      s.sock.pause();
      this.context.handOff(borrowedFdHandle(s.sock.fd), Buffer.alloc(0)).then(
        (accepted) => {
          if (s.sock.isClosed) return;
          if (accepted) {
            s.handedOff = true;
            this.sctpMetrics.handedOff();
            // This process's descriptor only: the association lives on in the replacement.
            s.sock.close();
          } else {
            s.sock.resume();
            s.association.close();
          }
        },
        () => {
          s.sock.resume();
          s.association.close();
        },
      );
    });
  }
}

// --- one-to-many ------------------------------------------------------------------------

export class OneToManyListener extends SctpClusterListener {
  readonly exclusive = true;
  private endpoint!: SctpEndpoint;
  private readonly associations = new Map<number, Association>();
  private port = 0;
  private pausedBy = 0;
  private waitingForRelease = false;
  private drainResult: Promise<DrainReport> | undefined;

  static async open(context: ListenerContext): Promise<OneToManyListener> {
    const listener = new OneToManyListener(context);
    try {
      listener.endpoint = createEndpoint(listener.socketOptions, familyOf(listener.addresses));
      listener.port = listener.endpoint.bind({ address: listener.addresses, port: context.spec.port }).port;
    } catch (err) {
      listener.endpoint?.close();
      throw listenerError(context.spec, listener.options, err);
    }
    listener.start();
    return listener;
  }

  static async adopt(context: ListenerContext, handle: HeldHandle): Promise<OneToManyListener> {
    const listener = new OneToManyListener(context);
    const adopted = adoptSctpFd(fdOf(handle, context.spec), listener.socketOptions);
    if (!(adopted instanceof SctpEndpoint)) {
      throw new SctpError('SHOAL_ERR_SCTP_FD_PASSING', `listener "${context.spec.name}": the held socket is not a one-to-many SCTP socket`);
    }
    listener.endpoint = adopted;
    // The previous worker still reads it (a reload): wait for its release.
    if (context.predecessorServing) {
      adopted.pause();
      listener.waitingForRelease = true;
    }
    listener.port = adopted.address().port;
    listener.start();
    return listener;
  }

  private constructor(context: ListenerContext) {
    super(context);
  }

  private start(): void {
    const ep = this.endpoint;
    ep.on('message', (m: SctpMessage) => this.associationOf(m.assocId).push(m));
    ep.on('association', ({ assocId, outboundStreams }: { assocId: number; outboundStreams: number }) => {
      if (!this.associations.has(assocId)) this.add(assocId, outboundStreams, false);
    });
    ep.on('association-end', ({ assocId, state }: { assocId: number; state: string }) => {
      const association = this.associations.get(assocId);
      if (!association) return;
      this.associations.delete(assocId);
      const reason = state === 'SHUTDOWN_COMP' ? 'shutdown' : state === 'COMM_LOST' ? 'lost' : 'aborted';
      this.down(association, { reason, error: state });
    });
    ep.on('notification', (n: SctpNotification) => {
      const id = (n as { assocId?: number }).assocId;
      this.notify(n, id === undefined ? undefined : this.associations.get(id));
    });
    ep.on('drain', () => {
      for (const a of this.associations.values()) a.checkIdle();
    });
    ep.on('send-error', (err: Error, assocId: number) => this.logger.warn({ err, listener: this.spec.name, assocId }, 'send failed'));
    ep.on('association-error', (err: SctpError) => {
      this.metrics.protocolError(err.code);
      this.logger.warn({ listener: this.spec.name, code: err.code, assocId: err.assocId }, err.message);
    });
    ep.on('error', (err: Error) => this.logger.error({ err, listener: this.spec.name }, 'endpoint error'));
  }

  private add(assocId: number, outboundStreams: number, resumed: boolean): Association {
    const ep = this.endpoint;
    const io: AssociationIo = {
      send: (data, stream, ppid, unordered) => ep.send(data, { assocId }, { stream, ppid, unordered }),
      queued: () => ep.queuedMessages,
      pause: () => {
        if (this.pausedBy++ === 0) ep.pause();
      },
      resume: () => {
        if (--this.pausedBy === 0 && !this.draining && !this.waitingForRelease) ep.resume();
      },
      close: () => ep.shutdown(assocId),
      abort: () => ep.abort(assocId),
      outboundStreams: () => ep.status(assocId).outboundStreams,
      remote: () => {
        const r = ep.remoteAddresses(assocId);
        return { addresses: r.map((a) => a.address), port: r[0]?.port ?? 0 };
      },
    };
    const association = new Association(this, assocId, io, resumed, outboundStreams);
    this.associations.set(assocId, association);
    this.up(association);
    return association;
  }

  /** The association of a message; one set up before this worker read the socket (a crash restart) is learnt here. */
  private associationOf(assocId: number): Association {
    return this.associations.get(assocId) ?? this.add(assocId, 0, true);
  }

  /** The previous worker released the socket: its associations are ours now. */
  resume(state: unknown): void {
    if (!this.waitingForRelease) return;
    this.waitingForRelease = false;
    const known = (state as { associations?: { assocId: number; outboundStreams: number }[] } | undefined)?.associations ?? [];
    for (const { assocId, outboundStreams } of known) {
      if (!this.associations.has(assocId)) this.add(assocId, outboundStreams, true);
    }
    if (!this.draining && this.pausedBy === 0) this.endpoint.resume();
  }

  heldHandle(): HeldHandle {
    return borrowedFdHandle(this.endpoint.fd);
  }

  boundPort(): number {
    return this.port;
  }

  activeConnections(): number {
    return this.associations.size;
  }

  async stopAccepting(): Promise<void> {
    // The socket is the listener and every association at once: stop reading it.
    this.draining = true;
    if (!this.endpoint.isClosed) this.endpoint.pause();
  }

  /**
   * Handles what was read, waits until every reply left user space, then
   * releases the socket to the slot's next worker and closes this process's
   * descriptor (the associations live on: the socket is still open elsewhere).
   */
  drain(deadline: number): Promise<DrainReport> {
    this.drainResult ??= (async () => {
      await this.stopAccepting();
      const all = [...this.associations.values()];
      await Promise.race([
        Promise.all(all.map((a) => new Promise<void>((resolve) => a.whenIdle(resolve)))),
        new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())).unref()),
      ]);
      const associations = [...this.associations.values()].filter((a) => !a.ended).map((a) => ({ assocId: a.assocId, outboundStreams: a.outboundStreams }));
      this.context.release?.({ associations });
      for (const a of this.associations.values()) this.down(a, null);
      const carried = this.associations.size;
      this.associations.clear();
      this.endpoint.close();
      return { completed: 0, forced: 0, handedOff: carried };
    })();
    return this.drainResult;
  }
}

function fdOf(handle: HeldHandle, spec: ListenerSpec): number {
  if (!isRawFdHandle(handle)) {
    throw new SctpError('SHOAL_ERR_SCTP_FD_PASSING', `listener "${spec.name}": the supervisor gave a handle that is not an SCTP descriptor`);
  }
  return handle.rawFd;
}
