import { closeHeld } from '../transport';
import type { RestartOptions } from '../config';
import type { SlotState, SlotStatus } from '../control';
import type { HeldListener, WorkerProcess } from './worker-process';

/** A socket the slot serves besides its own: the socket of a slot that fell into a crash loop. */
export interface InheritedListener {
  readonly name: string;
  readonly fromSlot: number;
  readonly held: HeldListener;
}

/**
 * A place for one worker. It keeps the sockets its first worker opened, so
 * every later worker of the slot (restart, reload) serves the very same
 * sockets and the kernel's reuseport group never changes.
 */
export class Slot {
  state: SlotState = 'starting';
  worker: WorkerProcess | undefined;
  /** The worker a reload is booting to take this slot over. */
  replacing: WorkerProcess | undefined;
  generation = 0;
  restarts = 0;
  lastError: string | null = null;
  restartTimer: NodeJS.Timeout | undefined;
  /** Workers the watchdog found hung and killed, and the last one's report. */
  hangs = 0;
  lastHangReport: string | null = null;
  /** Workers replaced because their memory passed maxMemoryBytes. */
  memoryReplacements = 0;
  /** The current worker's longest event-loop block in its last heartbeat interval. */
  lagMs: number | null = null;
  /** A block past watchdog.degradedLagMs within the last watchdog.recoverAfterMs (see watchdog.ts). */
  degraded = false;
  /** While degraded: when it began, the longest block since then, and when the last block past the threshold ended. */
  degradedSince: number | null = null;
  worstLagMs: number | null = null;
  lastSlowBeatAt: number | null = null;
  readonly held = new Map<string, HeldListener>();
  readonly inherited: InheritedListener[] = [];
  /**
   * After an upgrade: the old supervisor's worker of this slot still serves
   * its sockets, so this slot's workers boot as a reload's replacement does.
   */
  predecessorSupervisorServes = false;
  private crashTimes: number[] = [];

  constructor(readonly index: number) {}

  /**
   * Records a crash; answers the delay before the next start, or null when
   * the slot crashed too often within the window and must stay down.
   */
  recordCrash(now: number, restart: RestartOptions): number | null {
    this.crashTimes = this.crashTimes.filter((t) => now - t < restart.windowMs);
    this.crashTimes.push(now);
    if (this.crashTimes.length >= restart.maxCrashes) return null;
    return Math.min(restart.maxDelayMs, restart.initialDelayMs * 2 ** (this.crashTimes.length - 1));
  }

  get recentCrashes(): number {
    return this.crashTimes.length;
  }

  /** What a new worker of this slot gets: its own sockets, then the inherited ones. */
  socketsForWorker(): { name: string; inherited: boolean; held: HeldListener }[] {
    return [
      ...[...this.held].map(([name, held]) => ({ name, inherited: false, held })),
      ...this.inherited.map(({ name, held }) => ({ name, inherited: true, held })),
    ];
  }

  /** Everything this slot holds, handed over to another slot (and no longer its own). */
  giveUpSockets(): InheritedListener[] {
    const sockets = [...[...this.held].map(([name, held]) => ({ name, fromSlot: this.index, held })), ...this.inherited];
    this.held.clear();
    this.inherited.length = 0;
    return sockets;
  }

  /** Takes back its own sockets from the slots that served them while it was down. */
  reclaimFrom(others: readonly Slot[]): void {
    for (const other of others) {
      for (let i = other.inherited.length - 1; i >= 0; i--) {
        const socket = other.inherited[i];
        if (socket.fromSlot !== this.index) continue;
        other.inherited.splice(i, 1);
        this.held.set(socket.name, socket.held);
      }
    }
  }

  /** Closes the held duplicates (at shutdown); the kernel frees a socket when its last fd goes. */
  releaseHeld(): void {
    for (const { held } of this.socketsForWorker()) closeHeld(held.handle);
    this.held.clear();
    this.inherited.length = 0;
  }

  status(now = Date.now()): SlotStatus {
    const worker = this.worker;
    return {
      slot: this.index,
      state: this.state,
      pid: worker?.pid ?? null,
      generation: this.generation,
      uptimeMs: worker?.readyAt ? now - worker.startedAt : null,
      restarts: this.restarts,
      recentCrashes: this.crashTimes.length,
      lastError: this.lastError,
      listeners: Object.fromEntries([...this.held].map(([name, h]) => [name, h.port])),
      inherited: this.inherited.map(({ name, fromSlot }) => ({ listener: name, fromSlot })),
      hangs: this.hangs,
      lastHangReport: this.lastHangReport,
      memoryReplacements: this.memoryReplacements,
      lagMs: this.lagMs,
      degraded: this.degraded,
      degradedSince: this.degradedSince === null ? null : new Date(this.degradedSince).toISOString(),
      worstLagMs: this.worstLagMs,
    };
  }
}
