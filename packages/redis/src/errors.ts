/**
 * Every failure of @shoal/redis, one code each, with a message that says
 * what to do. docs/errors.md lists them (a test checks it). The store,
 * broadcast and fleet-reload codes it raises are @shoal/core's (ShoalStore,
 * ShoalBroadcast and the fleet API are core's, whatever their backend).
 */
import { defineError } from '@shoal/common';

export const ERR_REDIS_UNAVAILABLE = defineError(
  'SHOAL_ERR_REDIS_UNAVAILABLE',
  (operation: string, state: string) =>
    `${operation} needs Redis, which is not reachable now (connection ${state}); the host keeps serving and ` +
    `Shoal reconnects on its own. Retry later, and check that Redis at redis.url is up.`,
);
