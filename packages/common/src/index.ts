/**
 * @shoal/common: the error model, the option validation and the lazy native-addon loader that every Shoal
 * package shares (core, transports, @shoal/sctp, @shoal/redis). It has no
 * runtime dependencies, so @shoal/sctp stays usable without Shoal.
 */
export * from './errors';
export * from './options';
export * from './native-addon';
