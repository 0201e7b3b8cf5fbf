/**
 * The Grafana dashboard in docs/ only helps if its queries name metrics that
 * exist: every metric it uses must be in a real cluster's /metrics.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpGet, tcpAsk } from '../helpers/clients';
import { fixtureConfig, startCluster, stopAllClusters } from '../helpers/cluster';
import { FLEET_MAIN, fleetConfig } from '../helpers/fleet';

const DASHBOARD = join(__dirname, '..', '..', 'docs', 'grafana', 'shoal-dashboard.json');

interface Panel {
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

/** Metric names in PromQL expressions: identifiers followed by a label matcher. */
function metricsOf(expr: string): string[] {
  return [...expr.matchAll(/([a-z_:][a-z0-9_:]*)\{/g)].map((m) => m[1]);
}

/** Metrics of parts these clusters do not run: SCTP (kernel SCTP, tested in UML) and a Redis connection. */
const OPTIONAL_PREFIXES = ['shoal_sctp_', 'shoal_redis_'];

afterAll(stopAllClusters);

it('uses only metrics that a running cluster exposes', async () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[]; uid: string };
  expect(dashboard.uid).toBe('shoal-overview');
  const used = new Set<string>();
  for (const panel of dashboard.panels) for (const target of panel.targets ?? []) for (const name of metricsOf(target.expr)) used.add(name);
  expect(used.size).toBeGreaterThan(15);

  const cluster = await startCluster({ config: fixtureConfig() });
  await tcpAsk(cluster.ports.tcp, 'hello');
  await httpGet(cluster.ports.http, '/');
  // The fleet fixture adds the offload pool and the (embedded) fleet.
  const fleet = await startCluster({ config: fleetConfig(), entry: FLEET_MAIN });
  const exposition = (await cluster.metrics()) + (await fleet.metrics());
  const exposed = new Set([...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) => (type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name])));
  const missing = [...used].filter((name) => !exposed.has(name) && !OPTIONAL_PREFIXES.some((p) => name.startsWith(p)));
  expect(missing).toEqual([]);
});
