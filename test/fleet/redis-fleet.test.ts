/**
 * Two supervisors in one test play two hosts sharing a real redis-server
 * (started here on a free port): membership, broadcast to every worker of
 * both, an exact shared counter, fleet reload one host at a time under the
 * lease, a second fleet reload refused, and a host killed while it holds the
 * lease.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpGet, metricValue } from '../helpers/clients';
import { isAlive, stopAllClusters } from '../helpers/cluster';
import { eventually, fleetConfig, fleetReload, members, redisSection, startHost } from '../helpers/fleet';
import type { Host } from '../helpers/fleet';
import { RedisServer, stopAllRedis } from '../helpers/redis';

let redis: RedisServer;

beforeAll(async () => {
  redis = await RedisServer.start();
});

afterEach(stopAllClusters);
afterAll(stopAllRedis);

function twoHosts(overrides: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<[Host, Host]> {
  return Promise.all([
    startHost(fleetConfig({ redis: redisSection(redis.url, 'host-a', overrides) }), env),
    startHost(fleetConfig({ redis: redisSection(redis.url, 'host-b', overrides) }), env),
  ]);
}

/** Timestamps (ms) of a supervisor's log lines with this event. */
function times(host: Host, event: string): number[] {
  return host.cluster.events(event).map((l) => Date.parse(l.time as string));
}

