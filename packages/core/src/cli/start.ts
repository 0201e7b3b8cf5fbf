import { dirname, resolve } from 'node:path';
import { REDIS_PACKAGE, assertNodeVersion, loadConfig, loadRedisPackage } from '../config';
import type { ConfigFlags, LoadedConfig } from '../config';
import { ERR_CONFIG_CHANGED } from '../errors';
import type { ListenerSpec } from '../transport';
import type { FleetBackend } from '../fleet';
import type { WorkerServicesBackend } from '../services';
import { controlSocketPath } from '../control';
import { superviseUntilStopped } from '../run';
import { composeSupervisor } from '../compose';
import { WORKER_ENV } from '../ipc';
import { UsageError } from './usage';

/** Set by `shoal start` for its workers: the listeners it holds sockets for. */
const LISTENERS_ENV = 'SHOAL_CLI_LISTENERS';

export interface StartFlags extends ConfigFlags {
  check?: boolean;
}

/**
 * The config and app a `shoal start` command line means (the supervisor and
 * its workers compute it alike), and where @shoal/redis is looked for: the
 * app's directory first (the app named on the command line included).
 */
export async function resolveStart(appArgument: string | undefined, flags: StartFlags): Promise<{ loaded: LoadedConfig; app: string; packageDirs: readonly string[] }> {
  const loaded = await loadConfig(flags);
  const app = appArgument ? resolve(appArgument) : loaded.app;
  if (!app) throw new UsageError('no application: give its compiled module (shoal start dist/app.module.js) or set "app" in the config file');
  return { loaded, app, packageDirs: [...new Set([dirname(app), ...loaded.packageDirs])] };
}

function listenersKey(listeners: readonly ListenerSpec[]): string {
  return JSON.stringify(listeners.map(({ name, transport, host, port, options }) => ({ name, transport, host, port, options })));
}

/** `shoal start --check`: everything a start would check, then a summary; nothing is started. */
export async function checkStart(appArgument: string | undefined, flags: StartFlags): Promise<string> {
  assertNodeVersion();
  const { loaded, app, packageDirs } = await resolveStart(appArgument, flags);
  const { options } = loaded;
  // What the supervisor and the workers would load for the redis section (nothing without it).
  if (options.redis) loadRedisPackage<FleetBackend & WorkerServicesBackend>(packageDirs, ['createFleet', 'createWorkerServices']);
  // The app room loads Nest: only a worker (or this check) pays for it, never the supervisor.
  const { loadAppModule } = await import('../app');
  const module = loadAppModule(app);
  const listeners = options.listeners.map((l) => `${l.name} (${l.transport} ${l.host}:${l.port})`).join(', ');
  return [
    `configuration OK${loaded.file ? ` (${loaded.file})` : ''}`,
    `  app:       ${app} (module ${module.name})`,
    `  workers:   ${options.workers}`,
    `  listeners: ${listeners}`,
    `  admin:     ${options.admin ? `http://${options.admin.host}:${options.admin.port}` : 'off'}`,
    `  control:   ${options.control ? controlSocketPath(options.name, options.control.path) : 'off'}`,
    `  fleet:     ${options.redis ? `redis ${redactUrl(options.redis.url)} (${REDIS_PACKAGE})` : 'this host alone (no redis section)'}`,
  ].join('\n');
}

/** A Redis URL without its password, to print. */
function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** `shoal start`: the supervisor, in the foreground. Its workers run worker-main.js with the same command line. */
export async function startSupervisor(appArgument: string | undefined, flags: StartFlags, argv: readonly string[]): Promise<void> {
  assertNodeVersion();
  const { loaded, app, packageDirs } = await resolveStart(appArgument, flags);
  // Workers re-read the config (so it needs no serialising) and must find the same listeners.
  process.env[LISTENERS_ENV] = listenersKey(loaded.options.listeners);
  process.env[WORKER_ENV.appFile] = app;
  const supervisor = composeSupervisor(loaded.options, { file: resolve(__dirname, 'worker-main.js'), args: [...argv], execArgv: process.execArgv }, { packageDirs });
  await superviseUntilStopped(supervisor);
}

/** In a worker: the same resolution as the supervisor's, then the app. */
export async function startWorker(appArgument: string | undefined, flags: StartFlags): Promise<void> {
  const { loaded, app, packageDirs } = await resolveStart(appArgument, flags);
  const expected = process.env[LISTENERS_ENV];
  if (expected !== undefined && expected !== listenersKey(loaded.options.listeners)) {
    throw new ERR_CONFIG_CHANGED(`${loaded.file ?? 'environment'} now declares other listeners than at start`);
  }
  const { runWorker } = await import('../worker');
  const { loadAppModule } = await import('../app');
  await runWorker(loadAppModule(app), loaded.transports, loaded.options, packageDirs);
}
