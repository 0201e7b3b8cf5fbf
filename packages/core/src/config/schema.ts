/**
 * The configuration's zod schemas: one place that says what each field
 * accepts, with the expected value as the message, so that every problem
 * reads "<path> must be <expected>, got <value>". Loaded on first
 * validation only (see options.ts).
 */
import { z } from 'zod';
import { lazySchema } from '@shoal/common';
import { LOG_FORMATS, LOG_LEVELS } from '../logger';
import type { LogFormat, LogLevel } from '../logger';

const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

function integer(min: number, max = Number.MAX_SAFE_INTEGER): z.ZodInt {
  const expected = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  return z.int({ error: expected }).min(min).max(max);
}

const hostSchema = (): z.ZodString => z.string({ error: 'a host name or IP address' }).regex(/^\S+$/, { error: 'a host name or IP address' });

export const listenerSchema = lazySchema(() =>
  z.strictObject(
    {
      transport: z.string({ error: 'the name of a registered transport' }),
      host: hostSchema().optional(),
      port: integer(0, 65535),
      options: z.record(z.string(), z.unknown(), { error: 'an object of transport options' }).optional(),
      shareWithOthers: z.boolean({ error: 'true or false' }).optional(),
    },
    { error: 'an object { transport, host?, port, options?, shareWithOthers? }' },
  ),
);

export const restartSchema = lazySchema(() =>
  z.strictObject(
    {
      initialDelayMs: integer(0).optional(),
      maxDelayMs: integer(0).optional(),
      maxCrashes: integer(1).optional(),
      windowMs: integer(0).optional(),
    },
    { error: 'an object { initialDelayMs, maxDelayMs, maxCrashes, windowMs }' },
  ),
);

export const configSchema = lazySchema(() =>
  z.strictObject(
    {
      name: z.string({ error: 'a name of letters, digits, _ . - (63 at most)' }).regex(SERVICE_NAME, { error: 'a name of letters, digits, _ . - (63 at most)' }).optional(),
      workers: integer(1, 1024).optional(),
      listeners: z.record(z.string(), z.unknown(), { error: 'an object of named listeners ({ echo: { transport, port } })' }),
      admin: z
        .union([z.literal(false), z.strictObject({ host: hostSchema().optional(), port: integer(0, 65535).optional() })], { error: 'an object { host, port } or false (as text: host:port or off)' })
        .optional(),
      control: z
        .union([z.literal(false), z.strictObject({ path: z.string({ error: 'an absolute path' }).startsWith('/', { error: 'an absolute path' }).optional() })], {
          error: 'an object { path } or false',
        })
        .optional(),
      restart: restartSchema().optional(),
      drainTimeoutMs: integer(0).optional(),
      shutdownDelayMs: integer(0).optional(),
      reloadSurge: integer(1).optional(),
      readyTimeoutMs: integer(1).optional(),
      ipcTimeoutMs: integer(1).optional(),
      metricsSnapshotIntervalMs: integer(100).optional(),
      reuseportSelector: z.boolean({ error: 'true or false' }).optional(),
      foreignListenerCheckMs: z.int({ error: '0 (off) or an integer >= 100' }).refine((ms) => ms === 0 || ms >= 100, { error: '0 (off) or an integer >= 100' }).optional(),
      logLevel: z.enum(LOG_LEVELS as [LogLevel, ...LogLevel[]], { error: `one of ${LOG_LEVELS.join(', ')}` }).optional(),
      logFormat: z.enum(LOG_FORMATS as [LogFormat, ...LogFormat[]], { error: `one of ${LOG_FORMATS.join(', ')}` }).optional(),
      maxMemoryBytes: integer(16 * 1024 * 1024).optional(),
      maxMemoryMeasure: z.enum(['rss', 'heap'], { error: 'rss (the resident set) or heap (the V8 heap in use)' }).optional(),
      // Sections with schemas of their own (redis-options.ts, offload-options.ts, watchdog-options.ts), checked below.
      redis: z.unknown().optional(),
      offload: z.unknown().optional(),
      watchdog: z.unknown().optional(),
    },
    { error: 'an object' },
  ),
);

/** An integer from min to max, said so in every message. */
function integerIn(min: number, max: number): z.ZodNumber {
  const error = `an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** The `offload` section (offload-options.ts). */
export const offloadSchema = lazySchema(() =>
  z.strictObject(
    {
      module: z.string({ error: 'a path to a module file' }).min(1, { error: 'a path to a module file' }).optional(),
      threads: integerIn(1, 256).optional(),
      maxQueue: integerIn(0, 1_000_000).optional(),
      retryAfterSeconds: integerIn(0, 3_600).optional(),
    },
    { error: 'an object { module, threads?, maxQueue?, retryAfterSeconds? }' },
  ),
);

/** The `watchdog` section (watchdog-options.ts); `false` is handled before it. */
export const watchdogSchema = lazySchema(() =>
  z.strictObject(
    {
      intervalMs: integerIn(100, 60_000).optional(),
      timeoutMs: integerIn(200, 3_600_000).optional(),
      degradedLagMs: integerIn(10, 3_600_000).optional(),
      recoverAfterMs: integerIn(0, 3_600_000).optional(),
      report: z.boolean({ error: 'true or false' }).optional(),
      reportDir: z.string({ error: 'a directory path' }).min(1, { error: 'a directory path' }).optional(),
    },
    { error: 'an object { intervalMs?, timeoutMs?, degradedLagMs?, recoverAfterMs?, report?, reportDir? } or false' },
  ),
);
