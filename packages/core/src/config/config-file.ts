/**
 * Configuration as `shoal start` builds it: a config file (shoal.config.ts,
 * .js or .json), then environment variables, then command-line flags, each
 * overriding the one before; then one validation (options.ts) whose problems
 * say which variable or flag set a wrong value.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ERR_CONFIG_FILE, ERR_CONFIG_INVALID, ShoalError } from '../errors';
import { packageDirs } from './optional-packages';
import { resolveOptions } from './options';
import type { ResolvedOptions, ShoalOptions } from './options';
import type { Transport } from '../transport';

/** What a config file exports (default export, or `module.exports`). */
export interface ShoalConfig extends ShoalOptions {
  /** The application (a compiled module exporting the Nest module), relative to the config file. */
  app?: string;
  /** Transports; default: loaded from the @shoal/transport-* packages the listeners name. */
  transports?: readonly Transport[];
}

/** Gives a config file its types: `export default defineConfig({ ... })`. */
export function defineConfig(config: ShoalConfig): ShoalConfig {
  return config;
}

export const CONFIG_FILE_NAMES = ['shoal.config.ts', 'shoal.config.mts', 'shoal.config.js', 'shoal.config.cjs', 'shoal.config.mjs', 'shoal.config.json'];

/** Settings given on the command line (`shoal start` flags); each wins over file and environment. */
export interface ConfigFlags {
  config?: string;
  workers?: string;
  admin?: string;
  name?: string;
  socket?: string;
  logLevel?: string;
  logFormat?: string;
  shutdownDelayMs?: string;
}

export interface LoadedConfig {
  options: ResolvedOptions;
  transports: readonly Transport[];
  /** The config file used, if any. */
  file: string | null;
  /** The application file from the config (resolved), if it names one. */
  app: string | null;
  /** The modules (absolute paths) the transports were loaded from; null when the config file lists its own. */
  transportModules: string[] | null;
  /** Where optional packages (transports, @shoal/redis) are looked for: the app's, the config file's and the working directory. */
  packageDirs: readonly string[];
}

/** Package that provides each built-in transport name; others are looked up as @shoal/transport-<name>. */
const TRANSPORT_PACKAGES: Record<string, string> = {
  tcp: '@shoal/transport-tcp',
  udp: '@shoal/transport-tcp',
  http: '@shoal/transport-tcp',
  sctp: '@shoal/transport-sctp',
};

/** The config file to use: the one named, or the first shoal.config.* in `cwd`, or none. */
export function findConfigFile(named: string | undefined, cwd = process.cwd()): string | null {
  if (named) {
    const file = resolve(cwd, named);
    if (!existsSync(file)) throw new ERR_CONFIG_FILE(file, 'no such file');
    return file;
  }
  for (const name of CONFIG_FILE_NAMES) {
    const file = resolve(cwd, name);
    if (existsSync(file)) return file;
  }
  return null;
}

/** Reads a config file; .ts files are compiled on the fly (jiti), .json is parsed. */
export async function readConfigFile(file: string): Promise<ShoalConfig> {
  let value: unknown;
  try {
    if (file.endsWith('.json')) {
      value = JSON.parse(readFileSync(file, 'utf8'));
    } else {
      const { createJiti } = await import('jiti');
      const jiti = createJiti(__filename, { interopDefault: true, moduleCache: false, fsCache: false });
      value = await jiti.import(file, { default: true });
    }
    if (typeof value === 'function') value = await (value as () => unknown)();
  } catch (error) {
    throw new ERR_CONFIG_FILE(file, (error as Error).message.split('\n')[0], { cause: error });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ERR_CONFIG_FILE(file, 'it must export an object (export default defineConfig({ ... }))');
  }
  return value as ShoalConfig;
}

type Origins = Map<string, string>;

