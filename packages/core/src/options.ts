import { availableParallelism } from 'node:os';
import { ERR_CONFIG_INVALID, ERR_TRANSPORT_UNKNOWN } from './errors';
import type { LogLevel } from './logger';
import type { FdPassing, ListenerSpec, Transport } from './transport';

/** A listener as the user declares it. */
export interface ListenerOptions {
  transport: string;
  /** Address to bind; default 0.0.0.0. */
  host?: string;
  /** Port to bind; 0 lets the kernel choose once, and every slot then shares that port. */
  port: number;
  /** Transport-specific options (see the transport's README). */
  options?: Record<string, unknown>;
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

/** What `run()` and `new Supervisor()` accept. */
export interface ShoalOptions {
  /** Worker processes (slots); default: the number of cores. */
  workers?: number;
  listeners: Record<string, ListenerOptions>;
  /** Where /metrics, /healthz and /readyz are served; `false` turns it off. */
  admin?: Partial<AdminOptions> | false;
  restart?: Partial<RestartOptions>;
  /** How long a stopping or replaced worker may take to finish its work. */
  drainTimeoutMs?: number;
  /** How many slots a rolling reload replaces at once. */
  reloadSurge?: number;
  /** How long a new worker may take to boot and report ready. */
  readyTimeoutMs?: number;
  /** Timeout of every supervisor/worker request. */
  ipcTimeoutMs?: number;
  /** How often the supervisor keeps a copy of each worker's counters (see metrics-aggregator.ts). */
  metricsSnapshotIntervalMs?: number;
  logLevel?: LogLevel;
}

export interface ResolvedOptions {
  readonly workers: number;
  readonly listeners: readonly ListenerSpec[];
  readonly admin: Readonly<AdminOptions> | null;
  readonly restart: Readonly<RestartOptions>;
  readonly drainTimeoutMs: number;
  readonly reloadSurge: number;
  readonly readyTimeoutMs: number;
  readonly ipcTimeoutMs: number;
  readonly metricsSnapshotIntervalMs: number;
  readonly logLevel: LogLevel;
  /** How descriptors that Node's IPC cannot carry travel, when a listener's transport has such sockets. */
  readonly fdPassing?: FdPassing;
}

export const DEFAULT_OPTIONS = Object.freeze({
  workers: availableParallelism(),
  admin: Object.freeze({ host: '127.0.0.1', port: 9464 }),
  restart: Object.freeze({ initialDelayMs: 100, maxDelayMs: 10_000, maxCrashes: 5, windowMs: 60_000 }),
  drainTimeoutMs: 30_000,
  reloadSurge: 1,
  readyTimeoutMs: 30_000,
  ipcTimeoutMs: 5_000,
  metricsSnapshotIntervalMs: 5_000,
  logLevel: 'info' as LogLevel,
  listenerHost: '0.0.0.0',
});

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const LISTENER_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,62}$/;
const TOP_LEVEL_KEYS = new Set([
  'workers', 'listeners', 'admin', 'restart', 'drainTimeoutMs', 'reloadSurge', 'readyTimeoutMs', 'ipcTimeoutMs',
  'metricsSnapshotIntervalMs', 'logLevel',
]);

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Collects problems, each naming its field path, instead of stopping at the first. */
class Problems {
  readonly list: string[] = [];

  add(path: string, expected: string, value: unknown): void {
    this.list.push(`${path} must be ${expected}, got ${describe(value)}`);
  }

