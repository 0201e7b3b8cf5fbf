/**
 * One Redis connection's close, on a real redis-server: it ends whether Redis
 * is there or not, also with commands queued for a reconnect that will never
 * come (a subscriber queues them; a QUIT would wait behind them for ever).
 */
import { connectRedis, type RedisConnection } from '../src/redis-client';
import { RedisServer, logger, redisOptions, stopAllRedis } from './helpers';

afterAll(stopAllRedis);

function whenUp(connection: RedisConnection, up: boolean): Promise<void> {
  const event = up ? 'ready' : 'close';
  return connection.isUp() === up ? Promise.resolve() : new Promise((resolve) => connection.client.once(event, () => resolve()));
}

/** Resolves once the client has ended for good (no reconnect follows). */
function ended(connection: RedisConnection): Promise<void> {
  return connection.client.status === 'end' ? Promise.resolve() : new Promise((resolve) => connection.client.once('end', () => resolve()));
}

describe('closing a Redis connection', () => {
  it.each([false, true])('with Redis there: QUIT, and the client ends (subscriber: %s)', async (subscriber) => {
    const server = await RedisServer.start();
    const connection = connectRedis(redisOptions(server.url), 'close-test', logger, { subscriber });
    await whenUp(connection, true);
    await connection.close();
    await ended(connection);
    await server.kill();
  });

  it('with Redis gone and a subscription queued for the reconnect: the close ends', async () => {
    const server = await RedisServer.start();
    const connection = connectRedis(redisOptions(server.url), 'close-test-sub', logger, { subscriber: true });
    await whenUp(connection, true);
    await server.kill();
    await whenUp(connection, false);
    // Queued offline (a subscriber keeps an offline queue). ioredis leaves it pending after a
    // disconnect between reconnects (redis/ioredis#2169); what matters here is that close ends.
    void connection.client.subscribe('shoal-close-test').catch(() => undefined);
    await connection.close();
    expect(connection.isUp()).toBe(false);
  });

  it('with Redis gone, a command connection (no offline queue) closes too', async () => {
    const server = await RedisServer.start();
    const connection = connectRedis(redisOptions(server.url), 'close-test-commands', logger);
    await whenUp(connection, true);
    await server.kill();
    await whenUp(connection, false);
    await connection.close();
    expect(connection.isUp()).toBe(false);
  });
});
