/**
 * One ioredis connection as Shoal uses it: commands fail at once while Redis
 * is away (no offline queue, so callers get a clear error instead of a hang),
 * ioredis reconnects with a capped backoff, and the connection state feeds
 * the `up` gauge.
 */
import { Redis } from 'ioredis';
import type { Logger, ResolvedRedisOptions } from '@shoal/core';
import { ERR_REDIS_UNAVAILABLE } from './errors';

export interface RedisConnection {
  readonly client: Redis;
  /** True while the connection is ready for commands. */
  isUp(): boolean;
  /** Throws SHOAL_ERR_REDIS_UNAVAILABLE when the connection is not ready. */
  requireUp(operation: string): void;
  /** Resolves once ready, or after `timeoutMs` (never rejects: a host serves without Redis). */
  waitUntilUp(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export function connectRedis(
  options: ResolvedRedisOptions,
  name: string,
  logger: Logger,
  { subscriber = false, onStateChange }: { subscriber?: boolean; onStateChange?: (up: boolean) => void } = {},
): RedisConnection {
  const client = new Redis(options.url, {
    connectionName: name,
    // A command while Redis is away fails at once (subscriptions wait and are replayed on reconnect).
    enableOfflineQueue: subscriber,
    maxRetriesPerRequest: subscriber ? null : 1,
    commandTimeout: subscriber ? undefined : options.commandTimeoutMs,
    connectTimeout: Math.max(options.commandTimeoutMs, 1_000),
    autoResubscribe: true,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), options.maxReconnectDelayMs),
  });
  let up = false;
  let lastError = '';
  const set = (value: boolean): void => {
    if (up === value) return;
    up = value;
    onStateChange?.(value);
    if (value) logger.info({ redis: name }, 'redis connection ready');
    else logger.warn({ redis: name, reason: lastError || undefined }, 'redis connection lost; reconnecting');
  };
  client.on('ready', () => set(true));
  client.on('close', () => set(false));
  client.on('end', () => set(false));
  // ioredis emits every failed reconnect as 'error': logged once per outage, never thrown.
  client.on('error', (error: Error) => {
    if (error.message !== lastError) logger.debug({ redis: name, err: error }, 'redis error');
    lastError = error.message;
  });
  const waiters = new Set<() => void>();
  client.on('ready', () => {
    for (const wake of waiters) wake();
    waiters.clear();
  });
  return {
    client,
    isUp: () => up && client.status === 'ready',
    requireUp(operation) {
      if (!(up && client.status === 'ready')) throw new ERR_REDIS_UNAVAILABLE(operation, client.status);
    },
    waitUntilUp(timeoutMs) {
      if (up) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(wake);
          resolve(false);
        }, timeoutMs);
        const wake = (): void => {
          clearTimeout(timer);
          resolve(true);
        };
        waiters.add(wake);
      });
    },
    async close() {
      // QUIT lets the replies in flight arrive, but ioredis queues it for a reconnect when Redis is
      // away (or goes while it waits), and that would never end: then the connection is just cut.
      if (up && client.status === 'ready') {
        let timer: NodeJS.Timeout | undefined;
        const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.commandTimeoutMs)));
        await Promise.race([client.quit().catch(() => undefined), waited]);
        clearTimeout(timer);
      }
      // Ends the reconnects. What a subscriber queued is failed ('Connection is closed') when a socket
      // was open; between reconnects ioredis leaves it pending (redis/ioredis#2169).
      client.disconnect();
    },
  };
}
