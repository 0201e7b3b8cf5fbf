// SCTP sockets passed by socket activation (LISTEN_FDS), inside UML (the host
// kernel has no SCTP): a small activator (test/systemd/reuseport-activator.py,
// what systemd does with ListenStream=/ListenSequentialPacket= and
// SocketProtocol=sctp) opens the socket and execs the service. The passed
// socket is slot 0's when it has SO_REUSEPORT, else every worker serves it
// (one-to-one only: a one-to-many socket cannot be shared, and the start says so).
import { join } from 'node:path';
import { SctpSocket } from '@shoal/sctp';
import { startCluster, stopAllClusters, testControlSocket, type Cluster } from '../../../../test/helpers/cluster';
import { askPid } from './traffic';

const SERVICE = join(__dirname, 'service.js');
const ACTIVATOR = join(__dirname, '..', '..', '..', '..', 'test', 'systemd', 'reuseport-activator.py');
const PORT = 39_001;

function config(listeners: Record<string, unknown>): Record<string, unknown> {
  return { workers: 2, admin: { host: '127.0.0.1', port: 0 }, control: { path: testControlSocket() }, logLevel: 'info', drainTimeoutMs: 5_000, readyTimeoutMs: 90_000, listeners };
}
const ONE = { one: { transport: 'sctp', host: '127.0.0.1', port: 0, options: { style: 'one-to-one', streams: 8 } } };
const MANY = { many: { transport: 'sctp', host: '127.0.0.1', port: 0, options: { style: 'one-to-many', streams: 8 } } };

function activated(kind: 'sctp' | 'sctp-many', reusePort: boolean, name: string, listeners: Record<string, unknown>, noWait = false): Promise<Cluster> {
  const prefix = ['python3', ACTIVATOR, '--kind', kind, ...(reusePort ? [] : ['--no-reuseport']), '127.0.0.1', String(PORT), name];
  return startCluster({ entry: SERVICE, config: config(listeners), prefix, noWait, upTimeoutMs: 150_000 });
}

async function connectFrom(local: string): Promise<SctpSocket> {
  const sock = SctpSocket.connect({ address: '127.0.0.1', port: PORT, localAddress: local });
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  return sock;
}

/** Pids that answered associations from 127.0.0.2.. (at most `limit`), until `wanted` distinct ones did. */
async function answeringPids(wanted: number, limit = 40): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 2; i < 2 + limit && pids.size < wanted; i++) {
    const sock = await connectFrom(`127.0.0.${i}`);
    pids.add(await askPid(sock, `hello ${i}`));
    await sock.end();
  }
  return pids;
}

// UML boots each worker in tens of seconds on a shared host.
jest.setTimeout(300_000);

afterEach(() => stopAllClusters());

describe('SCTP socket activation', () => {
  test.each([
    [true, null],
    [false, expect.stringMatching(/no SO_REUSEPORT/)],
  ])('one-to-one, SO_REUSEPORT %s: both workers answer, before and after a reload', async (reusePort, sharedBecause) => {
    const cluster = await activated('sctp', reusePort, 'one', ONE);
    expect(cluster.ports.one).toBe(PORT);
    expect(await cluster.waitForEvent('systemd.socket-passed')).toMatchObject({ listener: 'one', fd: 3, sharedBecause });
    const workers = await cluster.workerPids();
    expect([...(await answeringPids(2))].sort()).toEqual([...workers].sort());
    process.kill(cluster.pid, 'SIGHUP');
    await cluster.waitForEvent('reload.finished', undefined, 150_000);
    const replaced = await cluster.workerPids();
    expect([...(await answeringPids(2))].sort()).toEqual([...replaced].sort());
  });

  test('one-to-many with SO_REUSEPORT: slot 0 serves it, slot 1 its own', async () => {
    const cluster = await activated('sctp-many', true, 'many', MANY);
    expect(await cluster.waitForEvent('systemd.socket-passed')).toMatchObject({ listener: 'many', sharedBecause: null });
    const sock = SctpSocket.connect({ address: '127.0.0.1', port: PORT, localAddress: '127.0.0.2' });
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    expect(await cluster.workerPids()).toContain(await askPid(sock, 'many'));
    await sock.end();
  });

  test('one-to-many without SO_REUSEPORT cannot be shared: the start fails naming the listener, exit code 1', async () => {
    const cluster = await activated('sctp-many', false, 'many', MANY, true);
    expect((await cluster.exited).code).toBe(1);
    expect(cluster.stderr.join('\n')).toMatch(/SHOAL_ERR_SOCKET_ACTIVATION_MISMATCH: socket activation: listener "many" got descriptor 3, whose sharing is one socket for all workers/);
  });
});
