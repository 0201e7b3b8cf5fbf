/**
 * How the holders of a foreign socket are named, against a real process tree
 * (Python): a "supervisor" that listens with SO_REUSEPORT, a "worker" child with
 * a Shoal worker's environment holding the same socket, and a child forked
 * but not yet exec'd (the supervisor's environment, the same descriptors), as
 * a supervisor's child is for a moment while a worker starts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { findForeignListeners } from '../../src/ownership';

const TREE = String.raw`
import os, socket, subprocess, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.bind(('127.0.0.1', 0))
s.listen(8)
env = dict(os.environ, SHOAL_WORKER_SLOT='0', SHOAL_WORKER_SERVICE='other', SHOAL_WORKER_CONTROL='/run/shoal/other.sock')
worker = subprocess.Popen([sys.executable, '-c', 'import sys; sys.stdin.read()'], env=env, pass_fds=[s.fileno()], stdin=subprocess.PIPE)
forked = os.fork()
if forked == 0:
    sys.stdin.read()
    os._exit(0)
print(s.getsockname()[1], worker.pid, forked, flush=True)
sys.stdin.read()
`;

let tree: ChildProcess | undefined;
afterEach(async () => {
  if (tree === undefined || tree.exitCode !== null) return;
  const exited = new Promise((resolve) => tree!.once('exit', resolve));
  tree.stdin!.end();
  await exited;
});

it('a Shoal service\'s supervisor, its workers and a child it is starting are named as that service, not as strangers', async () => {
  tree = spawn('python3', ['-c', TREE], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => createInterface({ input: tree!.stdout! }).once('line', resolve));
  const [port, worker, forked] = line.split(' ').map(Number);

  // No pid is ours: the tree is this process's child, which a supervisor would count as its own worker.
  const [found] = await findForeignListeners([{ listener: 'http', protocol: 'tcp', addresses: ['127.0.0.1'], port }], []);
  expect(found).toMatchObject({ listener: 'http', address: `127.0.0.1:${port}` });
  expect(found.shoal).toEqual([{ pid: tree.pid, name: 'other', controlSocket: '/run/shoal/other.sock', workers: [worker] }]);
  // The supervisor and the child it forked are that service's, not other processes.
  expect(found.processes).toEqual([]);
  expect(forked).toBeGreaterThan(0);
});
