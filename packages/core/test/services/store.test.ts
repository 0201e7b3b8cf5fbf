import { ERR_STORE_FAILED, ERR_STORE_INVALID_ARGUMENT, ERR_STORE_NOT_A_NUMBER, ShoalError } from '../../src/errors';
import { MemoryStore, ShoalStore } from '../../src/services/store';
import type { StoreOperation } from '../../src/services/store';

/** One step of a table: at time `at`, run `op`, expect `result` (or an error code). */
type Step = [at: number, op: StoreOperation, result: string | number | boolean | null | { error: string }];

const get = (key: string): StoreOperation => ({ op: 'get', key });
const set = (key: string, value: unknown, ttlMs?: number): StoreOperation => ({ op: 'set', key, value: JSON.stringify(value), ...(ttlMs && { ttlMs }) });
const incr = (key: string, by = 1, ttlMs?: number): StoreOperation => ({ op: 'increment', key, by, ...(ttlMs && { ttlMs }) });
const del = (key: string): StoreOperation => ({ op: 'delete', key });

describe('MemoryStore, on a clock the test controls', () => {
  let store: MemoryStore;
  beforeEach(() => (store = new MemoryStore()));
  afterEach(() => store.close());

  it.each<[string, Step[]]>([
    ['get of an absent key is null', [[0, get('k'), null]]],
    ['set then get returns the JSON text', [[0, set('k', { a: 1 }), true], [1, get('k'), '{"a":1}']]],
    ['set replaces a value', [[0, set('k', 1), true], [0, set('k', 2), true], [0, get('k'), '2']]],
    ['a key without ttl never expires', [[0, set('k', 'v'), true], [1e12, get('k'), '"v"']]],
    ['a key with ttl lives until just before now + ttl', [[1_000, set('k', 'v', 500), true], [1_499, get('k'), '"v"'], [1_500, get('k'), null]]],
    ['set again restarts the ttl', [[0, set('k', 1, 100), true], [90, set('k', 2, 100), true], [150, get('k'), '2'], [190, get('k'), null]]],
    ['set without ttl removes the expiry', [[0, set('k', 1, 100), true], [50, set('k', 2), true], [1e9, get('k'), '2']]],
    ['delete answers whether the key existed', [[0, set('k', 1), true], [0, del('k'), true], [0, del('k'), false], [0, get('k'), null]]],
    ['delete of an expired key answers false', [[0, set('k', 1, 10), true], [10, del('k'), false]]],
    ['increment of an absent key counts from 0', [[0, incr('n'), 1], [0, incr('n', 41), 42], [0, get('n'), '42']]],
    ['increment by a negative number', [[0, incr('n', -3), -3], [0, incr('n', 5), 2]]],
    ['increment of a number set as JSON', [[0, set('n', 10), true], [0, incr('n'), 11]]],
    ['increment starts the ttl window with the first hit and does not extend it', [[0, incr('n', 1, 100), 1], [60, incr('n', 1, 100), 2], [99, get('n'), '2'], [100, get('n'), null]]],
    ['increment after the window starts a new one', [[0, incr('n', 1, 100), 1], [100, incr('n', 1, 100), 1], [199, incr('n', 1, 100), 2], [200, get('n'), null]]],
    ['increment sets a ttl on a key that had none', [[0, set('n', 5), true], [10, incr('n', 1, 100), 6], [110, get('n'), null]]],
    ['increment keeps an expiry set by set()', [[0, set('n', 5, 50), true], [10, incr('n', 1, 1_000), 6], [50, get('n'), null]]],
    ['increment of text is an error', [[0, set('n', 'abc'), true], [0, incr('n'), { error: ERR_STORE_NOT_A_NUMBER.code }], [0, get('n'), '"abc"']]],
    ['increment of a fraction is an error', [[0, set('n', 1.5), true], [0, incr('n'), { error: ERR_STORE_NOT_A_NUMBER.code }]]],
    ['increment of an expired text value counts from 0', [[0, set('n', 'abc', 10), true], [10, incr('n'), 1]]],
  ])('%s', (_what, steps) => {
    for (const [at, op, expected] of steps) {
      const run = (): unknown => store.executeNow(op, at);
      if (typeof expected === 'object' && expected !== null) {
        expect(run).toThrow(expect.objectContaining({ code: expected.error }));
      } else {
        expect([at, op.op, run()]).toEqual([at, op.op, expected]);
      }
    }
  });

  // As Redis (INCRBY on the same JSON text) answers "not an integer", so that both backends agree.
  it.each([['"5"'], ['true'], ['null'], ['[7]']])('refuses to increment the JSON value %s, as the Redis store does', (text) => {
    store.executeNow({ op: 'set', key: 'n', value: text }, 0);
    expect(() => store.executeNow(incr('n'), 0)).toThrow(expect.objectContaining({ code: ERR_STORE_NOT_A_NUMBER.code }));
  });

  // Past Number.MAX_SAFE_INTEGER a result would be stored imprecise.
  it('refuses an increment whose result is no safe integer', () => {
    store.executeNow(set('n', Number.MAX_SAFE_INTEGER), 0);
    expect(() => store.executeNow(incr('n'), 0)).toThrow(expect.objectContaining({ code: ERR_STORE_NOT_A_NUMBER.code }));
  });

  it('forgets an expired key when it is touched, and the sweeper removes those nobody touches', () => {
    jest.useFakeTimers({ now: 0 });
    const swept = new MemoryStore(1_000);
    try {
      swept.executeNow(set('touched', 1, 100), 0);
      swept.executeNow(set('untouched', 1, 100), 0);
      swept.executeNow(set('forever', 1), 0);
      expect(swept.size).toBe(3);
      swept.executeNow(get('touched'), 100);
      expect(swept.size).toBe(2);
      jest.advanceTimersByTime(999);
      expect(swept.size).toBe(2);
      jest.advanceTimersByTime(1);
      expect(swept.size).toBe(1);
      expect(swept.executeNow(get('forever'), 5_000)).toBe('1');
    } finally {
      swept.close();
      jest.useRealTimers();
    }
  });
});

