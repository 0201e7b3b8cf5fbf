import { resolveOptions } from '../../src/config/options';
import { defaultOffloadThreads } from '../../src/config/offload-options';
import { MemoryStore } from '../../src/services/store';
import type { Transport } from '../../src/transport';

const tcp: Transport = {
  name: 'tcp',
  events: ['message'],
  validateOptions: (options) => ({ options: Object.freeze({ ...(options as object) }), problems: [] }),
  open: () => Promise.reject(new Error('not used here')),
  adopt: () => Promise.reject(new Error('not used here')),
};
const base = { workers: 2, listeners: { echo: { transport: 'tcp', port: 7000 } } };

function problems(config: Record<string, unknown>): string[] {
  try {
    resolveOptions({ ...base, ...config }, [tcp]);
  } catch (error) {
    return (error as Error).message.split('\n').slice(1).map((l) => l.replace(/^ {2}- /, ''));
  }
  return [];
}

describe('redis and offload option sections', () => {
  it('are absent by default: embedded fleet, no offload module, threads from cores and workers', () => {
    const options = resolveOptions(base, [tcp]);
    expect(options.redis).toBeNull();
    expect(options.offload).toEqual({ module: null, threads: defaultOffloadThreads(2), maxQueue: defaultOffloadThreads(2) * 16, retryAfterSeconds: 1 });
    expect(defaultOffloadThreads(2, 8)).toBe(4);
    expect(defaultOffloadThreads(4, 2)).toBe(1);
  });

  it('fill in redis defaults and resolve the offload module path', () => {
    const options = resolveOptions({ ...base, redis: { url: 'redis://127.0.0.1:6379/2' }, offload: { module: 'tasks.js', threads: 3 } }, [tcp]);
    expect(options.redis).toMatchObject({ url: 'redis://127.0.0.1:6379/2', keyPrefix: 'shoal', hostId: null, heartbeatMs: 1000, memberTtlMs: 5000, leaseTtlMs: 10000 });
    expect(options.offload).toEqual({ module: `${process.cwd()}/tasks.js`, threads: 3, maxQueue: 48, retryAfterSeconds: 1 });
    expect(Object.isFrozen(options.redis)).toBe(true);
  });

  it('name the field path of every problem', () => {
    expect(problems({ redis: { url: 'http://x' } })).toEqual(['redis.url must be a redis:// or rediss:// URL, got "http://x"']);
    expect(problems({ redis: 'redis://x' })).toEqual([expect.stringMatching(/^redis must be an object \{ url.*got "redis:\/\/x"$/)]);
    expect(problems({ redis: { url: 'redis://h:1', heartbeatMs: 1.5, keyPrefix: 'a b', colour: 1 } })).toEqual(
      expect.arrayContaining([
        'redis.heartbeatMs must be an integer from 50 to 60000, got 1.5',
        'redis.keyPrefix must be letters, digits and : _ . - (1 to 64), got "a b"',
        expect.stringMatching(/^redis\.colour is not a known option \(known: url, keyPrefix, /),
      ]),
    );
    expect(problems({ redis: { url: 'redis://h:1', heartbeatMs: 1000, memberTtlMs: 2000 } })).toEqual(['redis.memberTtlMs must be at least 3 times redis.heartbeatMs, got 2000']);
    expect(problems({ offload: { threads: 0, maxQueue: -1, module: 3 } })).toEqual(
      expect.arrayContaining(['offload.threads must be an integer from 1 to 256, got 0', 'offload.maxQueue must be an integer from 0 to 1000000, got -1', 'offload.module must be a path to a module file, got 3']),
    );
  });
});

describe('MemoryStore (the embedded store kept by the supervisor)', () => {
  it('increments exactly, expires keys, and refuses to increment a non-integer', () => {
    const store = new MemoryStore(60_000);
    try {
      expect(store.executeNow({ op: 'increment', key: 'n', by: 1, ttlMs: 100 }, 1_000)).toBe(1);
      expect(store.executeNow({ op: 'increment', key: 'n', by: 5, ttlMs: 5_000 }, 1_050)).toBe(6);
      // The TTL runs from the first increment: the window does not slide.
      expect(store.executeNow({ op: 'get', key: 'n' }, 1_099)).toBe('6');
      expect(store.executeNow({ op: 'get', key: 'n' }, 1_100)).toBeNull();
      expect(store.executeNow({ op: 'increment', key: 'n', by: 1 }, 1_200)).toBe(1);
      store.executeNow({ op: 'set', key: 's', value: '"text"' }, 0);
      expect(() => store.executeNow({ op: 'increment', key: 's', by: 1 }, 0)).toThrow(expect.objectContaining({ code: 'SHOAL_ERR_STORE_NOT_A_NUMBER' }));
      expect(store.executeNow({ op: 'delete', key: 's' }, 0)).toBe(true);
      expect(store.executeNow({ op: 'delete', key: 's' }, 0)).toBe(false);
    } finally {
      store.close();
    }
  });
});
