/**
 * Room `supervisor`: the supervisor (never runs app code, never accepts a
 * connection), its slots that hold each worker's sockets, worker processes,
 * rolling reload and scaling. Admin, control and fleet are parts given to it
 * where the process starts (compose.ts).
 */
export * from './rolling-reload';
export * from './scaling';
export * from './slot';
export * from './supervisor';
export * from './worker-process';
