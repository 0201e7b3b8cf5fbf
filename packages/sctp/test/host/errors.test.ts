import * as fs from 'node:fs';
import * as path from 'node:path';
import { definedErrorCodes, isShoalError, ShoalError } from '@shoal/common';
import * as api from '../../src';

const ours = (code: string): boolean => code.startsWith('SHOAL_ERR_SCTP_');
const src = path.join(__dirname, '../../src');
const section = (doc: string, heading: string): string => doc.split(`\n## ${heading}\n`)[1].split('\n## ')[0];

describe('errors', () => {
  const exported = Object.values(api).filter(
    (v): v is typeof v & { code: string } => typeof v === 'function' && typeof (v as { code?: unknown }).code === 'string',
  );

  test('every code this package defines is exported from index.ts', () => {
    const defined = definedErrorCodes().filter(ours).sort();
    expect(defined.length).toBeGreaterThan(10);
    expect(exported.map((e) => e.code).sort()).toEqual(defined);
  });

  test('every code is documented in docs/errors.md, and the @shoal/sctp section lists no other', () => {
    const doc = section(fs.readFileSync(path.join(__dirname, '../../../../docs/errors.md'), 'utf8'), '@shoal/sctp');
    const documented = [...doc.matchAll(/`(SHOAL_ERR_[A-Z0-9_]+)`/g)].map((m) => m[1]);
    expect([...new Set(documented)].sort()).toEqual(definedErrorCodes().filter(ours).sort());
  });

  test('no code is written as a string outside errors.ts (code uses the defined classes)', () => {
    for (const f of (fs.readdirSync(src, { recursive: true }) as string[]).filter((name) => name.endsWith('.ts') && name !== 'errors.ts')) {
      expect([f, fs.readFileSync(path.join(src, f), 'utf8').match(/['"`]SHOAL_ERR_[A-Z0-9_]*/g)]).toEqual([f, null]);
    }
  });

  test('a failed system call has the errno name as code (as node:net), the Shoal code as shoalCode', () => {
    const e = new api.ERR_SCTP_SYSCALL('sending', 'sendmsg', 'ECONNREFUSED', { errno: -111, syscall: 'sendmsg' });
    expect(e).toBeInstanceOf(ShoalError);
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ code: 'ECONNREFUSED', shoalCode: 'SHOAL_ERR_SCTP_SYSCALL', errno: -111, syscall: 'sendmsg' });
    expect(e.message).toBe('sending: sendmsg() failed with ECONNREFUSED. The kernel refused it: see errno and syscall on this error, and man 7 sctp for what the call needs.');
    expect(isShoalError(e, api.ERR_SCTP_SYSCALL.code)).toBe(true);
    expect(isShoalError(e, 'ECONNREFUSED')).toBe(true);
  });

  test('other errors have the Shoal code as code, and keep their cause', () => {
    const cause = new Error('dlopen failed');
    const e = new api.ERR_SCTP_NATIVE_LOAD(cause.message, { cause });
    expect(e).toMatchObject({ code: 'SHOAL_ERR_SCTP_NATIVE_LOAD', shoalCode: 'SHOAL_ERR_SCTP_NATIVE_LOAD' });
    expect(e.errno).toBeUndefined();
    expect(e.cause).toBe(cause);
    expect(e.message).toMatch(/pnpm --filter @shoal\/sctp build/);
    expect(new api.ERR_SCTP_INVALID_ARGUMENT('data', 'a Buffer', Buffer.alloc(3)).message).toBe('data must be a Buffer, got a Buffer of 3 bytes');
  });
});
