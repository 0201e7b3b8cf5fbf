// The one-to-one style of the cluster's SCTP listener: the listening socket
// outlives workers (the supervisor holds it), so nothing queued is aborted;
// during a reload each established association goes, at a message boundary,
// to the replacement (SCM_RIGHTS), or ends with a graceful SHUTDOWN when
// handOffOnReload is false.
import { closeHeld } from '@shoal/core';
import type { DrainReport, HeldHandle, ListenerContext } from '@shoal/core';
import { isShoalError } from '@shoal/common';
import { adoptSctpFd, ERR_SCTP_MESSAGE_TOO_LARGE, SctpServer, SctpSocket, type SctpMessage, type SctpNotification } from '@shoal/sctp';
import { Association, type AssociationIo } from './association';
import type { SctpAssociationDown } from './context';
import { ERR_SCTP_HANDLE_INVALID } from './errors';
import { borrowedFdHandle } from './fd-link';
import { fdOf, listenerError, SctpClusterListener } from './listener';

class SocketIo implements AssociationIo {
  constructor(private readonly sock: SctpSocket) {}
  send(data: Buffer, stream: number, ppid: number, unordered: boolean): boolean {
    return this.sock.send(data, { stream, ppid, unordered });
  }
  queued(): number {
    return this.sock.queuedMessages;
  }
  unread(): number {
    return this.sock.unreadMessages;
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
  /** Passed to the replacement and waiting for its answer: the drain deadline lets it finish. */
  handingOff: boolean;
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
  private pastDeadline = false;

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
      throw new ERR_SCTP_HANDLE_INVALID(context.spec.name, 'the held socket is not a listening one-to-one SCTP socket');
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

  private serve(sock: SctpSocket, resumed: boolean, state?: unknown): void {
    const association = new Association(this, sock.assocId, new SocketIo(sock), resumed);
    association.importState(state);
    const served: Served = { sock, association, handingOff: false, handedOff: false, forced: false, down: { reason: 'closed' } };
    this.served.add(served);
    sock.on('message', (m: SctpMessage) => association.push(m));
    sock.on('notification', (n: SctpNotification) => {
      if (n.type === 'assoc-change' && (n.state === 'COMM_LOST' || n.state === 'CANT_STR_ASSOC')) {
        served.down = { reason: n.error === 0 ? 'aborted' : 'lost', error: n.state };
      }
      this.notify(n, association);
    });
    sock.on('drain', () => association.checkIdle());
    sock.on('send-error', (err: Error) => {
      this.metrics.protocolError((err as { code?: string }).code ?? 'send-error');
      this.logger.warn({ err, listener: this.spec.name, assocId: association.assocId }, 'the kernel refused a message; the association goes on');
    });
    sock.on('end', () => (served.down = { reason: 'shutdown' }));
    sock.on('error', (err: Error) => {
      if (served.down.reason === 'closed') served.down = { reason: 'aborted', error: (err as { code?: string }).code };
      if (isShoalError(err, ERR_SCTP_MESSAGE_TOO_LARGE.code)) {
        this.metrics.protocolError(ERR_SCTP_MESSAGE_TOO_LARGE.code);
        this.logger.warn({ listener: this.spec.name, assocId: association.assocId, code: ERR_SCTP_MESSAGE_TOO_LARGE.code }, err.message);
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
  adoptConnection(handle: HeldHandle, _unread?: Buffer, state?: unknown): void {
    let sock: SctpSocket;
    try {
      const adopted = adoptSctpFd(fdOf(handle, this.spec), this.socketOptions);
      if (!(adopted instanceof SctpSocket)) throw new ERR_SCTP_HANDLE_INVALID(this.spec.name, 'the handed-off socket is not a one-to-one association');
      sock = adopted;
    } catch (err) {
      this.logger.error({ err, listener: this.spec.name }, 'could not adopt a handed-off association');
      closeHeld(handle);
      return;
    }
    this.serve(sock, true, state);
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
        this.pastDeadline = true;
        for (const s of this.served) {
          // One being handed off lives on in the replacement (or is aborted if the replacement refuses it).
          if (s.handingOff) continue;
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
   * every reply handed to the kernel, nothing of a message read in part): pass
   * it to the replacement, or end it with a graceful SHUTDOWN.
   */
  private release(s: Served): void {
    s.association.whenIdle(() => {
      if (s.sock.isClosed) return;
      if (!this.options.handOffOnReload) {
        this.farewell(s.association);
        return;
      }
      // From the next message boundary on nothing is read here; what was read before is handled here first.
      void s.sock.stopReading().then(() => s.association.whenIdle(() => this.handOff(s)));
    });
  }

  private handOff(s: Served): void {
    if (s.sock.isClosed) return;
    s.handingOff = true;
    const keep = (): void => {
      s.handingOff = false;
      if (s.sock.isClosed) return;
      if (this.pastDeadline) {
        s.forced = true;
        s.sock.abort();
        return;
      }
      // The replacement did not take it: it ends here, gracefully (reading again for the SHUTDOWN's completion).
      s.sock.startReading();
      this.farewell(s.association);
    };
    // The app's state goes with the socket (exported now: every message read was handled).
    this.context.handOff(borrowedFdHandle(s.sock.fd), Buffer.alloc(0), s.association.exportState()).then(
      (accepted) => {
        if (!accepted) return keep();
        s.handingOff = false;
        if (s.sock.isClosed) return;
        s.handedOff = true;
        this.sctpMetrics.handedOff();
        // This process's descriptor only: the association lives on in the replacement.
        s.sock.close();
      },
      keep,
    );
  }
}
