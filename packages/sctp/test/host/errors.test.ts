import * as fs from 'node:fs';
import * as path from 'node:path';
import { ERROR_CODES, SctpError } from '../../src';

const src = path.join(__dirname, '../../src');
const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');

describe('errors', () => {
  test('every code raised in the source is exported in ERROR_CODES', () => {
    const used = new Set<string>();
    for (const f of (fs.readdirSync(src, { recursive: true }) as string[]).filter((name) => name.endsWith('.ts'))) {
      for (const m of fs.readFileSync(path.join(src, f), 'utf8').matchAll(/'(SHOAL_ERR_SCTP_[A-Z_]+)'/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(5);
    for (const code of used) expect(Object.keys(ERROR_CODES)).toContain(code);
  });

  test('every exported code is documented in the README with what to do', () => {
    for (const [code, what] of Object.entries(ERROR_CODES)) {
      expect(readme).toContain(`\`${code}\``);
      expect(what.length).toBeGreaterThan(20);
    }
  });

  test('SctpError carries code, errno, errnoCode and syscall', () => {
    const e = new SctpError('SHOAL_ERR_SCTP_SYSCALL', 'x', { errno: -111, syscall: 'connect' });
    expect(e).toMatchObject({ code: 'SHOAL_ERR_SCTP_SYSCALL', errno: -111, errnoCode: 'ECONNREFUSED', syscall: 'connect' });
    expect(e).toBeInstanceOf(Error);
  });
});
