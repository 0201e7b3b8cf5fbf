/**
 * Room `worker`: the worker runtime. Boots the app's Nest module, opens or
 * adopts the slot's listeners, reports ready, answers the supervisor, drains.
 */
export * from './worker-services';
export * from './worker';
