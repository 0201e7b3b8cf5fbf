/**
 * Room `config`: what a service is configured with. Options and their one
 * validation (zod schemas, problems named by field path), config files with
 * environment and flag overrides, the Node version check, the app's code
 * version, the `redis`, `offload` and `watchdog` sections, and the optional packages a
 * configuration names (transports, @shoal/redis), loaded only when it does.
 */
export * from './code-version';
export * from './config-file';
export * from './node-version';
export * from './offload-options';
export * from './watchdog-options';
export * from './optional-packages';
export * from './options';
export * from './redis-options';
export * from './worker-config';
