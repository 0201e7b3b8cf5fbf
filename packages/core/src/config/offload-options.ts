/**
 * The `offload` section: a pool of worker threads (piscina) in each worker
 * process, for CPU-heavy functions exported by one module file.
 */
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { parseSection } from '@shoal/common';

export interface OffloadOptions {
  /** The file (absolute, or relative to the working directory) whose exported functions are the tasks. */
  module?: string;
  /** Threads per worker process; default: cores / workers, at least 1. */
  threads?: number;
  /** Tasks that may wait for a thread; one more is refused with SHOAL_ERR_OFFLOAD_QUEUE_FULL. Default: 16 per thread. */
  maxQueue?: number;
  /** The Retry-After (seconds) a busy answer suggests. */
  retryAfterSeconds?: number;
}

export interface ResolvedOffloadOptions {
  /** Absolute path; null when offload is not configured. */
  readonly module: string | null;
  readonly threads: number;
  readonly maxQueue: number;
  readonly retryAfterSeconds: number;
}

/** Threads per worker when not configured: the cores shared out between the workers. */
export function defaultOffloadThreads(workers: number, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / workers));
}

/** Validates the `offload` section and fills in its defaults (which depend on the number of workers). */
export function resolveOffloadSection(input: unknown, workers: number, problems: string[]): ResolvedOffloadOptions {
  // The schema loads with the first validation (see options.ts).
  const { offloadSchema } = require('./schema') as typeof import('./schema');
  const parsed = input === undefined ? {} : parseSection(offloadSchema(), 'offload', input, problems) ?? {};
  const threads = parsed.threads ?? defaultOffloadThreads(workers);
  const module = parsed.module === undefined ? null : isAbsolute(parsed.module) ? parsed.module : resolve(parsed.module);
  return Object.freeze({ module, threads, maxQueue: parsed.maxQueue ?? threads * 16, retryAfterSeconds: parsed.retryAfterSeconds ?? 1 });
}