describe('a fleet of two hosts on one Redis', () => {
  it('lists both hosts, shares a counter exactly, broadcasts to every worker, and reloads one host at a time', async () => {
    const [a, b] = await twoHosts();
    const listed = await eventually('both hosts listed', async () => {
      const list = await members(a);
      return list.length === 2 ? list : undefined;
    });
    expect(listed.map((m) => m.hostId)).toEqual(['host-a', 'host-b']);
    expect(listed[0]).toMatchObject({ workers: 2, readyWorkers: 2, ready: true, reloading: false, state: 'running', pid: a.cluster.pid });
    expect((await members(b)).map((m) => m.hostId)).toEqual(['host-a', 'host-b']);

    // 300 concurrent increments through both hosts' workers: every value from 1 to 300 exactly once.
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => httpGet((i % 2 ? a : b).cluster.ports.http, '/store/incr?key=shared')),
    );
    const values = answers.map((r) => JSON.parse(r.body).value as number).sort((x, y) => x - y);
    expect(values).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(new Set(answers.map((r) => JSON.parse(r.body).pid)).size).toBe(4);
    expect(JSON.parse((await httpGet(b.cluster.ports.http, '/store/get?key=shared')).body).value).toBe(300);

    // A broadcast published on host A reaches each of the four workers once.
    const workers = [...(await a.cluster.workerPids()), ...(await b.cluster.workerPids())];
    expect((await httpGet(a.cluster.ports.http, '/broadcast?text=to-all')).status).toBe(200);
    const isIt = (l: { event?: string; message?: unknown }): boolean => l.event === 'fixture.broadcast' && (l.message as { text?: string })?.text === 'to-all';
    const seenA = await a.cluster.waitForLogs(isIt, 2, 5_000);
    const seenB = await b.cluster.waitForLogs(isIt, 2, 5_000);
    expect([...seenA, ...seenB].map((l) => l.pid).sort()).toEqual([...workers].sort());

    // Fleet reload from host B: host A first (by name), then host B; the second request is refused.
    const oldPids = { a: await a.cluster.workerPids(), b: await b.cluster.workerPids() };
    const running = fleetReload(b);
    await b.cluster.waitForEvent('fleet.progress', (l) => l.phase === 'reloading');
    const refused = await fleetReload(a);
    expect(refused.exitCode).toBe(1);
    expect(refused.error?.code).toBe('SHOAL_ERR_FLEET_RELOAD_IN_PROGRESS');
    expect(refused.error?.message).toMatch(/started by host "host-b"/);
    const { exitCode, result: report } = await running;
    expect(exitCode).toBe(0);
    if (!report) throw new Error('no report');
    expect(report.ok).toBe(true);
    expect(report.hosts.map((h) => [h.hostId, h.phase])).toEqual([['host-a', 'done'], ['host-b', 'done']]);
    expect(report.hosts[1].token!).toBeGreaterThan(report.hosts[0].token!);
    expect(report.hosts.every((h) => h.slots.length === 2 && h.slots.every((s) => s.phase === 'done'))).toBe(true);
    // Never two hosts at once: host A's reload finished before host B's started.
    const [aFinished] = times(a, 'reload.finished');
    const [bStarted] = times(b, 'reload.started');
    expect(aFinished).toBeLessThanOrEqual(bStarted);
    expect((await a.cluster.workerPids()).some((p) => oldPids.a.includes(p))).toBe(false);
    expect((await b.cluster.workerPids()).some((p) => oldPids.b.includes(p))).toBe(false);

    const metrics = await a.cluster.metrics();
    expect(metricValue(metrics, 'shoal_fleet_members')).toBe(2);
    expect(metricValue(metrics, 'shoal_fleet_redis_up', { connection: 'commands' })).toBe(1);
    expect(metricValue(metrics, 'shoal_redis_up', { connection: 'commands' })).toBe(1);

    // A host that stops heartbeating drops out on its own.
    a.cluster.killGroup();
    await a.cluster.exited;
    await eventually('host-a dropped out', async () => ((await members(b)).map((m) => m.hostId).join() === 'host-b' ? true : undefined), 5_000);
  });

  it('goes on with the next host when the reloading host dies: its lease expires', async () => {
    // Host A's replacements take 4 s to boot, so it is killed while it holds the lease.
    const [a, b] = await Promise.all([
      startHost(fleetConfig({ workers: 1, redis: redisSection(redis.url, 'host-a') }), { SHOAL_TEST_REPLACEMENT_BOOT_MS: '4000' }),
      startHost(fleetConfig({ workers: 1, redis: redisSection(redis.url, 'host-b') })),
    ]);
    await eventually('both hosts listed', async () => ((await members(b)).length === 2 ? true : undefined));
    const running = fleetReload(b);
    // The initiator (host B) saw host A take the lease, with its fencing token.
    const lease = await b.cluster.waitForEvent('fleet.progress', (l) => l.hostId === 'host-a' && l.phase === 'reloading', 10_000);
    await a.cluster.waitForEvent('fleet.lease-acquired', (l) => l.token === lease.token, 2_000);
    const killedAt = Date.now();
    a.cluster.killGroup();
    await a.cluster.exited;
    expect(isAlive(a.cluster.pid)).toBe(false);

    const { result: report } = await running;
    if (!report) throw new Error('no report');
    expect(report.hosts.map((h) => [h.hostId, h.phase])).toEqual([['host-a', 'lost'], ['host-b', 'done']]);
    expect(report.hosts[0].token).toBe(lease.token);
    expect(report.hosts[1].token!).toBeGreaterThan(lease.token as number);
    // Host B got the lease only once host A's had expired (leaseTtlMs 1500 after its last renewal):
    // a lower bound, which a loaded machine can only make longer.
    const bLease = b.cluster.logs.find((l) => l.event === 'fleet.lease-acquired')!;
    expect(Date.parse(bLease.time as string) - killedAt).toBeGreaterThanOrEqual(1_000);
    // A host that vanished is not a failure: the reload went on.
    expect(report.ok).toBe(true);
  });

  it('stops at a host whose reload fails, and resumes with the hosts it did not finish', async () => {
    const flag = join(tmpdir(), `shoal-fleet-bad-deploy-${process.pid}`);
    rmSync(flag, { force: true });
    const [a, b] = await Promise.all([
      startHost(fleetConfig({ workers: 1, redis: redisSection(redis.url, 'host-a') })),
      startHost(fleetConfig({ workers: 1, redis: redisSection(redis.url, 'host-b') }), { SHOAL_TEST_BOOT_FAIL_FILE: flag }),
    ]);
    await eventually('both hosts listed', async () => ((await members(a)).map((m) => m.hostId).join() === 'host-a,host-b' ? true : undefined));
    writeFileSync(flag, 'bad deploy on host-b');
    try {
      const { exitCode, result: failed } = await fleetReload(a);
      expect(exitCode).toBe(1);
      if (!failed) throw new Error('no report');
      expect(failed.ok).toBe(false);
      expect(failed.error?.code).toBe('SHOAL_ERR_FLEET_RELOAD_FAILED');
      expect(failed.hosts.map((h) => [h.hostId, h.phase])).toEqual([['host-a', 'done'], ['host-b', 'failed']]);
      // Host B's old worker still serves.
      expect((await httpGet(b.cluster.ports.http, '/light')).status).toBe(200);
    } finally {
      rmSync(flag, { force: true });
    }
    const aPids = await a.cluster.workerPids();
    const { result: resumed } = await fleetReload(b, true);
    if (!resumed) throw new Error('no report');
    expect(resumed.ok).toBe(true);
    expect(resumed.resumedFrom).toEqual(expect.any(String));
    expect(resumed.hosts.map((h) => [h.hostId, h.phase])).toEqual([['host-b', 'done']]);
    expect(await a.cluster.workerPids()).toEqual(aPids);
    const nothing = await fleetReload(b, true);
    expect(nothing.exitCode).toBe(1);
    expect(nothing.error?.code).toBe('SHOAL_ERR_FLEET_NOTHING_TO_RESUME');
  });
});