describe('ShoalStore', () => {
  let memory: MemoryStore;
  let now: number;
  let store: ShoalStore;
  beforeEach(() => {
    memory = new MemoryStore();
    now = 0;
    store = new ShoalStore({ execute: async (operation) => memory.executeNow(operation, now) });
  });
  afterEach(() => memory.close());

  it('carries values as JSON, and answers undefined for an absent or expired key', async () => {
    await store.set('user', { id: 1, tags: ['a'] }, { ttlMs: 1_000 });
    expect(await store.get('user')).toEqual({ id: 1, tags: ['a'] });
    await store.set('nothing', null);
    expect(await store.get('nothing')).toBeNull();
    now = 1_000;
    expect(await store.get('user')).toBeUndefined();
    expect(await store.get('never-set')).toBeUndefined();
  });

  it('counts, with a window that starts at the first hit', async () => {
    expect(await store.increment('hits', 1, { ttlMs: 60_000 })).toBe(1);
    now = 59_999;
    expect(await store.increment('hits', 2, { ttlMs: 60_000 })).toBe(3);
    now = 60_000;
    expect(await store.increment('hits', 1, { ttlMs: 60_000 })).toBe(1);
    expect(await store.delete('hits')).toBe(true);
    expect(await store.delete('hits')).toBe(false);
  });

  it.each<[string, (s: ShoalStore) => Promise<unknown>]>([
    ['an empty key', (s) => s.get('')],
    ['a key over 512 characters', (s) => s.get('k'.repeat(513))],
    ['a key that is no string', (s) => s.delete(42 as unknown as string)],
    ['a ttl of 0', (s) => s.set('k', 1, { ttlMs: 0 })],
    ['a ttl that is no integer', (s) => s.increment('k', 1, { ttlMs: 1.5 })],
    ['a value JSON cannot carry', (s) => s.set('k', undefined)],
    ['a function as the value', (s) => s.set('k', () => 1)],
    ['an increment by a fraction', (s) => s.increment('k', 0.5)],
    ['an increment beyond safe integers', (s) => s.increment('k', 2 ** 53)],
  ])('refuses %s before it reaches the backend', async (_what, call) => {
    const execute = jest.fn();
    await expect(call(new ShoalStore({ execute }))).rejects.toMatchObject({ code: ERR_STORE_INVALID_ARGUMENT.code });
    expect(execute).not.toHaveBeenCalled();
  });

  it('accepts a key of exactly 512 characters', async () => {
    await store.set('k'.repeat(512), 1);
    expect(await store.get('k'.repeat(512))).toBe(1);
  });

  it("passes the store's own errors through, and wraps any other failure with the operation and key", async () => {
    await store.set('text', 'abc');
    await expect(store.increment('text')).rejects.toMatchObject({ code: ERR_STORE_NOT_A_NUMBER.code });

    const cause = new Error('connection reset');
    const broken = new ShoalStore({ execute: () => Promise.reject(cause) });
    const error = await broken.get('session').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShoalError);
    expect(error).toMatchObject({ code: ERR_STORE_FAILED.code, cause });
    expect((error as Error).message).toMatch(/get.*session.*connection reset/);
  });
});
