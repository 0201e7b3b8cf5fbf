/**
 * @shoal/redis: Shoal's fleet, store and broadcast over Redis. @shoal/core
 * loads this package (by name, from the app's directories) only when the
 * configuration has a `redis` section: `createFleet` in the supervisor
 * (core's FleetBackend), `createWorkerServices` in each worker (core's
 * WorkerServicesBackend). Without that section neither it nor ioredis is
 * loaded. The section itself is validated by core (docs/fleet.md).
 */
import type { FleetBackend, WorkerServicesBackend } from '@shoal/core';
import { RedisFleet } from './redis-fleet';
import { createWorkerServices as createServices } from './worker-services';

export * from './errors';

/** The supervisor's fleet: every host on the same Redis and key prefix. */
export const createFleet: FleetBackend['createFleet'] = (options, context) => new RedisFleet(options, context);

/** A worker's ShoalStore and ShoalBroadcast backends, on Redis. */
export const createWorkerServices: WorkerServicesBackend['createWorkerServices'] = createServices;
