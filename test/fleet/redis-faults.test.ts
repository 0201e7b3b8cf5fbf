/**
 * Redis killed and restarted under a running host: the host keeps serving,
 * the store and broadcast fail with clear errors while Redis is away, fleet
 * operations refuse, metrics show it, and everything comes back once Redis
 * does (ioredis reconnects, subscriptions are replayed, membership renewed).
 */
import { httpGet, metricValue } from '../helpers/clients';
import { stopAllClusters } from '../helpers/cluster';
import { eventually, fleetConfig, members, redisSection, startHost, fleetReload, shoalCli } from '../helpers/fleet';
import { RedisServer, stopAllRedis } from '../helpers/redis';

afterAll(async () => {
  await stopAllClusters();
  await stopAllRedis();
});

describe('Redis down and back', () => {
  it('keeps the host serving, reports errors clearly, and recovers', async () => {
    const redis = await RedisServer.start();
    const host = await startHost(fleetConfig({ redis: redisSection(redis.url, 'host-f') }));
    const port = host.cluster.ports.http;
    expect(JSON.parse((await httpGet(port, '/store/incr?key=n')).body).value).toBe(1);
    await eventually('listed', async () => ((await members(host)).length === 1 ? true : undefined));

    await redis.kill();

    // Serving goes on.
    for (let i = 0; i < 10; i++) expect((await httpGet(port, '/light')).status).toBe(200);
    // The store and broadcast tell the caller (here: the HTTP client, by code).
    const failed = await eventually('store fails', async () => {
      const answer = await httpGet(port, '/store/incr?key=n');
      return answer.status === 500 ? answer : undefined;
    });
    expect(JSON.parse(failed.body).error.code).toBe('SHOAL_ERR_STORE_FAILED');
    const broadcast = await httpGet(port, '/broadcast?text=lost');
    expect(broadcast.status).toBe(500);
    expect(JSON.parse(broadcast.body).error.code).toBe('SHOAL_ERR_BROADCAST_FAILED');
    // Fleet operations refuse with a clear message.
    const status = await shoalCli(host, ['status', '--fleet']);
    expect(status.exitCode).toBe(1);
    expect(status.error).toMatchObject({ code: 'SHOAL_ERR_REDIS_UNAVAILABLE', message: expect.stringMatching(/fleet status needs Redis/) });
    const reload = await fleetReload(host);
    expect(reload.error?.code).toBe('SHOAL_ERR_REDIS_UNAVAILABLE');
    const down = await host.cluster.metrics();
    expect(metricValue(down, 'shoal_fleet_redis_up', { connection: 'commands' })).toBe(0);
    expect(metricValue(down, 'shoal_redis_up', { connection: 'commands' })).toBe(0);
    expect(metricValue(down, 'shoal_redis_errors_total', { op: 'store_increment' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(down, 'shoal_fleet_members')).toBe(0);

    // Redis comes back empty (no persistence): the host joins again, the store and broadcast work.
    await redis.restart();
    const back = await eventually(
      'store works again',
      async () => {
        const answer = await httpGet(port, '/store/incr?key=n');
        return answer.status === 200 ? JSON.parse(answer.body).value : undefined;
      },
      10_000,
    );
    expect(back).toBe(1);
    await eventually('member again', async () => ((await members(host)).map((m) => m.hostId).join() === 'host-f' ? true : undefined), 10_000);
    // Every worker's subscription was replayed: both receive a broadcast again.
    const workers = await host.cluster.workerPids();
    // shoal_redis_up is the minimum over workers: every subscriber connection is back.
    await eventually('subscribers back', async () => (metricValue(await host.cluster.metrics(), 'shoal_redis_up', { connection: 'subscriber' }) === 1 ? true : undefined), 10_000);
    await eventually('broadcast works', async () => ((await httpGet(port, '/broadcast?text=again')).status === 200 ? true : undefined), 10_000);
    const seen = await host.cluster.waitForLogs((l) => l.event === 'fixture.broadcast' && (l.message as { text?: string })?.text === 'again', 2, 5_000);
    expect(seen.map((l) => l.pid).sort()).toEqual([...workers].sort());
    const up = await host.cluster.metrics();
    expect(metricValue(up, 'shoal_fleet_redis_up', { connection: 'commands' })).toBe(1);
    expect(metricValue(up, 'shoal_redis_up', { connection: 'subscriber' })).toBe(1);
  });
});
