/**
 * ShoalStore's backend in Redis: every worker of every host shares it, under
 * `<keyPrefix>:store:`. `increment` is INCRBY plus PEXPIRE in one Lua script,
 * so it is atomic fleet-wide.
 */
import { ERR_STORE_NOT_A_NUMBER } from '@shoal/core';
import type { StoreBackend, StoreOperation } from '@shoal/core';
import type { RedisConnection } from './redis-client';

/** INCRBY, then an expiry when the key has none: atomic in Redis. */
const INCREMENT_SCRIPT = `
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 and redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v`;

export class RedisStore implements StoreBackend {
  /** `onError` counts a failed operation (`store_get`, `store_set`, ...). */
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    private readonly onError: (op: string) => void,
  ) {}

  async execute(operation: StoreOperation): Promise<string | number | boolean | null> {
    const key = `${this.prefix}:store:${operation.key}`;
    const client = this.redis.client;
    try {
      this.redis.requireUp(`store ${operation.op}`);
      switch (operation.op) {
        case 'get':
          return await client.get(key);
        case 'set':
          if (operation.ttlMs) await client.set(key, operation.value, 'PX', operation.ttlMs);
          else await client.set(key, operation.value);
          return true;
        case 'delete':
          return (await client.del(key)) > 0;
        case 'increment':
          return Number(await client.eval(INCREMENT_SCRIPT, 1, key, operation.by, operation.ttlMs ?? 0));
      }
    } catch (error) {
      if (error instanceof Error && /not an integer/.test(error.message)) throw new ERR_STORE_NOT_A_NUMBER(operation.key);
      this.onError(`store_${operation.op}`);
      throw error;
    }
  }
}
