/**
 * Room `worker`: the worker runtime. Boots the app's Nest module, finds its
 * handlers (with Nest's enhancers where they have some), opens or adopts the
 * slot's listeners, reports ready, answers the supervisor, drains.
 */
export * from './worker-services';
export * from './worker';
export { checkBindings, discoverHandlers } from './discovery';
