/**
 * Without a `redis` section: the store lives in the supervisor (exact
 * increments from every worker), broadcast reaches every worker of the host,
 * and the fleet API answers for this host alone.
 */
import { httpGet } from '../helpers/clients';
import { stopAllClusters } from '../helpers/cluster';
import { eventually, fleetConfig, fleetReload, members, startHost } from '../helpers/fleet';

afterAll(stopAllClusters);

describe('fleet services without Redis (embedded)', () => {
  it('shares a store, broadcasts to every worker, and reloads this host as a fleet of one', async () => {
    const host = await startHost(fleetConfig());
    const port = host.cluster.ports.http;

    // 200 concurrent increments over fresh connections, spread by the kernel over both workers.
    const answers = await Promise.all(Array.from({ length: 200 }, () => httpGet(port, '/store/incr?key=hits')));
    const values = answers.map((a) => JSON.parse(a.body).value as number).sort((a, b) => a - b);
    expect(values).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(new Set(answers.map((a) => JSON.parse(a.body).pid)).size).toBe(2);
    expect(JSON.parse((await httpGet(port, '/store/get?key=hits')).body).value).toBe(200);

    // TTL: the key is gone once it expired.
    expect((await httpGet(port, '/store/set?key=session&value=%7B%22user%22%3A1%7D&ttl=300')).status).toBe(200);
    expect(JSON.parse((await httpGet(port, '/store/get?key=session')).body).value).toEqual({ user: 1 });
    await eventually('session expired', async () => (JSON.parse((await httpGet(port, '/store/get?key=session')).body).value === null ? true : undefined), 3_000);

    // Incrementing a value that is not an integer is an error with its own code.
    await httpGet(port, '/store/set?key=text&value=%22abc%22');
    const bad = await httpGet(port, '/store/incr?key=text');
    expect(bad.status).toBe(500);
    expect(JSON.parse(bad.body).error.code).toBe('SHOAL_ERR_STORE_NOT_A_NUMBER');

    // Broadcast: both workers receive it, once each.
    const workers = await host.cluster.workerPids();
    expect((await httpGet(port, '/broadcast?text=hello')).status).toBe(200);
    const seen = await host.cluster.waitForLogs((l) => l.event === 'fixture.broadcast' && (l.message as { text: string }).text === 'hello', 2, 5_000);
    expect(seen.map((l) => l.pid).sort()).toEqual([...workers].sort());

    const [self] = await members(host);
    expect(self).toMatchObject({ hostId: expect.any(String), workers: 2, readyWorkers: 2, ready: true, reloading: false, state: 'running' });

    const first = fleetReload(host);
    await host.cluster.waitForEvent('fleet.progress', (l) => l.phase === 'reloading');
    const second = await fleetReload(host);
    expect(second.exitCode).toBe(1);
    expect(second.error?.code).toBe('SHOAL_ERR_FLEET_RELOAD_IN_PROGRESS');
    const report = (await first).result!;
    expect(report.ok).toBe(true);
    expect(report.hosts).toHaveLength(1);
    expect(report.hosts[0].phase).toBe('done');
    const after = await host.cluster.workerPids();
    expect(after.some((pid) => workers.includes(pid))).toBe(false);

    // The store outlives the workers: it is the supervisor's.
    expect(JSON.parse((await httpGet(port, '/store/get?key=hits')).body).value).toBe(200);
  });
});
