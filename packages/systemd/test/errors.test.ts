import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { definedErrorCodes } from '@shoal/common';
import * as systemd from '../src/index';

describe('@shoal/systemd errors', () => {
  const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'errors.md'), 'utf8').split('## @shoal/systemd')[1] ?? '';

  test('every code this package defines is exported from index.ts and documented in its section of docs/errors.md', () => {
    const own = definedErrorCodes().filter((code) => code.startsWith('SHOAL_ERR_SYSTEMD_'));
    expect(own.length).toBe(4);
    const exported = (Object.values(systemd) as unknown[]).filter((v): v is { code: string } => typeof v === 'function' && typeof (v as { code?: unknown }).code === 'string');
    expect(exported.map((e) => e.code).sort()).toEqual(own.sort());
    for (const code of own) expect(doc).toContain(`\`${code}\``);
  });
});
