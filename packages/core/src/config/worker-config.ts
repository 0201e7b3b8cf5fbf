/**
 * What `shoal start` sends each worker as its first IPC message: the
 * configuration the supervisor resolved and validated, and where the
 * transports come from. A worker then neither reads nor compiles the config
 * file again, nor loads the validator.
 */
import { isDeepStrictEqual } from 'node:util';
import { deepFreeze } from '@shoal/common';
import type { Transport } from '../transport';
import { transportsFromModules } from './config-file';
import type { LoadedConfig } from './config-file';
import { fdPassingOf } from './options';
import type { ResolvedOptions } from './options';

export interface WorkerConfig {
  /** The resolved options, as JSON (without fdPassing, which the transports bring). */
  readonly options: Omit<ResolvedOptions, 'fdPassing'>;
  /** Modules exporting shoalTransports(), by absolute path. */
  readonly transportModules: readonly string[];
  /** The application file. */
  readonly app: string;
  /** Where optional packages (@shoal/redis) are looked for. */
  readonly packageDirs: readonly string[];
}

/**
 * The worker's configuration, or null when it cannot travel as JSON (a
 * config file that lists its own transport objects, or options JSON would
 * change): such workers read the config file themselves.
 */
export function toWorkerConfig(loaded: LoadedConfig, app: string, packageDirs: readonly string[]): WorkerConfig | null {
  if (loaded.transportModules === null) return null;
  const { fdPassing: _fdPassing, ...options } = loaded.options;
  const json = JSON.parse(JSON.stringify(options)) as WorkerConfig['options'];
  if (!isDeepStrictEqual(json, options)) return null;
  return { options: json, transportModules: loaded.transportModules, app, packageDirs: [...packageDirs] };
}

/** In the worker: the options and transports again (fdPassing from the transports, as resolveOptions sets it). */
export function fromWorkerConfig(config: WorkerConfig): { options: ResolvedOptions; transports: readonly Transport[] } {
  const transports = transportsFromModules(config.transportModules);
  const fdPassing = fdPassingOf(config.options.listeners, transports);
  const options: ResolvedOptions = { ...config.options, ...(fdPassing ? { fdPassing } : {}) };
  return { options: deepFreeze(options), transports };
}
