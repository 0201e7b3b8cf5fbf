import { availableParallelism } from 'node:os';
import type { z } from 'zod';
import { describe, formatIssues } from '@shoal/common';
import { ERR_CONFIG_INVALID, ERR_TRANSPORT_UNKNOWN } from '../errors';
import { resolveRedisSection } from './redis-options';
import type { RedisOptions, ResolvedRedisOptions } from './redis-options';
import type { LogFormat, LogLevel } from '../logger';
import { resolveOffloadSection } from './offload-options';
import type { OffloadOptions, ResolvedOffloadOptions } from './offload-options';
import type { FdPassing, ListenerSpec, Transport } from '../transport';
import { resolveMemoryLimit, resolveWatchdogSection } from './watchdog-options';
import type { MemoryMeasure, ResolvedMemoryLimit, ResolvedWatchdogOptions, WatchdogOptions } from './watchdog-options';

/** A listener as the user declares it. */
export interface ListenerOptions {
  transport: string;
  /** Address to bind; default 0.0.0.0. */
  host?: string;
  /** Port to bind; 0 lets the kernel choose once, and every slot then shares that port. */
  port: number;
  /** Transport-specific options (see the transport's README). */
  options?: Record<string, unknown>;
  /**
   * Start even when other processes already listen on this port, and let them
   * keep a share of its traffic (the kernel spreads a reuseport group's
   * connections over every member). Default false: the start fails, naming
   * them. See docs/port-ownership.md for the risk.
   */
  shareWithOthers?: boolean;
}

export interface RestartOptions {
  /** Delay before the first restart of a crashed slot. */
  initialDelayMs: number;
  /** Cap of the exponential backoff. */
  maxDelayMs: number;
  /** A slot that crashes this many times within `windowMs` stops restarting. */
  maxCrashes: number;
  windowMs: number;
}

export interface AdminOptions {
  host: string;
  port: number;
}

export interface ControlOptions {
  /** The control socket's path; default `<runtime dir>/<name>.sock` (see docs/cli.md). */
  path?: string;
}

/** What `run()` and `new Supervisor()` accept. */
export interface ShoalOptions {
  /** The service's name: names its control socket and tags its logs; default "shoal". */
  name?: string;
  /** Worker processes (slots); default: the number of cores. */
  workers?: number;
  listeners: Record<string, ListenerOptions>;
  /** Where /metrics, /healthz and /readyz are served; `false` turns it off. */
  admin?: Partial<AdminOptions> | false;
  /** The Unix socket `shoal status/reload/stop/scale` talk to; `false` turns it off. */
  control?: ControlOptions | false;
  restart?: Partial<RestartOptions>;
  /** How long a stopping or replaced worker may take to finish its work. */
  drainTimeoutMs?: number;
  /**
   * At a stop, how long workers keep serving while /readyz already answers
   * 503, before the drain begins: time for a load balancer (a Kubernetes
   * Service) to stop sending new connections. Default 0.
   */
  shutdownDelayMs?: number;
  /** How many slots a rolling reload replaces at once. */
  reloadSurge?: number;
  /** How long a new worker may take to boot and report ready. */
  readyTimeoutMs?: number;
  /** Timeout of every supervisor/worker request. */
  ipcTimeoutMs?: number;
  /** How often the supervisor keeps a copy of each worker's counters (see metrics-aggregator.ts). */
  metricsSnapshotIntervalMs?: number;
  /**
   * How often the supervisor looks for sockets of other processes on its
   * listeners' ports (docs/port-ownership.md); 0 turns the check off. Default 10,000.
   */
  foreignListenerCheckMs?: number;
  /**
   * Attach a reuseport BPF program to each TCP and UDP listener's port that
   * selects only the sockets this service holds, so a late joiner gets no
   * traffic (needs @shoal/reuseport; docs/port-ownership.md). Default true.
   */
  reuseportSelector?: boolean;
  logLevel?: LogLevel;
  /** 'auto' (default): pretty when stdout is a terminal, JSON lines otherwise. */
  logFormat?: LogFormat;
  /** Fleet coordination across hosts (see redis-options.ts; needs @shoal/redis); without it, one host through the supervisor. */
  redis?: RedisOptions;
  /** The CPU offload pool of each worker (see offload-options.ts). */
  offload?: OffloadOptions;
  /** Hung-worker detection (see watchdog-options.ts); `false` turns the hang check off. */
  watchdog?: WatchdogOptions | false;
  /** A worker whose memory grows past this is replaced like a reload of its slot (nothing dropped). Default: no limit. */
  maxMemoryBytes?: number;
  /** What maxMemoryBytes limits: 'rss' (default, what the kernel's OOM killer sees) or 'heap' (V8's heap in use). */
  maxMemoryMeasure?: MemoryMeasure;
}

