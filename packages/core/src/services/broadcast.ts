/**
 * ShoalBroadcast: publish a message that every worker of every host receives
 * (the supervisor's IPC fan-out here; with a `redis` section, Redis pub/sub
 * through @shoal/redis). Delivery is at most once: a worker that is not
 * running, or a host cut off from Redis, misses it.
 */
import { ERR_BROADCAST_FAILED, ERR_STORE_INVALID_ARGUMENT, ShoalError } from '../errors';
import type { Logger } from '../logger';

export type BroadcastHandler = (message: unknown, channel: string) => void | Promise<void>;

/** How a message leaves this worker. */
export interface BroadcastBackend {
  publish(channel: string, message: unknown): Promise<void>;
  /** Called once per channel this worker listens to. */
  listen(channel: string): Promise<void>;
}

/** What a broadcast channel name may be (OnBroadcast checks the same). */
export const CHANNEL = /^[A-Za-z0-9:_.-]{1,128}$/;
/** Injectable into application providers (see docs/fleet.md). */
export class ShoalBroadcast {
  private readonly subscribers = new Map<string, Set<BroadcastHandler>>();
  private readonly listening: Promise<void>[] = [];

  constructor(
    private readonly backend: BroadcastBackend,
    private readonly logger: Logger,
  ) {}

  /** Sends `message` (anything JSON can carry) to every subscriber of `channel` on every worker, this one included. */
  async publish(channel: string, message: unknown): Promise<void> {
    if (typeof channel !== 'string' || !CHANNEL.test(channel)) {
      throw new ERR_STORE_INVALID_ARGUMENT(`a broadcast channel must use letters, digits and : _ . - (1 to 128), got ${JSON.stringify(channel)}`);
    }
    if (JSON.stringify(message) === undefined) throw new ERR_STORE_INVALID_ARGUMENT('a broadcast message must be something JSON can carry');
    try {
      await this.backend.publish(channel, message);
    } catch (error) {
      const reason = error instanceof ShoalError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
      throw new ERR_BROADCAST_FAILED(channel, reason, { cause: error });
    }
  }

  /** Calls `handler` for every message on `channel`; returns the function that stops it. */
  subscribe(channel: string, handler: BroadcastHandler): () => void {
    if (!CHANNEL.test(channel)) throw new ERR_STORE_INVALID_ARGUMENT(`a broadcast channel must use letters, digits and : _ . - (1 to 128), got ${JSON.stringify(channel)}`);
    let handlers = this.subscribers.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.subscribers.set(channel, handlers);
      this.listening.push(
        this.backend.listen(channel).catch((error: unknown) => this.logger.error({ err: error, channel }, 'could not subscribe to a broadcast channel')),
      );
    }
    handlers.add(handler);
    return () => handlers.delete(handler);
  }

  /** Resolves once every channel subscribed so far is registered with the backend (or failed to). */
  async listeningAll(): Promise<void> {
    await Promise.all(this.listening);
  }

  /** A message arrived for this worker (from the backend). */
  deliver(channel: string, message: unknown): void {
    for (const handler of this.subscribers.get(channel) ?? []) {
      try {
        const result = handler(message, channel);
        if (result && typeof (result as Promise<void>).catch === 'function') {
          (result as Promise<void>).catch((error: unknown) => this.logger.error({ err: error, channel }, 'broadcast subscriber failed'));
        }
      } catch (error) {
        this.logger.error({ err: error, channel }, 'broadcast subscriber failed');
      }
    }
  }
}

/** Over the supervisor: it sends the message to every worker of the host. */
export class IpcBroadcastBackend implements BroadcastBackend {
  constructor(private readonly send: (channel: string, message: unknown) => Promise<void>) {}

  publish(channel: string, message: unknown): Promise<void> {
    return this.send(channel, message);
  }

  async listen(): Promise<void> {
    // The supervisor sends every broadcast to every worker; nothing to register.
  }
}
