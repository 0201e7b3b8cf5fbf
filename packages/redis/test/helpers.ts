/** What the tests of @shoal/redis share: options for a test Redis, a silent logger, metric values. */
import { createLogger } from '@shoal/core';
import type { ResolvedRedisOptions } from '@shoal/core';
import type { Registry } from 'prom-client';

export { RedisServer, freePort, stopAllRedis } from '../../../test/helpers/redis';

export const logger = createLogger('silent', { role: 'test' });

/** The `redis` section as core resolves it, with short timings. */
export function redisOptions(url: string, overrides: Partial<ResolvedRedisOptions> = {}): ResolvedRedisOptions {
  return Object.freeze({
    url,
    keyPrefix: `t${Math.random().toString(36).slice(2, 8)}`,
    hostId: null,
    heartbeatMs: 100,
    memberTtlMs: 500,
    leaseTtlMs: 900,
    hostReloadTimeoutMs: 10_000,
    commandTimeoutMs: 300,
    maxReconnectDelayMs: 100,
    ...overrides,
  });
}

/** The value of one metric (with these labels) in a registry. */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name) as { values: { value: number; labels: Record<string, string | number> }[] } | undefined;
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

/** Polls until `check` returns something other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
