/**
 * The injectables a worker gives the application besides ShoalMetrics:
 * ShoalStore, ShoalBroadcast and ShoalOffload, wired to Redis when the
 * configuration has a `redis` section and to the supervisor otherwise.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { discoverBroadcastSubscribers } from './discovery';
import type { Registry } from 'prom-client';
import type { ResolvedOptions } from '../config';
import type { Logger } from '../logger';
import { IpcBroadcastBackend, RedisBroadcastBackend, RedisStore, ShoalBroadcast, ShoalOffload, ShoalStore, connectRedis } from '../services';
import type { BroadcastHandler, RedisConnection, StoreOperation } from '../services';

/** What the worker runtime's IPC offers these services. */
export interface WorkerServiceChannel {
  store(operation: StoreOperation): Promise<string | number | boolean | null>;
  broadcast(channel: string, message: unknown): Promise<void>;
}

export class WorkerServices {
  readonly store: ShoalStore;
  readonly broadcast: ShoalBroadcast;
  readonly offload: ShoalOffload;
  private readonly connections: RedisConnection[] = [];

  constructor(options: ResolvedOptions, channel: WorkerServiceChannel, registry: Registry, private readonly logger: Logger) {
    this.offload = new ShoalOffload(options.offload, registry, logger.child({ component: 'offload' }));
    const redis = options.redis;
    if (!redis) {
      this.store = new ShoalStore({ execute: (operation) => channel.store(operation) });
      this.broadcast = new ShoalBroadcast(new IpcBroadcastBackend((c, m) => channel.broadcast(c, m)), logger);
      return;
    }
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
    const slot = process.env.SHOAL_WORKER_SLOT ?? '?';
    const commands = connectRedis(redis, `shoal-worker-${slot}`, logger, { onStateChange: (value) => up.set({ connection: 'commands' }, value ? 1 : 0) });
    const subscriber = connectRedis(redis, `shoal-worker-${slot}-sub`, logger, { subscriber: true, onStateChange: (value) => up.set({ connection: 'subscriber' }, value ? 1 : 0) });
    up.set({ connection: 'commands' }, 0);
    up.set({ connection: 'subscriber' }, 0);
    this.connections.push(commands, subscriber);
    this.store = new ShoalStore(new RedisStore(commands, redis.keyPrefix, onError));
    const broadcast: ShoalBroadcast = new ShoalBroadcast(
      new RedisBroadcastBackend(commands, subscriber, redis.keyPrefix, (c, m) => broadcast.deliver(c, m), onError),
      logger,
    );
    this.broadcast = broadcast;
  }

  /** After the app's module is built: binds @OnBroadcast methods, and waits (briefly) for Redis. */
  async start(app: INestApplicationContext, waitMs: number): Promise<void> {
    for (const { channel, fn } of discoverBroadcastSubscribers(app)) this.broadcast.subscribe(channel, fn as BroadcastHandler);
    const ready = await Promise.all(this.connections.map((c) => c.waitUntilUp(waitMs)));
    if (ready.includes(false)) this.logger.warn('redis is not reachable yet; the worker serves, and the store and broadcast fail until it is');
    await Promise.race([this.broadcast.listeningAll(), new Promise((resolve) => setTimeout(resolve, waitMs).unref())]);
  }

  /** Last, after the app's shutdown hooks (which may still use the store). */
  async closeConnections(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.close()));
  }
}
