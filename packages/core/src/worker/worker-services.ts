/**
 * The injectables a worker gives the application besides ShoalMetrics:
 * ShoalStore, ShoalBroadcast and ShoalOffload. The store and broadcast go to
 * the supervisor over IPC; with a `redis` section, to the shared backend of
 * @shoal/redis, which is loaded (from the app's directories) only then.
 */
import type { INestApplicationContext } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { discoverBroadcastSubscribers } from './discovery';
import { loadRedisPackage } from '../config';
import type { ResolvedOptions } from '../config';
import type { Logger } from '../logger';
import { IpcBroadcastBackend, ShoalBroadcast, ShoalOffload, ShoalStore } from '../services';
import type { BroadcastHandler, SharedServices, StoreOperation, WorkerServicesBackend } from '../services';

/** What the worker runtime's IPC offers these services. */
export interface WorkerServiceChannel {
  store(operation: StoreOperation): Promise<string | number | boolean | null>;
  broadcast(channel: string, message: unknown): Promise<void>;
}

export class WorkerServices {
  readonly store: ShoalStore;
  readonly broadcast: ShoalBroadcast;
  readonly offload: ShoalOffload;
  /** The shared backend, with a `redis` section. */
  private readonly shared: SharedServices | undefined;

  /** `packageDirs`: where @shoal/redis is looked for (the app's directories). */
  constructor(options: ResolvedOptions, channel: WorkerServiceChannel, registry: Registry, private readonly logger: Logger, packageDirs: readonly string[], slot: number) {
    this.offload = new ShoalOffload(options.offload, registry, logger.child({ component: 'offload' }));
    if (!options.redis) {
      this.store = new ShoalStore({ execute: (operation) => channel.store(operation) });
      this.broadcast = new ShoalBroadcast(new IpcBroadcastBackend((c, m) => channel.broadcast(c, m)), logger);
      return;
    }
    const backend = loadRedisPackage<WorkerServicesBackend>(packageDirs, ['createWorkerServices']);
    const shared: SharedServices = backend.createWorkerServices(options.redis, {
      registry,
      logger,
      slot,
      deliver: (c, m) => broadcast.deliver(c, m),
    });
    const broadcast = new ShoalBroadcast(shared.broadcast, logger);
    this.shared = shared;
    this.store = new ShoalStore(shared.store);
    this.broadcast = broadcast;
  }

  /** After the app's module is built: binds @OnBroadcast methods, and waits (briefly) for the shared backend. */
  async start(app: INestApplicationContext, waitMs: number): Promise<void> {
    for (const { channel, fn } of discoverBroadcastSubscribers(app)) this.broadcast.subscribe(channel, fn as BroadcastHandler);
    if (this.shared && !(await this.shared.waitUntilReady(waitMs))) {
      this.logger.warn('redis is not reachable yet; the worker serves, and the store and broadcast fail until it is');
    }
    await Promise.race([this.broadcast.listeningAll(), new Promise((resolve) => setTimeout(resolve, waitMs).unref())]);
  }

  /** Last, after the app's shutdown hooks (which may still use the store). */
  async closeConnections(): Promise<void> {
    await this.shared?.close();
  }
}
