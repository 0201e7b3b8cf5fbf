/**
 * Room `fleet`: this host among others. The fleet API, this host as a fleet
 * sees it (LocalHost), the embedded fleet (this host alone), the interface a
 * fleet backend implements (FleetBackend: @shoal/redis, loaded only with a
 * `redis` section), and the service hub that serves workers' store and
 * broadcast requests. Given a narrow FleetHost view of the supervisor where
 * the process starts.
 */
export { EmbeddedFleet } from './embedded-fleet';
export { LocalHost } from './local-host';
export type { Fleet, FleetBackend, FleetContext, FleetHost, FleetPart, FleetReloadOptions, FleetReloadResult } from './fleet';
export { ServiceHub } from './service-hub';
export type { ServiceWorker } from './service-hub';
