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
 *
 * The block is the longest gap between two runs of a sampling timer. Not
 * perf_hooks' monitorEventLoopDelay: resetting its histogram at each beat
 * also forgets its last sample's time, so when a block ends with the beat's
 * timer running before the histogram's (both due in the same timers phase),
 * that block is recorded nowhere.
 */
export class Heartbeat {
  private sampler: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastSampleAt = 0;
  private longestGapMs = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly send: (beat: Beat) => void,
  ) {}

  start(): void {
    this.lastSampleAt = performance.now();
    this.sampler = setInterval(() => this.sample(), RESOLUTION_MS);
    this.timer = setInterval(() => this.beat(), this.intervalMs);
    // The worker lives as long as its IPC channel; the heartbeat keeps nothing open.
    this.sampler.unref();
    this.timer.unref();
    this.beat();
  }

  stop(): void {
    clearInterval(this.sampler);
    clearInterval(this.timer);
  }

  private sample(): void {
    const now = performance.now();
    this.longestGapMs = Math.max(this.longestGapMs, now - this.lastSampleAt);
    this.lastSampleAt = now;
  }

  private beat(): void {
    // The longest gap includes the sampling interval itself. A block still
    // going on when a sample is due shows in the beat after that sample.
    const lagMs = Math.max(0, Math.round(this.longestGapMs - RESOLUTION_MS));
    this.longestGapMs = 0;
    const { rss, heapUsed } = process.memoryUsage();
    this.send({ type: 'heartbeat', lagMs, rssBytes: rss, heapUsedBytes: heapUsed });
  }
}
