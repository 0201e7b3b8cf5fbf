/**
 * Room `services`: what applications inject besides metrics: ShoalStore,
 * ShoalBroadcast and ShoalOffload, with their backends over the supervisor's
 * IPC, and the interface a shared backend (@shoal/redis) implements.
 */
export * from './broadcast';
export * from './offload';
export * from './shared-services';
export * from './store';
