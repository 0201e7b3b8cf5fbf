/**
 * The watchdog's degraded state, beat by beat: degraded at the first beat
 * that reports a block past degradedLagMs, recovered only after beats under
 * it for recoverAfterMs, so that a loop blocked now and then stays visible
 * to probes and scrapes. (The hang path runs with real workers in
 * test/core/watchdog.test.ts.)
 */
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { ResolvedOptions } from '../../src/config';
import { Slot } from '../../src/supervisor/slot';
import { SupervisorMetrics } from '../../src/supervisor/supervisor-metrics';
import { Watchdog } from '../../src/supervisor/watchdog';
import type { WorkerProcess } from '../../src/supervisor/worker-process';

const INTERVAL_MS = 1_000;

class BeatingWorker extends EventEmitter {
  readonly pid = 4242;
  readonly exited = new Promise<never>(() => undefined);
  beat(lagMs: number): void {
    this.emit('heartbeat', { type: 'heartbeat', lagMs, rssBytes: 1, heapUsedBytes: 1 });
  }
}

function setUp(recoverAfterMs: number) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const metrics = new SupervisorMetrics({ configured: () => 1, ready: () => 1 }, 1);
  const options = {
    name: 'test',
    watchdog: { enabled: false, intervalMs: INTERVAL_MS, timeoutMs: 5_000, degradedLagMs: 300, recoverAfterMs, report: false, reportDir: '/tmp' },
    memoryLimit: { maxBytes: null, measure: 'rss' },
  } as unknown as Pick<ResolvedOptions, 'name' | 'watchdog' | 'memoryLimit'>;
  const watchdog = new Watchdog({ options, metrics, logger: pino({ level: 'debug' }, stream), isServing: () => true, overMemoryLimit: () => false });
  const slot = new Slot(0);
  const worker = new BeatingWorker();
  slot.worker = worker as unknown as WorkerProcess;
  watchdog.watch(slot, slot.worker);
  /** One heartbeat interval passes, then the worker reports its longest block within it. */
  const beat = (lagMs: number): void => {
    jest.advanceTimersByTime(INTERVAL_MS);
    worker.beat(lagMs);
  };
  const gauge = async (name: string): Promise<number | undefined> =>
    (await metrics.registry.getSingleMetric(name)!.get()).values.find((v) => v.labels.slot === '0')?.value;
  const events = (): string[] => lines.map((l) => l.event as string).filter((e) => e.startsWith('worker.'));
  return { slot, beat, gauge, events, lines };
}

beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => jest.useRealTimers());

describe('the watchdog: degraded and recovered', () => {
  it('stays degraded through beats under the threshold until recoverAfterMs has passed since the last slow beat', async () => {
    const { slot, beat, gauge, events } = setUp(3_000);
    beat(20);
    expect(slot.degraded).toBe(false);
    beat(600);
    expect(slot).toMatchObject({ degraded: true, lagMs: 600, worstLagMs: 600, degradedSince: 1_002_000 });
    expect(await gauge('shoal_worker_degraded')).toBe(1);
    beat(10);
    beat(10);
    expect(slot).toMatchObject({ degraded: true, lagMs: 10, worstLagMs: 600 }); // 2 s after the slow beat
    beat(900); // blocked again: the same episode, its worst block grows, and the clock starts over
    expect(slot).toMatchObject({ degraded: true, worstLagMs: 900, degradedSince: 1_002_000 });
    beat(10);
    beat(10);
    expect(slot.degraded).toBe(true);
    beat(10); // 3 s after the last slow beat
    expect(slot).toMatchObject({ degraded: false, lagMs: 10, worstLagMs: null, degradedSince: null });
    expect(await gauge('shoal_worker_degraded')).toBe(0);
    expect(await gauge('shoal_worker_degraded_total')).toBe(1);
    expect(events()).toEqual(['worker.degraded', 'worker.recovered']);
  });

  it('logs the worst block and how long the slot was degraded when it recovers; a new block starts a new episode', async () => {
    const { slot, beat, gauge, events, lines } = setUp(2_000);
    beat(400);
    beat(700);
    beat(0);
    beat(0);
    expect(lines.find((l) => l.event === 'worker.recovered')).toMatchObject({ worstLagMs: 700, degradedForMs: 3_000 });
    beat(350);
    expect(slot).toMatchObject({ degraded: true, worstLagMs: 350 });
    expect(await gauge('shoal_worker_degraded_total')).toBe(2);
    expect(events()).toEqual(['worker.degraded', 'worker.recovered', 'worker.degraded']);
  });

  it('with recoverAfterMs 0 recovers at the first beat under the threshold', () => {
    const { slot, beat, events } = setUp(0);
    beat(500);
    expect(slot.degraded).toBe(true);
    beat(299);
    expect(slot.degraded).toBe(false);
    expect(events()).toEqual(['worker.degraded', 'worker.recovered']);
  });
});
