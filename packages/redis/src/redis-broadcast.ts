/**
 * ShoalBroadcast's backend in Redis: pub/sub under `<keyPrefix>:bc:<channel>`,
 * one subscriber connection per worker, so every worker of every host
 * receives each message (at most once).
 */
import type { BroadcastBackend } from '@shoal/core';
import type { RedisConnection } from './redis-client';

export class RedisBroadcastBackend implements BroadcastBackend {
  /** `deliver` hands a message to this worker's subscribers; `onError` counts a failed publish. */
  constructor(
    private readonly publisher: RedisConnection,
    private readonly subscriber: RedisConnection,
    private readonly prefix: string,
    deliver: (channel: string, message: unknown) => void,
    private readonly onError: (op: string) => void,
  ) {
    const head = `${prefix}:bc:`;
    subscriber.client.on('message', (redisChannel: string, text: string) => {
      if (!redisChannel.startsWith(head)) return;
      try {
        deliver(redisChannel.slice(head.length), JSON.parse(text));
      } catch {
        // Not ours (not JSON): ignore.
      }
    });
  }

  async publish(channel: string, message: unknown): Promise<void> {
    try {
      this.publisher.requireUp('broadcast publish');
      await this.publisher.client.publish(`${this.prefix}:bc:${channel}`, JSON.stringify(message));
    } catch (error) {
      this.onError('broadcast_publish');
      throw error;
    }
  }

  async listen(channel: string): Promise<void> {
    await this.subscriber.client.subscribe(`${this.prefix}:bc:${channel}`);
  }
}
