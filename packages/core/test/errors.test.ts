import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '../src/index';
import { definedErrorCodes, defineError, ShoalError } from '../src/errors';

describe('error codes', () => {
  const docs = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'errors.md'), 'utf8');

  it('are all exported and documented in docs/errors.md', () => {
    const exported = (Object.values(core) as unknown[]).filter(
      (v): v is { code: string } => typeof v === 'function' && typeof (v as { code?: unknown }).code === 'string',
    );
    const codes = definedErrorCodes();
    expect(codes.length).toBeGreaterThan(10);
    expect(exported.map((e) => e.code).sort()).toEqual(codes.filter((c) => !c.startsWith('SHOAL_ERR_TEST')).sort());
    for (const code of codes) expect(docs).toContain(`\`${code}\``);
  });

  it('carry their code, a message that says what to do, and the cause', () => {
    const cause = new Error('EADDRINUSE');
    const error = new core.ERR_ADMIN_LISTEN('127.0.0.1:9464', 'EADDRINUSE', { cause });
    expect(error).toBeInstanceOf(ShoalError);
    expect(error.code).toBe('SHOAL_ERR_ADMIN_LISTEN');
    expect(error.message).toMatch(/Choose another admin address/);
    expect(error.cause).toBe(cause);
  });

  it('refuse a code that breaks the naming rule or is defined twice', () => {
    expect(() => defineError('ERR_SOMETHING', () => 'x')).toThrow(/SHOAL_ERR_<AREA>_<WHAT>/);
    expect(() => defineError('SHOAL_ERR_NODE_VERSION', () => 'x')).toThrow(/defined twice/);
  });
});
