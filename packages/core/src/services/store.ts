/**
 * ShoalStore: a key/value store shared by every worker of a host (kept in the
 * supervisor, reached over IPC) or, with a `redis` section, by every worker
 * of the fleet (in Redis, through @shoal/redis). Values are anything JSON can
 * carry; `increment` is atomic (the supervisor runs one operation at a time;
 * Redis runs INCRBY).
 */
import { ERR_STORE_FAILED, ERR_STORE_INVALID_ARGUMENT, ERR_STORE_NOT_A_NUMBER, ShoalError, isShoalError } from '../errors';

export interface StoreSetOptions {
  /** Time to live in milliseconds; without it the key stays until deleted. */
  ttlMs?: number;
}

/** One store operation, as it travels over IPC (values as JSON text). */
export type StoreOperation =
  | { op: 'get'; key: string }
  | { op: 'set'; key: string; value: string; ttlMs?: number }
  | { op: 'increment'; key: string; by: number; ttlMs?: number }
  | { op: 'delete'; key: string };

/** What a backend does; values are JSON text. */
export interface StoreBackend {
  execute(operation: StoreOperation): Promise<string | number | boolean | null>;
}

const MAX_KEY = 512;

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY) {
    throw new ERR_STORE_INVALID_ARGUMENT(`a key must be a string of 1 to ${MAX_KEY} characters`);
  }
}

function checkTtl(ttlMs: unknown): void {
  if (ttlMs !== undefined && (typeof ttlMs !== 'number' || !Number.isInteger(ttlMs) || ttlMs < 1)) {
    throw new ERR_STORE_INVALID_ARGUMENT(`ttlMs must be an integer >= 1, got ${String(ttlMs)}`);
  }
}

/** Injectable into application providers (see docs/fleet.md). */
export class ShoalStore {
  constructor(private readonly backend: StoreBackend) {}

  /** The value, or undefined when the key is absent or expired. */
  async get<T = unknown>(key: string): Promise<T | undefined> {
    checkKey(key);
    const text = await this.run({ op: 'get', key });
    return text === null ? undefined : (JSON.parse(text as string) as T);
  }

  async set(key: string, value: unknown, options: StoreSetOptions = {}): Promise<void> {
    checkKey(key);
    checkTtl(options.ttlMs);
    const text = JSON.stringify(value);
    if (text === undefined) throw new ERR_STORE_INVALID_ARGUMENT('the value must be something JSON can carry');
    await this.run({ op: 'set', key, value: text, ...(options.ttlMs !== undefined && { ttlMs: options.ttlMs }) });
  }

  /**
   * Adds `by` (default 1) to an integer (absent counts as 0) and returns the
   * new value. `ttlMs` is set when the key has no expiry yet — the window of
   * a rate limit starts with its first hit.
   */
  async increment(key: string, by = 1, options: StoreSetOptions = {}): Promise<number> {
    checkKey(key);
    checkTtl(options.ttlMs);
    if (!Number.isSafeInteger(by)) throw new ERR_STORE_INVALID_ARGUMENT(`increment must be by an integer, got ${String(by)}`);
    return (await this.run({ op: 'increment', key, by, ...(options.ttlMs !== undefined && { ttlMs: options.ttlMs }) })) as number;
  }

  /** True when the key existed. */
  async delete(key: string): Promise<boolean> {
    checkKey(key);
    return (await this.run({ op: 'delete', key })) as boolean;
  }

  private async run(operation: StoreOperation): Promise<string | number | boolean | null> {
    try {
      return await this.backend.execute(operation);
    } catch (error) {
      if (isShoalError(error) && (error.code === ERR_STORE_NOT_A_NUMBER.code || error.code === ERR_STORE_FAILED.code || error.code === ERR_STORE_INVALID_ARGUMENT.code)) throw error;
      const reason = error instanceof ShoalError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
      throw new ERR_STORE_FAILED(operation.op, operation.key, reason, { cause: error });
    }
  }
}

/** The embedded store, kept by the supervisor: one operation at a time, so increments are exact. */
export class MemoryStore implements StoreBackend {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(sweepEveryMs = 10_000) {
    this.sweeper = setInterval(() => this.sweep(Date.now()), sweepEveryMs);
    this.sweeper.unref();
  }

  async execute(operation: StoreOperation): Promise<string | number | boolean | null> {
    return this.executeNow(operation, Date.now());
  }

  executeNow(operation: StoreOperation, now: number): string | number | boolean | null {
    const entry = this.entries.get(operation.key);
    const live = entry && entry.expiresAt > now ? entry : undefined;
    if (entry && !live) this.entries.delete(operation.key);
    switch (operation.op) {
      case 'get':
        return live?.value ?? null;
      case 'set':
        this.entries.set(operation.key, { value: operation.value, expiresAt: operation.ttlMs ? now + operation.ttlMs : Infinity });
        return true;
      case 'delete':
        return this.entries.delete(operation.key) && live !== undefined;
      case 'increment': {
        // As Redis's INCRBY on the same text: only an integer's digits count as a number.
        const current = live ? (/^-?\d+$/.test(live.value) ? Number(live.value) : NaN) : 0;
        const next = current + operation.by;
        if (!Number.isSafeInteger(current) || !Number.isSafeInteger(next)) throw new ERR_STORE_NOT_A_NUMBER(operation.key);
        const expiresAt = live && live.expiresAt !== Infinity ? live.expiresAt : operation.ttlMs ? now + operation.ttlMs : Infinity;
        this.entries.set(operation.key, { value: String(next), expiresAt });
        return next;
      }
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}
