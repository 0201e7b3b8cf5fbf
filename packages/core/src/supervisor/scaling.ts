/**
 * Changing the number of slots while serving. Scaling up adds slots whose
 * first worker joins the reuseport groups (or takes back a socket that an
 * earlier scale-down handed over, so that groups do not grow with every
 * cycle). Scaling down removes the highest slots without dropping what is
 * queued on their sockets: a TCP socket is closed only where the kernel
 * migrates its queue (net.ipv4.tcp_migrate_req=1); every other socket is
 * handed to a surviving slot, whose worker serves it from then on.
 */
import { closeHeld } from '../transport';
import { readFileSync } from 'node:fs';
import { ERR_SCALE_FAILED, errorCodeOf } from '../errors';
import type { ScaleReport } from '../control';
import { Slot } from './slot';
import type { InheritedListener } from './slot';
import type { WorkerProcess } from './worker-process';

export interface ScaleHost {
  readonly slots: Slot[];
  readonly drainTimeoutMs: number;
  readonly killGraceMs: number;
  protocolOf(listener: string): string;
  /** Whether closing a TCP listener hands its queue to the rest of its group (tcpMigrateReqEnabled() on a real host). */
  tcpMigrateReq(): boolean;
  createWorker(slot: Slot): WorkerProcess;
  promote(slot: Slot, worker: WorkerProcess): void;
  forgetSlot(slot: Slot): void;
  log(message: string, details: Record<string, unknown>): void;
}

/** Whether closing a TCP listener hands its queued connections to the rest of its group (per network namespace). */
export function tcpMigrateReqEnabled(): boolean {
  try {
    return readFileSync('/proc/sys/net/ipv4/tcp_migrate_req', 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

export class Scaling {
  private readonly report: ScaleReport;
  private readonly startedAt = Date.now();

  constructor(
    private readonly host: ScaleHost,
    to: number,
  ) {
    this.report = { ok: true, from: host.slots.length, to, durationMs: 0, added: [], removed: [], closed: [], handedOver: [] };
  }

  async run(): Promise<ScaleReport> {
    const { from, to } = this.report;
    try {
      for (let index = from; index < to; index++) await this.addSlot(index);
      for (let index = from - 1; index >= to; index--) await this.removeSlot(this.host.slots[index]);
    } catch (error) {
      this.report.ok = false;
      this.report.to = this.host.slots.length;
      this.report.error = { code: errorCodeOf(error), message: (error as Error).message };
    }
    this.report.durationMs = Date.now() - this.startedAt;
    return this.report;
  }

  private async addSlot(index: number): Promise<void> {
    const slot = new Slot(index);
    // Sockets of slots removed earlier come back to a slot of their own.
    const taken: { heir: Slot; socket: InheritedListener }[] = [];
    for (const heir of this.host.slots) {
      for (let i = heir.inherited.length - 1; i >= 0; i--) {
        const socket = heir.inherited[i];
        if (socket.fromSlot < this.report.from || slot.held.has(socket.name)) continue;
        heir.inherited.splice(i, 1);
        slot.held.set(socket.name, socket.held);
        taken.push({ heir, socket });
      }
    }
    this.host.slots.push(slot);
    const worker = this.host.createWorker(slot);
    slot.worker = worker;
    try {
      await worker.ready;
    } catch (error) {
      slot.worker = undefined;
      worker.kill('SIGKILL');
      await worker.exited;
      this.host.slots.pop();
      for (const { heir, socket } of taken) heir.inherited.push(socket);
      this.host.forgetSlot(slot);
      throw new ERR_SCALE_FAILED(index, error instanceof Error ? error.message : String(error), { cause: error });
    }
    this.host.promote(slot, worker);
    this.report.added.push(index);
    this.host.log(`scale: slot ${index} added`, { event: 'scale.slot-added', slot: index, workerPid: worker.pid });
  }

  private async removeSlot(slot: Slot): Promise<void> {
    const survivors = this.host.slots.filter((s) => s !== slot);
    const migrate = this.host.tcpMigrateReq();
    const toClose: InheritedListener[] = [];
    for (const socket of slot.giveUpSockets()) {
      if (migrate && this.host.protocolOf(socket.name) === 'tcp') {
        toClose.push(socket);
        continue;
      }
      const heir = survivors.reduce((a, b) => (b.inherited.length < a.inherited.length ? b : a));
      heir.inherited.push(socket);
      if (heir.worker && heir.worker.state !== 'exited') heir.worker.giveSocket(socket.name, true, socket.held);
      this.report.handedOver.push({ listener: socket.name, fromSlot: socket.fromSlot, toSlot: heir.index });
    }
    // From here on the slot's worker is not the slot's any more: its exit is expected.
    const worker = slot.worker;
    slot.worker = undefined;
    slot.state = 'stopped';
    clearTimeout(slot.restartTimer);
    this.host.slots.splice(this.host.slots.indexOf(slot), 1);
    if (worker) await worker.drainAndExit(Date.now() + this.host.drainTimeoutMs, this.host.killGraceMs);
    // The last descriptor goes: the kernel moves the socket's queue to the rest of its group.
    for (const socket of toClose) {
      closeHeld(socket.held.handle);
      this.report.closed.push({ listener: socket.name, fromSlot: socket.fromSlot });
    }
    this.host.forgetSlot(slot);
    this.report.removed.push(slot.index);
    this.host.log(`scale: slot ${slot.index} removed`, { event: 'scale.slot-removed', slot: slot.index, workerPid: worker?.pid, migrate });
  }
}
