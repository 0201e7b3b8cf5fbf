/**
 * Room `services`: what applications inject besides metrics: ShoalStore,
 * ShoalBroadcast and ShoalOffload, with their backends (the supervisor over
 * IPC, or Redis).
 */
export * from './broadcast';
export * from './offload';
export * from './redis-client';
export * from './store';
