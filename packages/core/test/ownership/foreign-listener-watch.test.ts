/**
 * When the running supervisor looks at its ports: at once and every interval
 * after a start, only every interval after an upgrade (whose hand-over the
 * look would slow), never with the interval 0.
 */
import { Registry, Gauge } from 'prom-client';
import { ForeignListenerWatch } from '../../src/ownership';
import { createLogger } from '../../src/logger';

function watch(intervalMs: number): { watch: ForeignListenerWatch; looks: () => number } {
  let looks = 0;
  const gauge = new Gauge({ name: 'shoal_foreign_listeners', help: 'test', labelNames: ['listener'], registers: [new Registry()] });
  const w = new ForeignListenerWatch({
    intervalMs,
    logger: createLogger('silent', { role: 'supervisor' }),
    gauge,
    ports: () => {
      looks++;
      return Promise.resolve([]);
    },
    ours: () => [process.pid],
    shared: new Set(),
  });
  return { watch: w, looks: () => looks };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('a start looks at once, then every interval', async () => {
  const { watch: w, looks } = watch(1_000);
  w.start();
  expect(looks()).toBe(1);
  await jest.advanceTimersByTimeAsync(1_000);
  expect(looks()).toBe(2);
  w.stop();
});

test('checkNow false (an upgrade): the first look comes with the first interval', async () => {
  const { watch: w, looks } = watch(1_000);
  w.start({ checkNow: false });
  await jest.advanceTimersByTimeAsync(999);
  expect(looks()).toBe(0);
  await jest.advanceTimersByTimeAsync(1);
  expect(looks()).toBe(1);
  w.stop();
});

test('interval 0: no look at all', async () => {
  const { watch: w, looks } = watch(0);
  w.start();
  await jest.advanceTimersByTimeAsync(60_000);
  expect(looks()).toBe(0);
});
