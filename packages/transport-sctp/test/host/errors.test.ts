import * as fs from 'node:fs';
import * as path from 'node:path';
import { definedErrorCodes, ShoalError } from '@shoal/common';
import * as sctp from '@shoal/sctp';
import * as api from '../../src';
import * as errors from '../../src/errors';

const codesOf = (module: Record<string, unknown>): string[] =>
  Object.values(module)
    .filter((v): v is { code: string } => typeof v === 'function' && typeof (v as { code?: unknown }).code === 'string')
    .map((e) => e.code)
    .sort();
const ours = codesOf(errors);
const src = path.join(__dirname, '../../src');
const doc = fs.readFileSync(path.join(__dirname, '../../../../docs/errors.md'), 'utf8').split('\n## @shoal/transport-sctp\n')[1].split('\n## ')[0];

describe('errors', () => {
  test('every code this package defines is exported from index.ts', () => {
    expect(ours.length).toBeGreaterThan(0);
    expect(codesOf(api)).toEqual(ours);
    // Every SCTP code defined in this process is this package's or @shoal/sctp's (exported there).
    expect(definedErrorCodes().filter((c) => c.startsWith('SHOAL_ERR_SCTP_')).sort()).toEqual([...ours, ...codesOf(sctp)].sort());
  });

  test('every code is in the table of its docs/errors.md section; the codes named around it are @shoal/sctp\'s (or the core\'s)', () => {
    const table = [...doc.matchAll(/^\| `(SHOAL_ERR_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(table).toEqual(ours);
    const named = [...doc.matchAll(/`(SHOAL_ERR_[A-Z0-9_]+)`/g)].map((m) => m[1]).filter((c) => !ours.includes(c));
    for (const code of named) expect([...codesOf(sctp), 'SHOAL_ERR_CONFIG_INVALID', 'SHOAL_ERR_HANDLER_REPLY_INVALID']).toContain(code);
  });

  test('no code is written as a string outside errors.ts (code uses the defined classes)', () => {
    for (const f of fs.readdirSync(src).filter((name) => name.endsWith('.ts') && name !== 'errors.ts')) {
      expect([f, fs.readFileSync(path.join(src, f), 'utf8').match(/['"`]SHOAL_ERR_[A-Z0-9_]*/g)]).toEqual([f, null]);
    }
  });

  test('errors are ShoalErrors with their code and a message that says what to do', () => {
    const err = new api.ERR_SCTP_HANDLE_INVALID('sig', 'the held socket is not a one-to-many SCTP socket');
    expect(err).toBeInstanceOf(ShoalError);
    expect(err.code).toBe('SHOAL_ERR_SCTP_HANDLE_INVALID');
    expect(err.message).toMatch(/^sctp listener "sig": the held socket is not a one-to-many SCTP socket\. adopt\(\) takes the descriptor/);
  });

  test('an invalid reply is the core\'s SHOAL_ERR_HANDLER_REPLY_INVALID, as on every transport: no SCTP code of its own', () => {
    expect(Object.keys(api)).not.toContain('ERR_SCTP_REPLY_INVALID');
    expect(definedErrorCodes()).not.toContain('SHOAL_ERR_SCTP_REPLY_INVALID');
    expect(fs.readFileSync(path.join(__dirname, '../../../../docs/errors.md'), 'utf8')).not.toContain('SHOAL_ERR_SCTP_REPLY_INVALID');
  });
});
