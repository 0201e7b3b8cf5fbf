import { resolve } from 'node:path';
import { REDIS_PACKAGE, assertNodeVersion, fromWorkerConfig, loadRedisPackage } from '../config';
import type { ResolvedOptions, WorkerConfig } from '../config';
import { ERR_CONFIG_CHANGED } from '../errors';
import type { FleetBackend } from '../fleet';
import type { WorkerServicesBackend } from '../services';
import type { Transport } from '../transport';
import { controlSocketPath } from '../control';
import { superviseUntilStopped } from '../run';
import { composeSupervisor } from '../compose';
import { WORKER_ENV } from '../ipc';
import type { WorkerChannel } from '../ipc';
import { readStartConfig } from './isolated-config';
import type { StartConfig } from './isolated-config';
import { listenersKey, resolveStart } from './start-config';
import type { StartFlags } from './start-config';

export type { StartFlags } from './start-config';

/** Set by `shoal start` for its workers: the listeners it holds sockets for (listenersKey, a digest). */
const LISTENERS_ENV = 'SHOAL_CLI_LISTENERS';

/** `shoal start --check`: everything a start would check, then a summary; nothing is started. */
export async function checkStart(appArgument: string | undefined, flags: StartFlags): Promise<string> {
  assertNodeVersion();
  const { loaded, app, packageDirs } = await resolveStart(appArgument, flags);
  const { options } = loaded;
  // What the supervisor and the workers would load for the redis section (nothing without it).
  if (options.redis) loadRedisPackage<FleetBackend & WorkerServicesBackend>(packageDirs, ['createFleet', 'createWorkerServices']);
  // The app room's loader runs app code: only a worker (or this check) does that, never the supervisor.
  const { loadApp } = await import('../app');
  const { module } = loadApp(app);
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
  const read = (): Promise<StartConfig> => readStartConfig(appArgument, flags, () => resolveStart(appArgument, flags));
  let current = await read();
  const { app, packageDirs } = current;
  // For workers that must read the config file themselves (see toWorkerConfig): the listeners they must find.
  process.env[LISTENERS_ENV] = listenersKey(current.loaded.options.listeners);
  process.env[WORKER_ENV.appFile] = app;
  const entry = {
    file: resolve(__dirname, 'worker-main.js'),
    args: [...argv],
    execArgv: process.execArgv,
    // Each new worker gets the configuration as read at start or at the last reload.
    config: (): StartWorkerMessage => ({ worker: current.worker }),
  };
  const supervisor = composeSupervisor(current.loaded.options, entry, { packageDirs });
  supervisor.use({
    // A reload reads the config file again: new options reach the new workers; other listeners are refused.
    beforeReload: async () => {
      const next = await read();
      if (listenersKey(next.loaded.options.listeners) !== listenersKey(current.loaded.options.listeners)) {
        throw new ERR_CONFIG_CHANGED(`${next.loaded.file ?? 'environment'} now declares other listeners than at start`);
      }
      current = next;
    },
  });
  await superviseUntilStopped(supervisor);
}

/** The `configure` message of `shoal start`: null when the worker must read the config file itself. */
export interface StartWorkerMessage {
  worker: WorkerConfig | null;
}

/** In a worker: the configuration the supervisor sent, or (failing that) the same resolution as the supervisor's; then the app. */
export async function startWorker(appArgument: string | undefined, flags: StartFlags, channel: WorkerChannel): Promise<void> {
  const { config } = await channel.take('configure');
  const sent = (config as StartWorkerMessage | undefined)?.worker ?? null;
  let options: ResolvedOptions;
  let transports: readonly Transport[];
  let app: string;
  let packageDirs: readonly string[];
  if (sent) {
    ({ options, transports } = fromWorkerConfig(sent));
    ({ app, packageDirs } = sent);
  } else {
    const resolved = await resolveStart(appArgument, flags);
    const expected = process.env[LISTENERS_ENV];
    if (expected !== undefined && expected !== listenersKey(resolved.loaded.options.listeners)) {
      throw new ERR_CONFIG_CHANGED(`${resolved.loaded.file ?? 'environment'} now declares other listeners than at start`);
    }
    ({ options, transports } = resolved.loaded);
    ({ app, packageDirs } = resolved);
  }
  const { runWorker } = await import('../worker');
  const { loadApp } = await import('../app');
  await runWorker(loadApp(app), transports, options, packageDirs, channel);
}
