/**
 * The heartbeat's measure of a blocked event loop: every block must show in
 * a beat, whichever of the loop's timers runs first once the block ends.
 * (perf_hooks' monitorEventLoopDelay, reset at each beat, lost a block now
 * and then: its reset forgets the last sample's time.)
 */
import { Heartbeat } from '../../src/worker/heartbeat';

const INTERVAL_MS = 100;
const BLOCK_MS = 300;

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('Heartbeat', () => {
  it('reports every block of the loop, wherever in the beat interval it starts and ends', async () => {
    const lags: number[] = [];
    let waiting: { count: number; resolve: () => void } | undefined;
    const heartbeat = new Heartbeat(INTERVAL_MS, (beat) => {
      lags.push(beat.lagMs);
      if (waiting && lags.length >= waiting.count) waiting.resolve();
    });
    /** Resolves once `n` more beats have arrived. */
    const beats = (n: number): Promise<void> => new Promise((resolve) => (waiting = { count: lags.length + n, resolve }));
    heartbeat.start();
    try {
      const reported: number[] = [];
      // Blocks that begin at offsets spread over one interval, from a timer and from the check phase (as I/O does).
      for (let i = 0; i < 16; i++) {
        await beats(1);
        const offsetMs = (i * 7) % INTERVAL_MS;
        await new Promise<void>((resolve) =>
          setTimeout(() => {
            if (i % 2 === 0) {
              busy(BLOCK_MS);
              resolve();
            } else {
              setImmediate(() => {
                busy(BLOCK_MS);
                resolve();
              });
            }
          }, offsetMs),
        );
        const from = lags.length;
        // The beat that was due during the block, and the one after (which carries a block its sample saw late).
        await beats(2);
        reported.push(Math.max(...lags.slice(from)));
      }
      for (const lag of reported) expect(lag).toBeGreaterThanOrEqual(BLOCK_MS - 50);
    } finally {
      heartbeat.stop();
    }
  }, 30_000);

  it('sends a first beat at once and carries the memory the limit reads', () => {
    const sent: { lagMs: number; rssBytes: number; heapUsedBytes: number }[] = [];
    const heartbeat = new Heartbeat(1_000, (beat) => sent.push(beat));
    heartbeat.start();
    heartbeat.stop();
    expect(sent).toHaveLength(1);
    expect(sent[0].lagMs).toBe(0);
    expect(sent[0].rssBytes).toBeGreaterThan(sent[0].heapUsedBytes);
    expect(sent[0].heapUsedBytes).toBeGreaterThan(0);
  });
});
