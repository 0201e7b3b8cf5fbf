/**
 * @shoal/common: the error model and the option validation that every Shoal
 * package shares (core, transports, @shoal/sctp, @shoal/redis). It has no
 * runtime dependencies, so @shoal/sctp stays usable without Shoal.
 */
export * from './errors';
export * from './options';