export interface ResolvedOptions {
  readonly name: string;
  readonly workers: number;
  readonly listeners: readonly ListenerSpec[];
  readonly admin: Readonly<AdminOptions> | null;
  /** The control socket's path, or null when turned off. */
  readonly control: Readonly<{ path: string | null }> | null;
  readonly restart: Readonly<RestartOptions>;
  readonly drainTimeoutMs: number;
  readonly shutdownDelayMs: number;
  readonly reloadSurge: number;
  readonly readyTimeoutMs: number;
  readonly ipcTimeoutMs: number;
  readonly metricsSnapshotIntervalMs: number;
  readonly foreignListenerCheckMs: number;
  readonly reuseportSelector: boolean;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly redis: ResolvedRedisOptions | null;
  readonly offload: ResolvedOffloadOptions;
  readonly watchdog: ResolvedWatchdogOptions;
  readonly memoryLimit: ResolvedMemoryLimit;
  /** How descriptors that Node's IPC cannot carry travel, when a listener's transport has such sockets. */
  readonly fdPassing?: FdPassing;
}

export const DEFAULT_OPTIONS = Object.freeze({
  name: 'shoal',
  workers: availableParallelism(),
  admin: Object.freeze({ host: '127.0.0.1', port: 9464 }),
  restart: Object.freeze({ initialDelayMs: 100, maxDelayMs: 10_000, maxCrashes: 5, windowMs: 60_000 }),
  drainTimeoutMs: 30_000,
  shutdownDelayMs: 0,
  reloadSurge: 1,
  readyTimeoutMs: 30_000,
  ipcTimeoutMs: 5_000,
  metricsSnapshotIntervalMs: 5_000,
  foreignListenerCheckMs: 10_000,
  reuseportSelector: true,
  logLevel: 'info' as LogLevel,
  logFormat: 'auto' as LogFormat,
  listenerHost: '0.0.0.0',
});

export { LOG_FORMATS, LOG_LEVELS } from '../logger';
const LISTENER_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,62}$/;

// The schemas (zod) load on first validation, not with this module: a worker
// of `shoal start` receives validated options and never loads zod.
const schemas = (): typeof import('./schema') => require('./schema') as typeof import('./schema');

type ConfigInput = z.output<ReturnType<typeof import('./schema').configSchema>>;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Validates the user's options against the registered transports, fills in
 * defaults and freezes the result. Every problem is reported at once, each
 * naming its field; the error's message lists them.
 */
export function resolveOptions(input: unknown, transports: readonly Transport[]): ResolvedOptions {
  if (!isObject(input)) throw new ERR_CONFIG_INVALID([`the configuration must be an object, got ${describe(input)}`]);
  const { configSchema, restartSchema } = schemas();
  const parsed = configSchema().safeParse(input, { reportInput: true });
  const problems = parsed.success ? [] : formatIssues(configSchema(), parsed.error.issues, input);
  // Listeners are checked even when other fields are wrong, so that one run lists everything.
  const listeners = resolveListeners(input.listeners, transports, problems);
  // Cross-field rules compare the fields that are valid on their own; defaults stand in for the others.
  const config = validFields(configSchema(), input) as Partial<ConfigInput>;

  const workers = config.workers ?? DEFAULT_OPTIONS.workers;
  const restart: RestartOptions = { ...DEFAULT_OPTIONS.restart, ...validFields(restartSchema(), input.restart) };
  if (restart.maxDelayMs < restart.initialDelayMs) {
    problems.push(`restart.maxDelayMs (${restart.maxDelayMs}) must not be below restart.initialDelayMs (${restart.initialDelayMs})`);
  }
  const reloadSurge = config.reloadSurge ?? DEFAULT_OPTIONS.reloadSurge;
  if (reloadSurge > workers) problems.push(`reloadSurge must be an integer from 1 to ${workers} (the number of workers), got ${reloadSurge}`);

  const redis = resolveRedisSection(input.redis, problems);
  const offload = resolveOffloadSection(input.offload, workers, problems);
  const watchdog = resolveWatchdogSection(input.watchdog, problems);

  checkPortConflicts(listeners, problems);
  if (problems.length > 0 || !parsed.success) throw new ERR_CONFIG_INVALID(problems);

  const admin = config.admin === false ? null : Object.freeze({ ...DEFAULT_OPTIONS.admin, ...config.admin });
  const control = config.control === false ? null : Object.freeze({ path: config.control?.path ?? null });
  const fdPassing = fdPassingOf(listeners, transports);
  return Object.freeze({
    ...(fdPassing ? { fdPassing } : {}),
    name: config.name ?? DEFAULT_OPTIONS.name,
    workers,
    listeners: Object.freeze(listeners),
    admin,
    control,
    restart: Object.freeze(restart),
    drainTimeoutMs: config.drainTimeoutMs ?? DEFAULT_OPTIONS.drainTimeoutMs,
    shutdownDelayMs: config.shutdownDelayMs ?? DEFAULT_OPTIONS.shutdownDelayMs,
    reloadSurge,
    readyTimeoutMs: config.readyTimeoutMs ?? DEFAULT_OPTIONS.readyTimeoutMs,
    ipcTimeoutMs: config.ipcTimeoutMs ?? DEFAULT_OPTIONS.ipcTimeoutMs,
    metricsSnapshotIntervalMs: config.metricsSnapshotIntervalMs ?? DEFAULT_OPTIONS.metricsSnapshotIntervalMs,
    foreignListenerCheckMs: config.foreignListenerCheckMs ?? DEFAULT_OPTIONS.foreignListenerCheckMs,
    reuseportSelector: config.reuseportSelector ?? DEFAULT_OPTIONS.reuseportSelector,
    logLevel: config.logLevel ?? DEFAULT_OPTIONS.logLevel,
    logFormat: config.logFormat ?? DEFAULT_OPTIONS.logFormat,
    redis,
    offload,
    watchdog,
    memoryLimit: resolveMemoryLimit(config.maxMemoryBytes, config.maxMemoryMeasure),
  });
}

