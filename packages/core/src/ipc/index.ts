/**
 * Room `ipc`: the typed channel between the supervisor and a worker (one
 * message table, requests with ids and timeouts, handles riding along) and
 * the environment a worker is started with.
 */
export * from './channel';
export * from './worker-env';
