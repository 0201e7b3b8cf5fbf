/**
 * `shoal start` reads its configuration in a short-lived child process (see
 * config-child-main.ts) and gets it back as JSON, validated. A config that
 * JSON cannot carry (one that lists its own transport objects) is read here
 * instead, as before.
 */
import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { ShoalError } from '../errors';
import { fromWorkerConfig } from '../config';
import type { WorkerConfig } from '../config';
import type { SerializedError } from '../ipc';
import type { ResolvedStart, StartFlags } from './start-config';
import { UsageError } from './usage';

export interface ConfigChildRequest {
  app: string | undefined;
  flags: StartFlags;
}

export type ConfigChildReply =
  | { ok: true; worker: WorkerConfig | null; file: string | null }
  | { ok: false; usage: boolean; error: SerializedError };

export interface StartConfig extends ResolvedStart {
  /** What each worker gets as its configuration (null: workers read the config file themselves). */
  worker: WorkerConfig | null;
}

/** Reads, validates and resolves the configuration of `shoal start` in a child process. */
export async function readStartConfig(app: string | undefined, flags: StartFlags, inProcess: () => Promise<ResolvedStart>): Promise<StartConfig> {
  const reply = await askChild({ app, flags });
  if (!reply.ok) {
    if (reply.usage) throw new UsageError(reply.error.message);
    throw new ShoalError(reply.error.code, reply.error.message);
  }
  if (reply.worker === null) {
    const here = await inProcess();
    return { ...here, worker: null };
  }
  const { options, transports } = fromWorkerConfig(reply.worker);
  return {
    loaded: {
      options,
      transports,
      file: reply.file,
      app: reply.worker.app,
      transportModules: [...reply.worker.transportModules],
      packageDirs: reply.worker.packageDirs,
    },
    app: reply.worker.app,
    packageDirs: reply.worker.packageDirs,
    worker: reply.worker,
  };
}

function askChild(request: ConfigChildRequest): Promise<ConfigChildReply> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(resolve(__dirname, 'config-child-main.js'), [JSON.stringify(request)], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    let reply: ConfigChildReply | undefined;
    child.once('message', (message) => (reply = message as ConfigChildReply));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (reply) resolvePromise(reply);
      else reject(new Error(`the configuration reader exited (${signal ?? `code ${code}`}) without an answer`));
    });
  });
}
