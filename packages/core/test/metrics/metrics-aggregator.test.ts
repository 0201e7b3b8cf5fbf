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

  it('carries every counter to a new supervisor (workers and its own, not gauges), which continues from them over several upgrades', async () => {
    const supervisorRegistry = (): { registry: Registry; restarts: Counter; ready: Gauge } => {
      const registry = new Registry();
      const restarts = new Counter({ name: 'restarts_total', help: 'h', registers: [registry] });
      const ready = new Gauge({ name: 'workers_ready', help: 'h', registers: [registry] });
      return { registry, restarts, ready };
    };
    // The first supervisor: a retired worker (4 requests), a live one (6), 3 restarts, 2 workers ready.
    const first = new MetricsAggregator();
    const firstOwn = supervisorRegistry();
    firstOwn.restarts.inc(3);
    firstOwn.ready.set(2);
    await first.retire(await workerSnapshot(4, 9));
    const carried = await first.carry([await workerSnapshot(6, 1)], firstOwn.registry);
    expect(carried.workers.map((m) => m.name)).toEqual(['requests_total']);
    expect(carried.supervisor.map((m) => m.name)).toEqual(['restarts_total']);

    // The second: fresh registries; what it shows continues from the first's.
    const second = new MetricsAggregator();
    const secondOwn = supervisorRegistry();
    secondOwn.ready.set(2);
    second.inherit(carried);
    const shown = await second.render([await workerSnapshot(1, 1)], secondOwn.registry);
    expect(read(shown, 'requests_total')).toBe(11);
    expect(read(shown, 'restarts_total')).toBe(3);
    expect(read(shown, 'workers_ready')).toBe(2);
    expect(read(shown, 'open_connections')).toBe(1);

    // A third supervisor gets both generations' counts.
    secondOwn.restarts.inc();
    const third = new MetricsAggregator();
    third.inherit(await second.carry([await workerSnapshot(2, 0)], secondOwn.registry));
    const thirdShown = await third.render([], supervisorRegistry().registry);
    expect(read(thirdShown, 'requests_total')).toBe(12);
    expect(read(thirdShown, 'restarts_total')).toBe(4);
  });
});