/** Numbers from the environment and flags are strings; the schema's message names what is expected. */
function numberOrText(text: string): number | string {
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

function parseAddress(text: string): { host: string; port: number | string } | false | string {
  if (text === 'off' || text === 'false') return false;
  const match = /^(.+):([^:]+)$/.exec(text);
  if (!match) return text;
  return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port: numberOrText(match[2]) };
}

/** The settings an environment variable or a flag may override, and how their text becomes a value. */
const OVERRIDES: Record<keyof Omit<ConfigFlags, 'config'>, { field: string; env: string; flag: string; parse: (text: string) => unknown }> = {
  workers: { field: 'workers', env: 'SHOAL_WORKERS', flag: '--workers', parse: numberOrText },
  admin: { field: 'admin', env: 'SHOAL_ADMIN', flag: '--admin', parse: parseAddress },
  name: { field: 'name', env: 'SHOAL_NAME', flag: '--name', parse: (text) => text },
  socket: { field: 'control', env: 'SHOAL_CONTROL_SOCKET', flag: '--socket', parse: (text) => ({ path: resolve(text) }) },
  logLevel: { field: 'logLevel', env: 'SHOAL_LOG_LEVEL', flag: '--log-level', parse: (text) => text },
  logFormat: { field: 'logFormat', env: 'SHOAL_LOG_FORMAT', flag: '--log-format', parse: (text) => text },
  shutdownDelayMs: { field: 'shutdownDelayMs', env: 'SHOAL_SHUTDOWN_DELAY_MS', flag: '--shutdown-delay-ms', parse: numberOrText },
};

/** Environment and flags on top of the file's settings, remembering who set what (for error messages). */
export function applyOverrides(base: ShoalConfig, env: NodeJS.ProcessEnv, flags: ConfigFlags): { config: ShoalConfig; origins: Origins } {
  const config: Record<string, unknown> = { ...base, listeners: cloneListeners(base.listeners) };
  const origins: Origins = new Map();
  for (const { field, env: variable, parse } of Object.values(OVERRIDES)) {
    if (!env[variable]) continue;
    config[field] = parse(env[variable]);
    origins.set(field, variable);
  }
  applyEnvOnly(config, env, origins);
  for (const [key, { field, flag, parse }] of Object.entries(OVERRIDES)) {
    const text = flags[key as keyof ConfigFlags];
    if (text === undefined) continue;
    config[field] = parse(text);
    origins.set(field, flag);
  }
  return { config: config as unknown as ShoalConfig, origins };
}

/** Settings only the environment carries: drain timeout and per-listener host/port. */
function applyEnvOnly(config: Record<string, unknown>, env: NodeJS.ProcessEnv, origins: Origins): void {
  if (env.SHOAL_DRAIN_TIMEOUT_MS) {
    config.drainTimeoutMs = numberOrText(env.SHOAL_DRAIN_TIMEOUT_MS);
    origins.set('drainTimeoutMs', 'SHOAL_DRAIN_TIMEOUT_MS');
  }
  const listeners = config.listeners as Record<string, Record<string, unknown>> | undefined;
  if (!listeners || typeof listeners !== 'object') return;
  for (const [name, listener] of Object.entries(listeners)) {
    if (!listener || typeof listener !== 'object') continue;
    const prefix = `SHOAL_LISTENER_${envKey(name)}_`;
    if (env[`${prefix}PORT`]) {
      listener.port = numberOrText(env[`${prefix}PORT`]!);
      origins.set(`listeners.${name}.port`, `${prefix}PORT`);
    }
    if (env[`${prefix}HOST`]) {
      listener.host = env[`${prefix}HOST`];
      origins.set(`listeners.${name}.host`, `${prefix}HOST`);
    }
  }
}

