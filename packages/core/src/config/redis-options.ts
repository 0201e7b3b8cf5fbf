/**
 * The optional `redis` section: with it, membership, fleet reload, broadcast
 * and the shared store work across every host that uses the same Redis (and
 * key prefix), through @shoal/redis; without it, on one host through the
 * supervisor. The section is validated here, with the rest of the
 * configuration and without any Redis code, so that every problem is listed
 * in one pass whether or not @shoal/redis is installed.
 */
import { lazySchema, parseSection } from '@shoal/common';

export interface RedisOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://...` (TLS). */
  url: string;
  /** Prefix of every key and channel Shoal uses, so several fleets can share one Redis. Default "shoal". */
  keyPrefix?: string;
  /** This host's name in the fleet; default: `<hostname>:<supervisor pid>`. Must be unique in the fleet. */
  hostId?: string;
  /** How often the supervisor renews its membership. */
  heartbeatMs?: number;
  /** A host that has not renewed its membership for this long drops out. */
  memberTtlMs?: number;
  /** Lifetime of the fleet-reload lease; the holder renews it every third of it. */
  leaseTtlMs?: number;
  /** How long a fleet reload waits for one host to finish its rolling reload. */
  hostReloadTimeoutMs?: number;
  /** A Redis command that gets no answer within this fails with SHOAL_ERR_REDIS_UNAVAILABLE / SHOAL_ERR_STORE_FAILED. */
  commandTimeoutMs?: number;
  /** Cap of the reconnect backoff. */
  maxReconnectDelayMs?: number;
}

export interface ResolvedRedisOptions {
  readonly url: string;
  readonly keyPrefix: string;
  readonly hostId: string | null;
  readonly heartbeatMs: number;
  readonly memberTtlMs: number;
  readonly leaseTtlMs: number;
  readonly hostReloadTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly maxReconnectDelayMs: number;
}

export const REDIS_DEFAULTS = Object.freeze({
  keyPrefix: 'shoal',
  heartbeatMs: 1_000,
  memberTtlMs: 5_000,
  leaseTtlMs: 10_000,
  hostReloadTimeoutMs: 300_000,
  commandTimeoutMs: 1_000,
  maxReconnectDelayMs: 2_000,
});

// Built on first validation: zod loads only where a config is validated (see options.ts).
const redisSchema = lazySchema(() => {
  const { z } = require('zod') as typeof import('zod');
  const integer = (min: number, max = 86_400_000) =>
    z.number({ error: `an integer from ${min} to ${max}` }).int({ error: `an integer from ${min} to ${max}` }).min(min, { error: `an integer from ${min} to ${max}` }).max(max, { error: `an integer from ${min} to ${max}` });

  return z
    .strictObject(
      {
        url: z
          .string({ error: 'a redis:// or rediss:// URL' })
          .refine((value) => /^rediss?:\/\/[^\s/]+/.test(value) && URL.canParse(value), { error: 'a redis:// or rediss:// URL' }),
        keyPrefix: z
          .string({ error: 'letters, digits and : _ . - (1 to 64)' })
          .regex(/^[A-Za-z0-9:_.-]{1,64}$/, { error: 'letters, digits and : _ . - (1 to 64)' })
          .default(REDIS_DEFAULTS.keyPrefix),
        hostId: z
          .string({ error: 'a name without spaces (1 to 128 characters)' })
          .regex(/^\S{1,128}$/, { error: 'a name without spaces (1 to 128 characters)' })
          .nullable()
          .default(null),
        heartbeatMs: integer(50, 60_000).default(REDIS_DEFAULTS.heartbeatMs),
        memberTtlMs: integer(150, 600_000).default(REDIS_DEFAULTS.memberTtlMs),
        leaseTtlMs: integer(300, 600_000).default(REDIS_DEFAULTS.leaseTtlMs),
        hostReloadTimeoutMs: integer(1_000).default(REDIS_DEFAULTS.hostReloadTimeoutMs),
        commandTimeoutMs: integer(10, 60_000).default(REDIS_DEFAULTS.commandTimeoutMs),
        maxReconnectDelayMs: integer(10, 60_000).default(REDIS_DEFAULTS.maxReconnectDelayMs),
      },
      { error: 'an object { url, keyPrefix?, hostId?, heartbeatMs?, memberTtlMs?, leaseTtlMs?, ... }' },
    )
    .refine((o) => o.memberTtlMs >= 3 * o.heartbeatMs, { error: 'at least 3 times redis.heartbeatMs', path: ['memberTtlMs'] });

  /** Validates the `redis` section; null when it is absent (the embedded, single-host mode). */
});

export function resolveRedisSection(input: unknown, problems: string[]): ResolvedRedisOptions | null {
  if (input === undefined || input === null) return null;
  const parsed = parseSection(redisSchema(), 'redis', input, problems);
  return parsed ? Object.freeze(parsed) : null;
}
