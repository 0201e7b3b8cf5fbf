/**
 * The supervisor's watch over its workers' event loops. A worker sends a
 * heartbeat from a timer on its loop (worker/heartbeat.ts); the kernel keeps
 * hashing new connections to a hung worker's socket while its process and
 * IPC channel look alive, so only the loop's own beat tells. A worker silent
 * for `timeoutMs` is hung: its report is written, it is killed, and the slot
 * restarts on its held sockets, whose queue the new worker then serves. A
 * worker that still beats but was blocked long is only marked degraded. The
 * beats also carry memory, which the memory limit reads.
 */
import type { ResolvedOptions } from '../config';
import type { Logger } from '../logger';
import type { WorkerMessage } from '../ipc';
import { writeHangReport } from './hang-report';
import type { Slot } from './slot';
import type { SupervisorMetrics } from './supervisor-metrics';
import type { WorkerProcess } from './worker-process';

type Beat = Extract<WorkerMessage, { type: 'heartbeat' }>;

/** What the watchdog needs from the supervisor. */
export interface WatchdogHost {
  readonly options: Pick<ResolvedOptions, 'name' | 'watchdog' | 'memoryLimit'>;
  readonly metrics: SupervisorMetrics;
  readonly logger: Logger;
  /** The worker still serves its slot and the supervisor is not stopping. */
  isServing(slot: Slot, worker: WorkerProcess): boolean;
  /** The worker's memory passed the limit: replace it like a reload of its slot; false when that cannot start now (asked again at the next beat). */
  overMemoryLimit(slot: Slot, worker: WorkerProcess, bytes: number): boolean;
}

export class Watchdog {
  constructor(private readonly host: WatchdogHost) {}

  /** Watches a worker from the moment it serves its slot until it exits or stops serving. */
  watch(slot: Slot, worker: WorkerProcess): void {
    const { watchdog, memoryLimit } = this.host.options;
    let lastBeat = Date.now();
    let replacing = false;
    const timer = watchdog.enabled ? setTimeout(() => void this.hung(slot, worker, Date.now() - lastBeat), watchdog.timeoutMs) : undefined;
    timer?.unref();
    const onBeat = (beat: Beat): void => {
      lastBeat = Date.now();
      timer?.refresh();
      if (slot.worker !== worker) return;
      this.recordLag(slot, worker, beat.lagMs);
      const bytes = memoryLimit.measure === 'heap' ? beat.heapUsedBytes : beat.rssBytes;
      if (memoryLimit.maxBytes !== null && bytes > memoryLimit.maxBytes && !replacing && this.host.isServing(slot, worker)) {
        replacing = this.host.overMemoryLimit(slot, worker, bytes);
      }
    };
    worker.on('heartbeat', onBeat);
    void worker.exited.then(() => {
      clearTimeout(timer);
      worker.off('heartbeat', onBeat);
      if (slot.worker === worker || slot.worker === undefined) this.clearLag(slot);
    });
  }

  /**
   * Degraded on the first beat that reports a block past degradedLagMs;
   * recovered only after beats under it for recoverAfterMs. A loop that
   * blocks every few seconds thus stays degraded rather than flickering
   * between two beats, where no probe or scrape would see it.
   */
  private recordLag(slot: Slot, worker: WorkerProcess, lagMs: number): void {
    const { degradedLagMs, recoverAfterMs } = this.host.options.watchdog;
    const label = { slot: String(slot.index) };
    const now = Date.now();
    this.host.metrics.eventLoopLag.set(label, lagMs / 1000);
    slot.lagMs = lagMs;
    if (lagMs >= degradedLagMs) {
      slot.lastSlowBeatAt = now;
      slot.worstLagMs = Math.max(slot.worstLagMs ?? 0, lagMs);
      if (slot.degraded) return;
      slot.degraded = true;
      slot.degradedSince = now;
      this.host.metrics.degraded.set(label, 1);
      this.host.metrics.degradedEpisodes.inc(label);
      this.host.logger.warn(
        { event: 'worker.degraded', slot: slot.index, workerPid: worker.pid, lagMs, degradedLagMs, recoverAfterMs },
        `worker's event loop was blocked for ${lagMs} ms; slot ${slot.index} is degraded until its loop runs freely for ${recoverAfterMs} ms`,
      );
    } else if (slot.degraded && now - slot.lastSlowBeatAt! >= recoverAfterMs) {
      this.host.logger.info(
        { event: 'worker.recovered', slot: slot.index, workerPid: worker.pid, lagMs, worstLagMs: slot.worstLagMs, degradedForMs: now - slot.degradedSince! },
        `slot ${slot.index} is no longer degraded`,
      );
      this.clearLag(slot);
      slot.lagMs = lagMs;
    }
  }

  private clearLag(slot: Slot): void {
    slot.degraded = false;
    slot.lagMs = null;
    slot.degradedSince = null;
    slot.worstLagMs = null;
    slot.lastSlowBeatAt = null;
    this.host.metrics.degraded.set({ slot: String(slot.index) }, 0);
  }

  private async hung(slot: Slot, worker: WorkerProcess, silentMs: number): Promise<void> {
    if (!this.host.isServing(slot, worker)) return;
    const { watchdog, name } = this.host.options;
    worker.killedFor = 'hung';
    slot.hangs += 1;
    this.host.metrics.hangs.inc({ slot: String(slot.index) });
    this.host.logger.error(
      { event: 'worker.hung', slot: slot.index, workerPid: worker.pid, silentMs, timeoutMs: watchdog.timeoutMs },
      `worker of slot ${slot.index} sent no heartbeat for ${silentMs} ms: writing its report, then killing it`,
    );
    try {
      const report = await writeHangReport(worker, {
        service: name,
        slot: slot.index,
        silentMs,
        timeoutMs: watchdog.timeoutMs,
        reportDir: watchdog.reportDir,
        askWorker: watchdog.report,
      });
      slot.lastHangReport = report.file;
      this.host.logger.error(
        {
          event: 'worker.hang-report',
          slot: slot.index,
          workerPid: worker.pid,
          report: report.file,
          nodeReport: report.nodeReport,
          processState: report.processState,
          stack: report.frames.slice(0, 5).map((f) => `${f.function} (${f.url}:${f.line}:${f.column})`),
          ...(report.stackMissing && { stackMissing: report.stackMissing }),
        },
        `hung worker's report: ${report.nodeReport ?? report.file}`,
      );
    } catch (error) {
      this.host.logger.error({ event: 'worker.hang-report-failed', slot: slot.index, workerPid: worker.pid, err: error }, 'could not write the hung worker\'s report');
    } finally {
      // The slot restarts on its held sockets once the exit is seen (see Supervisor.onWorkerExit).
      worker.kill('SIGKILL');
    }
  }
}
