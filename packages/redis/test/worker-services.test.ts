/**
 * A worker's store and broadcast on a real redis-server (started here on a
 * free port): what core's ShoalStore and ShoalBroadcast do over them, their
 * metrics, and Redis going away and coming back.
 */
import { Registry } from 'prom-client';
import { ShoalBroadcast, ShoalStore } from '@shoal/core';
import type { ResolvedRedisOptions, SharedServices } from '@shoal/core';
import { createWorkerServices } from '../src/worker-services';
import { RedisServer, eventually, freePort, logger, metricValue, redisOptions, stopAllRedis } from './helpers';

let redis: RedisServer;
const open: SharedServices[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

afterAll(stopAllRedis);

/** One worker's services, as core's worker room builds them. */
function worker(options: ResolvedRedisOptions, slot = 0): { services: SharedServices; store: ShoalStore; broadcast: ShoalBroadcast; registry: Registry } {
  const registry = new Registry();
  const services = createWorkerServices(options, { registry, logger, slot, deliver: (channel, message) => broadcast.deliver(channel, message) });
  open.push(services);
  const broadcast = new ShoalBroadcast(services.broadcast, logger);
  return { services, store: new ShoalStore(services.store), broadcast, registry };
}

describe('createWorkerServices', () => {
  it('shares a store and a broadcast between workers, with its connections in shoal_redis_up', async () => {
    const options = redisOptions(redis.url);
    const a = worker(options, 0);
    const b = worker(options, 1);
    expect(await a.services.waitUntilReady(2_000)).toBe(true);
    expect(await b.services.waitUntilReady(2_000)).toBe(true);
    expect(await metricValue(a.registry, 'shoal_redis_up', { connection: 'commands' })).toBe(1);
    expect(await metricValue(a.registry, 'shoal_redis_up', { connection: 'subscriber' })).toBe(1);

    // The store: what one worker writes, the other reads; increments are exact.
    await a.store.set('user', { name: 'ada' });
    expect(await b.store.get('user')).toEqual({ name: 'ada' });
    const sums = await Promise.all([a.store.increment('n'), b.store.increment('n', 2), a.store.increment('n', 3)]);
    expect(Math.max(...sums)).toBe(6);
    expect(await b.store.get('n')).toBe(6);
    expect(await b.store.delete('user')).toBe(true);
    expect(await b.store.delete('user')).toBe(false);
    expect(await a.store.get('user')).toBeUndefined();
    // The TTL of an increment starts with its first hit.
    expect(await a.store.increment('window', 1, { ttlMs: 200 })).toBe(1);
    expect(await b.store.increment('window', 1, { ttlMs: 60_000 })).toBe(2);
    await eventually('window expired', async () => ((await a.store.get('window')) === undefined ? true : undefined), 2_000);
    await a.store.set('text', 'abc');
    await expect(b.store.increment('text')).rejects.toMatchObject({ code: 'SHOAL_ERR_STORE_NOT_A_NUMBER' });

    // Broadcast: every subscribed worker receives the message, the publisher too.
    const received: string[] = [];
    a.broadcast.subscribe('news', (message) => void received.push(`a:${(message as { text: string }).text}`));
    b.broadcast.subscribe('news', (message) => void received.push(`b:${(message as { text: string }).text}`));
    await Promise.all([a.broadcast.listeningAll(), b.broadcast.listeningAll()]);
    await b.broadcast.publish('news', { text: 'hi' });
    await eventually('both received', async () => (received.length === 2 ? true : undefined));
    expect(received.sort()).toEqual(['a:hi', 'b:hi']);
  });

  it('fails at once while Redis is away, counts it, and works again once Redis is back', async () => {
    const server = await RedisServer.start();
    const { services, store, broadcast, registry } = worker(redisOptions(server.url));
    expect(await services.waitUntilReady(2_000)).toBe(true);
    await store.set('k', 1);
    await server.kill();
    await eventually('down', async () => ((await metricValue(registry, 'shoal_redis_up', { connection: 'commands' })) === 0 ? true : undefined));

    const started = Date.now();
    const failure = await store.get('k').catch((error: unknown) => error);
    expect(Date.now() - started).toBeLessThan(200);
    expect(failure).toMatchObject({ code: 'SHOAL_ERR_STORE_FAILED', message: expect.stringMatching(/SHOAL_ERR_REDIS_UNAVAILABLE: store get needs Redis/) });
    expect((failure as Error).cause).toMatchObject({ code: 'SHOAL_ERR_REDIS_UNAVAILABLE' });
    await expect(broadcast.publish('news', 1)).rejects.toMatchObject({ code: 'SHOAL_ERR_BROADCAST_FAILED' });
    expect(await metricValue(registry, 'shoal_redis_errors_total', { op: 'store_get' })).toBe(1);
    expect(await metricValue(registry, 'shoal_redis_errors_total', { op: 'broadcast_publish' })).toBe(1);
    expect(await metricValue(registry, 'shoal_redis_errors_total', { op: 'store_set' })).toBe(0);

    await server.restart();
    expect(await eventually('back', async () => (await store.increment('k2').catch(() => undefined)))).toBe(1);
  });

  it('waits for an unreachable Redis no longer than asked, and closes', async () => {
    const { services, registry } = worker(redisOptions(`redis://127.0.0.1:${await freePort()}`));
    const started = Date.now();
    expect(await services.waitUntilReady(300)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await metricValue(registry, 'shoal_redis_up', { connection: 'subscriber' })).toBe(0);
  });
});
