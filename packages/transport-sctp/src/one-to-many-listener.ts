// The one-to-many style of the cluster's SCTP listener: the socket carries
// every association, so the replacement adopts it and its associations carry
// on; only one worker reads it at a time (an exclusive listener), so the
// order of each stream is kept.
import type { DrainReport, HeldHandle, ListenerContext } from '@shoal/core';
import { adoptSctpFd, createEndpoint, familyOf, SctpEndpoint, type SctpAssociationError, type SctpMessage, type SctpNotification } from '@shoal/sctp';
import { Association, type AssociationIo } from './association';
import { ERR_SCTP_HANDLE_INVALID } from './errors';
import { borrowedFdHandle } from './fd-link';
import { fdOf, listenerError, SctpClusterListener } from './listener';

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
      throw new ERR_SCTP_HANDLE_INVALID(context.spec.name, 'the held socket is not a one-to-many SCTP socket');
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
    ep.on('association-error', (err: SctpAssociationError) => {
      this.metrics.protocolError(err.shoalCode);
      this.logger.warn({ listener: this.spec.name, code: err.shoalCode, assocId: err.assocId }, err.message);
    });
    ep.on('error', (err: Error) => this.logger.error({ err, listener: this.spec.name }, 'endpoint error'));
  }

  private add(assocId: number, outboundStreams: number, resumed: boolean, state?: unknown): Association {
    const ep = this.endpoint;
    const io: AssociationIo = {
      send: (data, stream, ppid, unordered) => ep.send(data, { assocId }, { stream, ppid, unordered }),
      queued: () => ep.queuedMessages,
      unread: () => ep.unreadMessagesOf(assocId),
      pause: () => {
        if (this.pausedBy++ === 0) ep.pause();
      },
      // While draining, resuming only hands over what was read: stopReading() keeps the kernel's side unread.
      resume: () => {
        if (--this.pausedBy === 0 && !this.waitingForRelease) ep.resume();
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
    association.importState(state);
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
    const known = (state as { associations?: { assocId: number; outboundStreams: number; state?: unknown }[] } | undefined)?.associations ?? [];
    for (const { assocId, outboundStreams, state: appState } of known) {
      if (!this.associations.has(assocId)) this.add(assocId, outboundStreams, true, appState);
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
    // The socket is the listener and every association at once: stop reading it, at a message boundary.
    if (this.draining || this.endpoint.isClosed) return;
    this.draining = true;
    this.readToBoundary = this.endpoint.stopReading();
  }

  private readToBoundary: Promise<void> | undefined;

  /**
   * Reads on to the next message boundary (so that what the kernel keeps
   * starts a whole message), handles everything read (new associations among
   * it), waits until every reply left user space, then releases the socket to
   * the slot's next worker and closes this process's descriptor (the
   * associations live on: the socket is still open elsewhere).
   */
  drain(deadline: number): Promise<DrainReport> {
    this.drainResult ??= (async () => {
      await this.stopAccepting();
      const settled = (async () => {
        await this.readToBoundary;
        const all = [...this.associations.values()];
        await Promise.all(all.map((a) => new Promise<void>((resolve) => a.whenIdle(resolve))));
      })();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        settled,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now())))),
      ]);
      clearTimeout(timer);
      const associations = [...this.associations.values()].filter((a) => !a.ended).map((a) => ({ assocId: a.assocId, outboundStreams: a.outboundStreams, state: a.exportState() }));
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
