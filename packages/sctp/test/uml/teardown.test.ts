// Environment teardown with sockets still open: a terminated worker thread
// and a process exit must not crash or hang.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

test('a worker terminated with open sockets, then process.exit() with open sockets', () => {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'helpers/teardown.js')], { encoding: 'utf8', timeout: 60000 });
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe('worker terminated with open sockets: ok\nexiting with open sockets\n');
  expect(r.status).toBe(0);
});
