import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { WorkerMessage } from '../ipc';

type Beat = Extract<WorkerMessage, { type: 'heartbeat' }>;

/** How finely the loop's delay is sampled (ms): lag below it does not show. */
const RESOLUTION_MS = 10;

/**
 * The worker's proof of life for the supervisor's watchdog: a timer on the
 * event loop itself sends a beat every interval, so a loop that is stuck
 * (an endless loop, a synchronous call that never returns, SIGSTOP) stops
 * beating even though the process and its IPC channel are alive. Each beat
 * carries how long the loop was blocked since the last one and the memory
 * the supervisor's limit reads.
 */
export class Heartbeat {
  private readonly delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly send: (beat: Beat) => void,
  ) {}

  start(): void {
    this.delay.enable();
    this.timer = setInterval(() => this.beat(), this.intervalMs);
    // The worker lives as long as its IPC channel; the heartbeat keeps nothing open.
    this.timer.unref();
    this.beat();
  }

  stop(): void {
    clearInterval(this.timer);
    this.delay.disable();
  }

  private beat(): void {
    // The histogram's max is the longest gap between its samples (ns), the sampling interval included.
    const lagMs = Math.max(0, Math.round(this.delay.max / 1e6 - RESOLUTION_MS));
    this.delay.reset();
    const { rss, heapUsed } = process.memoryUsage();
    this.send({ type: 'heartbeat', lagMs, rssBytes: rss, heapUsedBytes: heapUsed });
  }
}
