import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ShoalError, definedErrorCodes } from '@shoal/core';
import * as api from '../src';

const ours = (code: string) => /^SHOAL_ERR_(TCP|UDP|HTTP|HTTP2|TLS|WS)_/.test(code);

describe('errors', () => {
  const exported = Object.values(api).filter(
    (v): v is typeof v & { code: string } => typeof v === 'function' && typeof (v as { code?: unknown }).code === 'string',
  );

  test('every code this package defines is exported from index.ts', () => {
    const defined = definedErrorCodes().filter(ours).sort();
    expect(defined.length).toBeGreaterThan(10);
    expect(exported.map((e) => e.code).sort()).toEqual(defined);
  });

  test('every code is documented in docs/errors.md, and its transport-tcp section lists no other code', () => {
    const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'errors.md'), 'utf8').split('## @shoal/transport-tcp')[1].split('\n## ')[0];
    const documented = [...doc.matchAll(/`(SHOAL_ERR_[A-Z0-9_]+)`/g)].map((m) => m[1]).filter(ours);
    expect([...new Set(documented)].sort()).toEqual(definedErrorCodes().filter(ours).sort());
  });

  test('errors are ShoalErrors with their code and keep their cause', () => {
    const cause = new Error('underlying');
    const err = new api.ERR_TCP_FRAME_TOO_LARGE('lines', '20', 10, { cause });
    expect(err).toBeInstanceOf(ShoalError);
    expect(err.code).toBe('SHOAL_ERR_TCP_FRAME_TOO_LARGE');
    expect(err.message).toBe(
      'a lines frame of 20 bytes exceeds maxFrameBytes (10); the connection is closed. Send smaller frames, or raise options.maxFrameBytes of the listener.',
    );
    expect(err.cause).toBe(cause);
  });
});