/** How descriptors travel for these listeners: the fdPassing of the first transport that has one. */
export function fdPassingOf(listeners: readonly ListenerSpec[], transports: readonly Transport[]): FdPassing | undefined {
  return listeners.map((spec) => transports.find((t) => t.name === spec.transport)?.fdPassing).find((p) => p !== undefined);
}

/** The fields of `value` that its object schema accepts one by one. */
function validFields(schema: z.ZodObject, value: unknown): Record<string, unknown> {
  const valid: Record<string, unknown> = {};
  if (!isObject(value)) return valid;
  for (const [key, field] of Object.entries(schema.shape)) {
    const parsed = (field as z.ZodType).safeParse(value[key]);
    if (parsed.success && parsed.data !== undefined) valid[key] = parsed.data;
  }
  return valid;
}

/** Listeners are checked one by one, because their options belong to the transport each names. */
function resolveListeners(input: unknown, transports: readonly Transport[], problems: string[]): ListenerSpec[] {
  const listeners: ListenerSpec[] = [];
  if (!isObject(input)) return listeners;
  if (Object.keys(input).length === 0) {
    problems.push('listeners must declare at least one listener');
    return listeners;
  }
  const byName = new Map(transports.map((t) => [t.name, t]));
  for (const [name, raw] of Object.entries(input)) {
    const path = `listeners.${name}`;
    if (!LISTENER_NAME.test(name)) problems.push(`${path}: a listener name must start with a letter and use letters, digits, _ . - (63 at most)`);
    const listenerSchema = schemas().listenerSchema();
    const parsed = listenerSchema.safeParse(raw, { reportInput: true });
    if (!parsed.success) problems.push(...formatIssues(listenerSchema, parsed.error.issues, raw, ['listeners', name]));
    if (!isObject(raw)) continue;
    const transport = typeof raw.transport === 'string' ? byName.get(raw.transport) : undefined;
    if (typeof raw.transport === 'string' && !transport) {
      problems.push(`${path}.transport: ${new ERR_TRANSPORT_UNKNOWN(raw.transport, [...byName.keys()]).message}`);
    }
    if (!transport) continue;
    const result = transport.validateOptions(raw.options ?? {}, `${path}.options`);
    problems.push(...result.problems);
    if (!parsed.success) continue;
    const { host = DEFAULT_OPTIONS.listenerHost, port, shareWithOthers = false } = parsed.data;
    listeners.push(Object.freeze({ name, transport: transport.name, protocol: transport.protocol ?? transport.name, host, port, options: result.options, shareWithOthers }));
  }
  return listeners;
}

/** Two listeners of one socket family on the same address and port would join one reuseport group. */
function checkPortConflicts(listeners: readonly ListenerSpec[], problems: string[]): void {
  const seen = new Map<string, string>();
  for (const spec of listeners) {
    if (spec.port === 0) continue;
    const key = `${spec.protocol ?? spec.transport}:${spec.port}`;
    const other = seen.get(key);
    if (other) problems.push(`listeners.${spec.name}.port: ${spec.port} is already used by listener "${other}" of the same protocol`);
    else seen.set(key, spec.name);
  }
}
