/**
 * Where a worker's ShoalStore and ShoalBroadcast go when the configuration
 * has a `redis` section: not to the supervisor but to a backend that every
 * host shares. @shoal/redis implements WorkerServicesBackend; the worker
 * loads it only then.
 */
import type { Registry } from 'prom-client';
import type { ResolvedRedisOptions } from '../config';
import type { Logger } from '../logger';
import type { BroadcastBackend } from './broadcast';
import type { StoreBackend } from './store';

/** What a worker gives the backend. */
export interface WorkerServicesContext {
  /** The worker's registry: the backend's metrics go there (aggregated by the supervisor). */
  readonly registry: Registry;
  readonly logger: Logger;
  /** This worker's slot, to name its connections. */
  readonly slot: number;
  /** Hands a broadcast message that arrived for this worker to its subscribers. */
  deliver(channel: string, message: unknown): void;
}

/** The store and broadcast of one worker, on the shared backend. */
export interface SharedServices {
  readonly store: StoreBackend;
  readonly broadcast: BroadcastBackend;
  /** Resolves true once the backend is reachable, false after `timeoutMs`; never rejects (a worker serves without it). */
  waitUntilReady(timeoutMs: number): Promise<boolean>;
  /** Last, after the app's shutdown hooks (which may still use the store). */
  close(): Promise<void>;
}

/** The worker's side of a package that shares the store and broadcast between hosts (@shoal/redis exports `createWorkerServices`). */
export interface WorkerServicesBackend {
  createWorkerServices(options: ResolvedRedisOptions, context: WorkerServicesContext): SharedServices;
}
