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

  private recordLag(slot: Slot, worker: WorkerProcess, lagMs: number): void {
    const degraded = lagMs >= this.host.options.watchdog.degradedLagMs;
    const label = { slot: String(slot.index) };
    this.host.metrics.eventLoopLag.set(label, lagMs / 1000);
    this.host.metrics.degraded.set(label, degraded ? 1 : 0);
    if (degraded && !slot.degraded) {
      this.host.logger.warn(
        { event: 'worker.degraded', slot: slot.index, workerPid: worker.pid, lagMs, degradedLagMs: this.host.options.watchdog.degradedLagMs },
        `worker's event loop was blocked for ${lagMs} ms; slot ${slot.index} is degraded`,
      );
    } else if (!degraded && slot.degraded) {
      this.host.logger.info({ event: 'worker.recovered', slot: slot.index, workerPid: worker.pid, lagMs }, `slot ${slot.index} is no longer degraded`);
    }
    slot.degraded = degraded;
    slot.lagMs = lagMs;
  }

  private clearLag(slot: Slot): void {
    slot.degraded = false;
    slot.lagMs = null;
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
