// The valgrind log check used by the UML suite must fail on a leak or error
// in the addon and pass on Node's own leftovers.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const check = path.join(__dirname, '../uml/helpers/valgrind-check.js');
function run(log: string): number {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vg-')), 'log');
  fs.writeFileSync(f, log);
  return spawnSync(process.execPath, [check, f], { encoding: 'utf8' }).status ?? -1;
}
const head = '==1== HEAP SUMMARY:\n==1==     in use at exit: 10 bytes in 1 blocks\n==1== \n';

describe('valgrind-check', () => {
  test('passes when only Node leaks', () => {
    expect(run(`${head}==1== 24 bytes in 1 blocks are definitely lost in loss record 1 of 2\n==1==    at 0x1: malloc\n==1==    by 0x2: CRYPTO_malloc (in node)\n==1== \n`)).toBe(0);
  });
  test('fails on a definite leak through the addon', () => {
    expect(run(`${head}==1== 64 bytes in 1 blocks are definitely lost in loss record 2 of 2\n==1==    at 0x1: operator new\n==1==    by 0x2: Handle::Handle (in /x/build/Release/shoal_sctp.node)\n==1== \n`)).toBe(1);
  });
  test('fails on an invalid read in the addon', () => {
    expect(run(`${head}==1== Invalid read of size 4\n==1==    at 0x1: ReadData (in /x/build/Release/shoal_sctp.node)\n==1== \n`)).toBe(1);
  });
  test('fails when valgrind did not finish', () => {
    expect(run('==1== Memcheck\n')).toBe(1);
  });
});
