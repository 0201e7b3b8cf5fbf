import { Injectable, Logger } from '@nestjs/common';
import { ShoalBroadcast, ShoalMetrics, ShoalStore } from '@shoal/core';
import type { Counter } from 'prom-client';

/** Keys clients may use: short, printable, no spaces (they travel in URLs and text datagrams). */
const KEY = /^[A-Za-z0-9_.:-]{1,128}$/;
/** Store keys of the demo live under this prefix, apart from other users of the shared store. */
const PREFIX = 'demo:kv:';

export type Transport = 'http' | 'tcp' | 'udp' | 'sctp';

/** The broadcast channel of key changes: every worker's KvChangesGateway pushes them to its subscribers. */
export const KV_CHANGES = 'demo-kv-changes';

/** A change to a key, whichever transport made it. An increment is a set of the new number; a delete has no value. */
export interface KvChange {
  key: string;
  op: 'set' | 'delete';
  value?: unknown;
}

/** A request the store cannot take (bad key, bad TTL): each transport answers it as a client error. */
export class KvRequestError extends Error {}

/**
 * The demo's one shared service: a key-value store reached over HTTP, TCP and
 * UDP (and SCTP), injected into every handler by Nest. It keeps its data in
 * ShoalStore, so every worker of the host (and, with a redis section, every
 * host) sees the same keys: a value PUT over HTTP to one worker is read over
 * UDP from another. Every change is broadcast on KV_CHANGES to every worker,
 * whose gateway tells the WebSocket clients that subscribed to the key.
 */
@Injectable()
export class KvService {
  private readonly operations: Counter<'op' | 'transport' | 'result'>;
  private readonly logger = new Logger(KvService.name);

  constructor(
    private readonly store: ShoalStore,
    private readonly broadcast: ShoalBroadcast,
    metrics: ShoalMetrics,
  ) {
    this.operations = metrics.counter({
      name: 'demo_kv_operations_total',
      help: 'Key-value operations of the demo, by operation, transport and result (hit, miss, ok, error).',
      labelNames: ['op', 'transport', 'result'],
    });
  }

  async get(key: string, transport: Transport): Promise<unknown> {
    checkKey(key);
    const value = await this.count('get', transport, this.store.get(PREFIX + key));
    this.operations.inc({ op: 'get', transport, result: value === undefined ? 'miss' : 'hit' });
    return value;
  }

  async set(key: string, value: unknown, ttlMs: number | undefined, transport: Transport): Promise<void> {
    checkKey(key);
    if (ttlMs !== undefined && (!Number.isInteger(ttlMs) || ttlMs < 1)) throw new KvRequestError(`ttlMs must be a whole number of milliseconds >= 1, got ${JSON.stringify(ttlMs)}`);
    if (value === undefined) throw new KvRequestError('a value is needed');
    await this.count('set', transport, this.store.set(PREFIX + key, value, ttlMs === undefined ? {} : { ttlMs }));
    this.operations.inc({ op: 'set', transport, result: 'ok' });
    await this.announce({ key, op: 'set', value });
  }

  async increment(key: string, by: number, transport: Transport): Promise<number> {
    checkKey(key);
    if (!Number.isSafeInteger(by)) throw new KvRequestError(`by must be an integer, got ${JSON.stringify(by)}`);
    const value = await this.count('increment', transport, this.store.increment(PREFIX + key, by));
    this.operations.inc({ op: 'increment', transport, result: 'ok' });
    await this.announce({ key, op: 'set', value });
    return value;
  }

  async delete(key: string, transport: Transport): Promise<boolean> {
    checkKey(key);
    const existed = await this.count('delete', transport, this.store.delete(PREFIX + key));
    this.operations.inc({ op: 'delete', transport, result: existed ? 'ok' : 'miss' });
    // Deleting a key that was not there changes nothing.
    if (existed) await this.announce({ key, op: 'delete' });
    return existed;
  }

  /**
   * Broadcasts a change made here. Awaited before the write is answered, so
   * that writes made one after another (through any workers) reach every
   * subscriber in that order; concurrent writes of one key may be announced
   * in another order than the store applied them. The value is stored either
   * way: a broadcast that fails is logged, not the writer's error.
   */
  private async announce(change: KvChange): Promise<void> {
    try {
      await this.broadcast.publish(KV_CHANGES, change);
    } catch (error) {
      this.logger.warn(`the change of key ${change.key} was stored but not broadcast to its subscribers: ${(error as Error).message}`);
    }
  }

  /** Counts a failed store call (store unreachable, value not a number) before passing the error on. */
  private async count<T>(op: string, transport: Transport, pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } catch (error) {
      this.operations.inc({ op, transport, result: 'error' });
      throw error;
    }
  }
}

function checkKey(key: string): void {
  if (!KEY.test(key)) throw new KvRequestError(`a key is 1 to 128 of A-Z a-z 0-9 _ . : -, got ${JSON.stringify(key.slice(0, 140))}`);
}
