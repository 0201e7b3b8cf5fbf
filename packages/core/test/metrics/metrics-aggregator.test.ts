import { Counter, Gauge, Registry } from 'prom-client';
import { MetricsAggregator } from '../../src/metrics/metrics-aggregator';
import type { MetricsSnapshot } from '../../src/ipc';

async function workerSnapshot(requests: number, open: number): Promise<MetricsSnapshot> {
  const registry = new Registry();
  new Counter({ name: 'requests_total', help: 'h', registers: [registry] }).inc(requests);
  new Gauge({ name: 'open_connections', help: 'h', registers: [registry] }).set(open);
  return (await registry.getMetricsAsJSON()) as MetricsSnapshot;
}

function read(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

describe('MetricsAggregator', () => {
  it('sums live workers and keeps the counters of retired workers, but not their gauges', async () => {
    const aggregator = new MetricsAggregator();
    const own = new Registry();
    const a = await workerSnapshot(5, 2);
    const b = await workerSnapshot(7, 3);
    const first = await aggregator.render([a, b], own);
    expect(read(first, 'requests_total')).toBe(12);
    expect(read(first, 'open_connections')).toBe(5);

    // Worker b dies; its replacement starts from zero.
    await aggregator.retire(b);
    const second = await aggregator.render([a, await workerSnapshot(0, 0)], own);
    expect(read(second, 'requests_total')).toBe(12);
    expect(read(second, 'open_connections')).toBe(2);

    await aggregator.retire(a);
    const third = await aggregator.render([await workerSnapshot(1, 1), await workerSnapshot(0, 0)], own);
    expect(read(third, 'requests_total')).toBe(13);
  });
});
