import { httpGet, metricValue, tcpAsk, udpAsk } from '../helpers/clients';
import { fixtureConfig, startCluster, stopAllClusters } from '../helpers/cluster';

afterAll(stopAllClusters);

describe('/metrics on the admin endpoint', () => {
  it('sums every worker, and its counters never go down when a worker is replaced', async () => {
    const cluster = await startCluster({ config: fixtureConfig() });
    await Promise.all(Array.from({ length: 12 }, (_, i) => tcpAsk(cluster.ports.tcp, `line ${i}`)));
    await Promise.all(Array.from({ length: 12 }, (_, i) => udpAsk(cluster.ports.udp, `datagram ${i}`)));
    const http = await Promise.all(Array.from({ length: 12 }, () => httpGet(cluster.ports.http, '/')));
    // The requests reached both workers, so the figures below are sums.
    expect(new Set(http.map((a) => JSON.parse(a.body).pid)).size).toBe(2);

    const before = await cluster.metrics();
    expect(metricValue(before, 'shoal_messages_received_total', { listener: 'tcp' })).toBe(12);
    expect(metricValue(before, 'shoal_messages_received_total', { listener: 'udp' })).toBe(12);
    expect(metricValue(before, 'shoal_messages_received_total', { listener: 'http' })).toBe(12);
    expect(metricValue(before, 'shoal_messages_sent_total', { listener: 'udp' })).toBe(12);
    expect(metricValue(before, 'shoal_connections_total', { listener: 'tcp' })).toBe(12);
    expect(metricValue(before, 'fixture_hits_total')).toBe(36);
    expect(metricValue(before, 'shoal_handler_duration_seconds_count', { listener: 'tcp', event: 'message' })).toBe(12);
    expect(metricValue(before, 'shoal_workers_ready')).toBe(2);
    expect(before).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(metricValue(before, 'shoal_connections_active', { listener: 'tcp' })).toBe(0);

    const [victim] = await cluster.workerPids();
    process.kill(victim, 'SIGKILL');
    await cluster.waitForReadyWorkers([victim]);

    const after = await cluster.metrics();
    for (const listener of ['tcp', 'udp', 'http']) {
      expect(metricValue(after, 'shoal_messages_received_total', { listener })).toBe(12);
    }
    expect(metricValue(after, 'fixture_hits_total')).toBe(36);
    expect(metricValue(after, 'shoal_worker_restarts_total')).toBe(1);

    await tcpAsk(cluster.ports.tcp, 'one more');
    expect(metricValue(await cluster.metrics(), 'shoal_messages_received_total', { listener: 'tcp' })).toBe(13);
  });

  it('serves /healthz, /readyz and /status, and 404 elsewhere', async () => {
    const cluster = await startCluster({ config: fixtureConfig({ workers: 1 }) });
    expect((await httpGet(cluster.adminPort, '/healthz')).status).toBe(200);
    const ready = await httpGet(cluster.adminPort, '/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ ready: true, workers: 1, readyWorkers: 1, degraded: [], foreignListeners: [] });
    const status = JSON.parse((await httpGet(cluster.adminPort, '/status')).body);
    expect(status.slots).toHaveLength(1);
    expect(status.slots[0]).toMatchObject({ slot: 0, state: 'ready', restarts: 0, generation: 1 });
    expect((await httpGet(cluster.adminPort, '/nope')).status).toBe(404);
  });
});