/** A listener's name as it appears in environment variables: SHOAL_LISTENER_<NAME>_PORT. */
export function envKey(listener: string): string {
  return listener.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

function cloneListeners(listeners: unknown): unknown {
  if (!listeners || typeof listeners !== 'object') return listeners;
  return Object.fromEntries(Object.entries(listeners).map(([name, l]) => [name, l && typeof l === 'object' ? { ...l } : l]));
}

/** Adds "(set by SHOAL_WORKERS)" to the problems about a field that an environment variable or flag set. */
function withOrigins(error: ShoalError, origins: Origins): ShoalError {
  if (origins.size === 0) return error;
  const lines = error.message.split('\n').map((line) => {
    const match = /^ {2}- ([A-Za-z0-9_.-]+)/.exec(line);
    if (!match) return line;
    for (const [field, origin] of origins) {
      if (match[1] === field || match[1].startsWith(`${field}.`)) return `${line} (set by ${origin})`;
    }
    return line;
  });
  return new ShoalError(error.code, lines.join('\n'), { cause: error });
}

/**
 * Loads the transports the listeners name from their packages (resolved from
 * the app's or config's directory first), and says where each package was
 * found (null: the config file lists its own transports).
 */
export function loadTransportModules(config: ShoalConfig, fromDirs: readonly string[]): { transports: readonly Transport[]; modules: string[] | null } {
  if (config.transports) return { transports: config.transports, modules: null };
  const names = new Set<string>();
  for (const listener of Object.values(config.listeners ?? {})) {
    if (listener && typeof listener.transport === 'string') names.add(listener.transport);
  }
  const packages = new Set([...names].map((name) => TRANSPORT_PACKAGES[name] ?? `@shoal/transport-${name}`));
  const transports: Transport[] = [];
  const modules: string[] = [];
  for (const pkg of packages) {
    const path = resolveFrom(pkg, fromDirs);
    // A missing package surfaces as "no transport named ... is registered" from the validation, which lists the known ones.
    if (path === undefined) continue;
    const loaded = require(path) as { shoalTransports?: () => Transport[] };
    if (!loaded.shoalTransports) continue;
    transports.push(...loaded.shoalTransports());
    modules.push(path);
  }
  return { transports, modules };
}

/** Transports from modules loadTransportModules() found (in a worker, which gets their paths). */
export function transportsFromModules(modules: readonly string[]): Transport[] {
  return modules.flatMap((path) => (require(path) as { shoalTransports: () => Transport[] }).shoalTransports());
}

function resolveFrom(pkg: string, dirs: readonly string[]): string | undefined {
  for (const dir of [...dirs, __dirname]) {
    try {
      return createRequire(resolve(dir, 'noop.js')).resolve(pkg);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  return undefined;
}

/**
 * File, then environment, then flags; validated once. `appFile`: the
 * application named on the command line, whose directory is searched first
 * for transport packages (as the config's own `app` is).
 */
export async function loadConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), appFile?: string): Promise<LoadedConfig> {
  const file = findConfigFile(flags.config ?? env.SHOAL_CONFIG, cwd);
  const base: ShoalConfig = file ? await readConfigFile(file) : ({ listeners: undefined } as unknown as ShoalConfig);
  const { config, origins } = applyOverrides(base, env, flags);
  const app = base.app ? (isAbsolute(base.app) ? base.app : resolve(dirname(file!), base.app)) : null;
  const dirs = appFile ? [...new Set([dirname(appFile), ...packageDirs(app, file, cwd)])] : packageDirs(app, file, cwd);
  const { transports, modules } = loadTransportModules(config, dirs);
  const { app: _app, transports: _transports, ...options } = config;
  if (!file && options.listeners === undefined) {
    throw new ERR_CONFIG_INVALID([`no configuration file: none of ${CONFIG_FILE_NAMES.join(', ')} in ${cwd}; give one with --config`]);
  }
  try {
    return { options: resolveOptions(options, transports), transports, file, app, transportModules: modules, packageDirs: dirs };
  } catch (error) {
    throw error instanceof ShoalError ? withOrigins(error, origins) : error;
  }
}
