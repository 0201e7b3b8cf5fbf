/**
 * Rolling reload: replace every slot's worker with a fresh process (which
 * loads the code now on disk), a few slots at a time, without dropping
 * anything. A replacement boots on the slot's held sockets next to the old
 * worker; only once it is ready does the old worker stop accepting and drain.
 * A replacement that fails aborts the reload and the old worker keeps serving:
 * a reload never lowers capacity.
 */
import { ERR_RELOAD_REPLACEMENT_FAILED, ShoalError } from '../errors';
import type { ReloadProgress, ReloadReport, SlotReloadReport } from '../control';
import type { Slot } from './slot';
import type { DrainReport } from '../transport';
import type { WorkerProcess } from './worker-process';

/** What a reload needs from the supervisor. */
export interface ReloadHost {
  readonly slots: readonly Slot[];
  readonly drainTimeoutMs: number;
  readonly killGraceMs: number;
  createWorker(slot: Slot): WorkerProcess;
  promote(slot: Slot, worker: WorkerProcess): void;
  restartLater(slot: Slot, worker: WorkerProcess, cause: string): void;
  reclaimSockets(slot: Slot): void;
  handOverSockets(slot: Slot): void;
  isStopping(): boolean;
  progress(event: ReloadProgress): void;
}

export class RollingReload {
  private readonly reports = new Map<number, SlotReloadReport>();
  private failure: ShoalError | undefined;

  constructor(
    private readonly host: ReloadHost,
    private readonly surge: number,
  ) {}

  async run(): Promise<ReloadReport> {
    const startedAt = Date.now();
    // Slots that stopped restarting go first: the new code may be what they need.
    const order = [...this.host.slots].sort((a, b) => Number(b.state === 'crash-loop') - Number(a.state === 'crash-loop'));
    const queue = [...order];
    const lanes = Array.from({ length: Math.min(this.surge, queue.length) }, async () => {
      for (let slot = queue.shift(); slot !== undefined; slot = queue.shift()) {
        if (this.failure || this.host.isStopping()) {
          this.skip(slot);
          continue;
        }
        await this.replace(slot);
      }
    });
    await Promise.all(lanes);
    return {
      ok: this.failure === undefined,
      startedAt: new Date(startedAt).toISOString(),
      durationMs: Date.now() - startedAt,
      slots: this.host.slots.map((s) => this.reports.get(s.index)!),
      ...(this.failure && { error: { code: this.failure.code, message: this.failure.message } }),
    };
  }

  private skip(slot: Slot): void {
    const pid = slot.worker?.pid ?? null;
    this.reports.set(slot.index, { slot: slot.index, phase: 'skipped', oldPid: pid, newPid: null, readyMs: null, drainMs: null, drained: null });
    this.host.progress({ slot: slot.index, phase: 'skipped', pid });
  }

  private async replace(slot: Slot): Promise<void> {
    const old = slot.worker;
    const oldPid = old?.pid ?? null;
    const wasCrashLooping = slot.state === 'crash-loop';
    if (wasCrashLooping) this.host.reclaimSockets(slot);
    clearTimeout(slot.restartTimer);
    const forkedAt = Date.now();
    const replacement = this.host.createWorker(slot);
    slot.replacing = replacement;
    this.host.progress({ slot: slot.index, phase: 'starting', pid: replacement.pid ?? null });
    try {
      await replacement.ready;
    } catch (error) {
      slot.replacing = undefined;
      replacement.kill('SIGKILL');
      await replacement.exited;
      const reason = error instanceof Error ? error.message : String(error);
      this.failure = new ERR_RELOAD_REPLACEMENT_FAILED(slot.index, reason, { cause: error });
      this.reports.set(slot.index, { slot: slot.index, phase: 'failed', oldPid, newPid: null, readyMs: null, drainMs: null, drained: null, error: reason });
      this.host.progress({ slot: slot.index, phase: 'failed', pid: null, error: reason });
      if (wasCrashLooping) this.host.handOverSockets(slot);
      else if (!slot.worker && !this.host.isStopping()) this.host.restartLater(slot, replacement, 'its replacement failed while the old worker was gone');
      return;
    }
    slot.replacing = undefined;
    const readyMs = Date.now() - forkedAt;
    this.host.promote(slot, replacement);
    this.host.progress({ slot: slot.index, phase: 'ready', pid: replacement.pid ?? null });

    let drainMs: number | null = null;
    let drained: DrainReport | null = null;
    if (old && old.state !== 'exited') {
      this.host.progress({ slot: slot.index, phase: 'draining', pid: oldPid });
      const drainStart = Date.now();
      // Listeners that opt in hand live connections to the replacement instead of closing them.
      await old.drainAndExit(drainStart + this.host.drainTimeoutMs, this.host.killGraceMs, true);
      drainMs = Date.now() - drainStart;
      drained = old.lastDrain ?? null;
    }
    this.reports.set(slot.index, { slot: slot.index, phase: 'done', oldPid, newPid: replacement.pid ?? null, readyMs, drainMs, drained });
    this.host.progress({ slot: slot.index, phase: 'done', pid: replacement.pid ?? null });
  }
}
