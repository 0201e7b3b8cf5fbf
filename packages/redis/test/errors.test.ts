import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ShoalError, definedErrorCodes } from '@shoal/common';
import * as api from '../src';

describe('errors', () => {
  const exported = Object.values(api).filter(
    (v): v is typeof v & { code: string } => typeof v === 'function' && typeof (v as { code?: unknown }).code === 'string',
  );
  const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'errors.md'), 'utf8').split('## @shoal/redis')[1]?.split('\n## ')[0] ?? '';
  const documented = [...doc.matchAll(/`(SHOAL_ERR_[A-Z0-9_]+)`/g)].map((m) => m[1]);

  test('every code this package defines is exported from index.ts and documented in its section of docs/errors.md', () => {
    const ours = exported.map((e) => e.code).sort();
    expect(ours).toEqual(['SHOAL_ERR_REDIS_UNAVAILABLE']);
    expect(definedErrorCodes()).toEqual(expect.arrayContaining(ours));
    expect([...new Set(documented)].sort()).toEqual(ours);
  });

  test('errors are ShoalErrors with their code, a message that says what to do, and their cause', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new api.ERR_REDIS_UNAVAILABLE('fleet status', 'reconnecting', { cause });
    expect(error).toBeInstanceOf(ShoalError);
    expect(error.code).toBe('SHOAL_ERR_REDIS_UNAVAILABLE');
    expect(error.message).toMatch(/^fleet status needs Redis, which is not reachable now \(connection reconnecting\); .* Retry later/);
    expect(error.cause).toBe(cause);
  });
});
