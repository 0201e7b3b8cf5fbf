/**
 * Room `fleet`: this host among others. Membership and the fleet reload
 * (EmbeddedFleet: this host alone; RedisFleet: every host on one Redis), and
 * the service hub that serves workers' store and broadcast requests. Given a
 * narrow FleetHost view of the supervisor where the process starts.
 */
export { EmbeddedFleet, RedisFleet } from './fleet';
export type { Fleet, FleetHost, FleetReloadOptions } from './fleet';
export { ServiceHub } from './service-hub';
export type { ServiceWorker } from './service-hub';