  integer(path: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): value is number {
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return true;
    this.add(path, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`, value);
    return false;
  }

  host(path: string, value: unknown): value is string {
    if (typeof value === 'string' && value.length > 0 && !/\s/.test(value)) return true;
    this.add(path, 'a host name or IP address', value);
    return false;
  }

  unknownKeys(path: string, value: Record<string, unknown>, known: Iterable<string>): void {
    const allowed = new Set(known);
    for (const key of Object.keys(value)) {
      if (!allowed.has(key)) this.list.push(`${path}.${key} is not a known option (known: ${[...allowed].join(', ')})`);
    }
  }
}

/**
 * Validates the user's options against the registered transports, fills in
 * defaults and freezes the result. Every problem is reported at once, each
 * naming its field; the error's message lists them.
 */
export function resolveOptions(input: unknown, transports: readonly Transport[]): ResolvedOptions {
  const problems = new Problems();
  if (!isPlainObject(input)) throw new ERR_CONFIG_INVALID([`the configuration must be an object, got ${describe(input)}`]);
  problems.unknownKeys('config', input, TOP_LEVEL_KEYS);

  let workers: number = DEFAULT_OPTIONS.workers;
  if (input.workers !== undefined && problems.integer('workers', input.workers, 1, 1024)) workers = input.workers;

  const byName = new Map(transports.map((t) => [t.name, t]));
  const listeners: ListenerSpec[] = [];
  if (!isPlainObject(input.listeners)) {
    problems.add('listeners', 'an object of named listeners ({ echo: { transport, port } })', input.listeners);
  } else if (Object.keys(input.listeners).length === 0) {
    problems.list.push('listeners must declare at least one listener');
  } else {
    for (const [name, raw] of Object.entries(input.listeners)) {
      const path = `listeners.${name}`;
      if (!LISTENER_NAME.test(name)) problems.list.push(`${path}: a listener name must start with a letter and use letters, digits, _ . - (63 at most)`);
      if (!isPlainObject(raw)) {
        problems.add(path, 'an object { transport, host?, port, options? }', raw);
        continue;
      }
      problems.unknownKeys(path, raw, ['transport', 'host', 'port', 'options']);
      const transport = byName.get(raw.transport as string);
      if (typeof raw.transport !== 'string') {
        problems.add(`${path}.transport`, `one of ${[...byName.keys()].map((n) => `"${n}"`).join(', ')}`, raw.transport);
      } else if (!transport) {
        problems.list.push(`${path}.transport: ${new ERR_TRANSPORT_UNKNOWN(raw.transport, [...byName.keys()]).message}`);
      }
      const host = raw.host ?? DEFAULT_OPTIONS.listenerHost;
      const hostOk = problems.host(`${path}.host`, host);
      const portOk = problems.integer(`${path}.port`, raw.port, 0, 65535);
      let options: Readonly<Record<string, unknown>> = Object.freeze({});
      if (transport) {
        const result = transport.validateOptions(raw.options ?? {}, `${path}.options`);
        problems.list.push(...result.problems);
        options = result.options;
      }
      if (transport && hostOk && portOk) {
        listeners.push(
          Object.freeze({ name, transport: transport.name, protocol: transport.protocol ?? transport.name, host: host as string, port: raw.port as number, options }),
        );
      }
    }
  }

  let admin: AdminOptions | null = { ...DEFAULT_OPTIONS.admin };
  if (input.admin === false) {
    admin = null;
  } else if (input.admin !== undefined) {
    if (!isPlainObject(input.admin)) {
      problems.add('admin', 'an object { host, port } or false', input.admin);
    } else {
      problems.unknownKeys('admin', input.admin, ['host', 'port']);
      if (input.admin.host !== undefined && problems.host('admin.host', input.admin.host)) admin.host = input.admin.host;
      if (input.admin.port !== undefined && problems.integer('admin.port', input.admin.port, 0, 65535)) admin.port = input.admin.port;
    }
  }

  const restart: RestartOptions = { ...DEFAULT_OPTIONS.restart };
  if (input.restart !== undefined) {
    if (!isPlainObject(input.restart)) {
      problems.add('restart', 'an object { initialDelayMs, maxDelayMs, maxCrashes, windowMs }', input.restart);
    } else {
      problems.unknownKeys('restart', input.restart, Object.keys(restart));
      for (const key of Object.keys(restart) as (keyof RestartOptions)[]) {
        const value = input.restart[key];
        if (value !== undefined && problems.integer(`restart.${key}`, value, key === 'maxCrashes' ? 1 : 0)) restart[key] = value;
      }
      if (restart.maxDelayMs < restart.initialDelayMs) {
        problems.list.push(`restart.maxDelayMs (${restart.maxDelayMs}) must not be below restart.initialDelayMs (${restart.initialDelayMs})`);
      }
    }
  }

  const timing = (key: 'drainTimeoutMs' | 'readyTimeoutMs' | 'ipcTimeoutMs' | 'metricsSnapshotIntervalMs', min: number): number => {
    const value = input[key];
    return value !== undefined && problems.integer(key, value, min) ? value : DEFAULT_OPTIONS[key];
  };
  const drainTimeoutMs = timing('drainTimeoutMs', 0);
  let reloadSurge: number = DEFAULT_OPTIONS.reloadSurge;
  if (input.reloadSurge !== undefined && problems.integer('reloadSurge', input.reloadSurge, 1, workers)) reloadSurge = input.reloadSurge;
  const readyTimeoutMs = timing('readyTimeoutMs', 1);
  const ipcTimeoutMs = timing('ipcTimeoutMs', 1);
  const metricsSnapshotIntervalMs = timing('metricsSnapshotIntervalMs', 100);

  let logLevel = DEFAULT_OPTIONS.logLevel;
  if (input.logLevel !== undefined) {
    if (LOG_LEVELS.includes(input.logLevel as LogLevel)) logLevel = input.logLevel as LogLevel;
    else problems.add('logLevel', `one of ${LOG_LEVELS.join(', ')}`, input.logLevel);
  }

  checkPortConflicts(listeners, problems);
  if (problems.list.length > 0) throw new ERR_CONFIG_INVALID(problems.list);
  const fdPassing = listeners.map((spec) => byName.get(spec.transport)?.fdPassing).find((p) => p !== undefined);
  return Object.freeze({
    ...(fdPassing ? { fdPassing } : {}),
    workers,
    listeners: Object.freeze(listeners),
    admin: admin && Object.freeze(admin),
    restart: Object.freeze(restart),
    drainTimeoutMs,
    reloadSurge,
    readyTimeoutMs,
    ipcTimeoutMs,
    metricsSnapshotIntervalMs,
    logLevel,
  });
}

/** Two listeners of one socket family on the same address and port would join one reuseport group. */
function checkPortConflicts(listeners: readonly ListenerSpec[], problems: Problems): void {
  const seen = new Map<string, string>();
  for (const spec of listeners) {
    if (spec.port === 0) continue;
    const key = `${spec.protocol ?? spec.transport}:${spec.port}`;
    const other = seen.get(key);
    if (other) problems.list.push(`listeners.${spec.name}.port: ${spec.port} is already used by listener "${other}" of the same protocol`);
    else seen.set(key, spec.name);
  }
}
