/**
 * A worker's side of @shoal/redis (core's WorkerServicesBackend): two
 * connections (commands, and a subscriber for broadcast), the store and
 * broadcast backends over them, and their metrics in the worker's registry:
 * `shoal_redis_up{connection}` (the minimum over workers) and
 * `shoal_redis_errors_total{op}`.
 */
import { Counter, Gauge } from 'prom-client';
import type { ResolvedRedisOptions, SharedServices, WorkerServicesContext } from '@shoal/core';
import { RedisBroadcastBackend } from './redis-broadcast';
import { connectRedis } from './redis-client';
import { RedisStore } from './redis-store';

export function createWorkerServices(options: ResolvedRedisOptions, { registry, logger, slot, deliver }: WorkerServicesContext): SharedServices {
  const up = new Gauge({
    name: 'shoal_redis_up',
    help: '1 when the connections of every worker to Redis are ready (the minimum over workers).',
    labelNames: ['connection'],
    aggregator: 'min',
    registers: [registry],
  });
  const errors = new Counter({ name: 'shoal_redis_errors_total', help: 'Redis operations of workers that failed, by operation.', labelNames: ['op'], registers: [registry] });
  for (const op of ['store_get', 'store_set', 'store_increment', 'store_delete', 'broadcast_publish']) errors.inc({ op }, 0);
  const onError = (op: string): void => errors.inc({ op });
  up.set({ connection: 'commands' }, 0);
  up.set({ connection: 'subscriber' }, 0);
  const commands = connectRedis(options, `shoal-worker-${slot}`, logger, { onStateChange: (value) => up.set({ connection: 'commands' }, value ? 1 : 0) });
  const subscriber = connectRedis(options, `shoal-worker-${slot}-sub`, logger, { subscriber: true, onStateChange: (value) => up.set({ connection: 'subscriber' }, value ? 1 : 0) });
  const connections = [commands, subscriber];
  return {
    store: new RedisStore(commands, options.keyPrefix, onError),
    broadcast: new RedisBroadcastBackend(commands, subscriber, options.keyPrefix, deliver, onError),
    async waitUntilReady(timeoutMs) {
      const ready = await Promise.all(connections.map((c) => c.waitUntilUp(timeoutMs)));
      return !ready.includes(false);
    },
    async close() {
      await Promise.all(connections.map((c) => c.close()));
    },
  };
}
