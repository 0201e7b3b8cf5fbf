/**
 * Socket activation with real activators: Debian's systemd-socket-activate
 * (which passes LISTEN_FDS as systemd does, and starts the command at the
 * first connection or datagram) and, for ReusePort=yes, which it cannot set,
 * a small Python activator. The app serves on the passed sockets from every
 * worker, a rolling reload under load drops nothing, and a socket of the
 * wrong type stops the start with an error naming the listener.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpGet, udpAsk } from '../helpers/clients';
import { fixtureConfig, startCluster, stopAllClusters } from '../helpers/cluster';
import type { Cluster } from '../helpers/cluster';
import { collect, started, wrkResult } from '../helpers/load';
import { activatorListening, freePort } from '../helpers/activation';

const SHOAL_BIN = require.resolve('@shoal/core/bin/shoal.js');
const FIXTURE_APP = join(__dirname, '..', 'dist', 'fixtures', 'app.module.js');
const ACTIVATE = '/usr/bin/systemd-socket-activate';
const REUSEPORT_ACTIVATOR = join(__dirname, 'reuseport-activator.py');

/** A config file for `shoal start` with the fixture's listeners; `ports` fix some of them. */
function configFile(ports: Record<string, number>): string {
  const base = fixtureConfig({ workers: 2 });
  const listeners = Object.fromEntries(
    Object.entries(base.listeners as Record<string, Record<string, unknown>>).map(([name, spec]) => [name, { ...spec, port: ports[name] ?? 0 }]),
  );
  const file = join(mkdtempSync(join(tmpdir(), 'shoal-activation-')), 'shoal.json');
  writeFileSync(file, JSON.stringify({ ...base, listeners }));
  return file;
}

/** `shoal start` under an activator (`prefix`); resolves once the process was started (the activator may wait for traffic). */
async function startUnder(prefix: string[], config: string): Promise<Cluster> {
  const cluster = await startCluster({ config: {}, prefix, entry: SHOAL_BIN, args: ['start', FIXTURE_APP, '--config', config], noWait: true });
  if (prefix[0] === ACTIVATE) await activatorListening(cluster);
  return cluster;
}

async function up(cluster: Cluster): Promise<Cluster> {
  const line = await cluster.waitForEvent('supervisor.up', undefined, 60_000);
  cluster.ports = line.listeners as Record<string, number>;
  cluster.admin = line.admin as string;
  return cluster;
}

/** Pids that answered GET /, asking until `wanted` distinct ones answered (at most `limit` requests). */
async function answeringPids(port: number, wanted: number, limit = 400): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < limit && pids.size < wanted; i++) {
    const answer = await httpGet(port, '/', { headers: { connection: 'close' } });
    expect(answer.status).toBe(200);
    pids.add((JSON.parse(answer.body) as { pid: number }).pid);
  }
  return pids;
}

/** Listening TCP sockets on a port (ss), one line each. */
function listeningSockets(port: number): string[] {
  return execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).split('\n').filter((l) => l.trim() !== '');
}

afterEach(() => stopAllClusters());

describe('socket activation (LISTEN_FDS)', () => {
  it('serves HTTP on the socket systemd-socket-activate passed, from every worker, and drops nothing across reloads under load', async () => {
    const port = await freePort();
    const cluster = await startUnder([ACTIVATE, '-l', `127.0.0.1:${port}`, '--fdname=http'], configFile({ http: port }));
    // The first request starts the service (the activator execs it); it waits in the socket's backlog meanwhile.
    const first = httpGet(port, '/', { timeoutMs: 60_000 });
    await up(cluster);
    expect((await first).status).toBe(200);
    expect(cluster.ports.http).toBe(port);
    const passed = await cluster.waitForEvent('systemd.socket-passed');
    expect(passed).toMatchObject({ listener: 'http', fd: 3, port });
    // systemd-socket-activate sets no SO_REUSEPORT: every worker serves the one socket.
    expect(passed.sharedBecause).toMatch(/SO_REUSEPORT/);
    expect(listeningSockets(port)).toHaveLength(1);
    expect((await answeringPids(port, 2)).size).toBe(2);
    // Workers do not inherit the activation variables (they are the supervisor's).
    for (const pid of await cluster.workerPids()) {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(environ.filter((v) => /^LISTEN_(FDS|PID|FDNAMES)=/.test(v))).toEqual([]);
    }

    const wrk = spawn('wrk', ['-t1', '-c8', '-d60s', '-H', 'Connection: close', `http://127.0.0.1:${port}/`]);
    const output = collect(wrk);
    await started(wrk);
    const reports = await cluster.reloads(3);
    wrk.kill('SIGINT');
    const result = wrkResult(await output);
    console.log(`wrk, a connection per request, across 3 reloads on a passed socket: ${JSON.stringify(result)}`);
    expect(reports.map((r) => r.event)).toEqual(['reload.finished', 'reload.finished', 'reload.finished']);
    expect(result.requests).toBeGreaterThan(300);
    expect(result).toMatchObject({ errors: 0, non2xx: 0 });
    expect(listeningSockets(port)).toHaveLength(1);
    // A slot added later serves the passed socket too.
    process.kill(cluster.pid, 'SIGTTIN');
    await cluster.waitForEvent('scale.finished');
    expect((await answeringPids(port, 3)).size).toBe(3);
    expect(listeningSockets(port)).toHaveLength(1);
    await cluster.stop();
    expect((await cluster.exited).code).toBe(0);
  });

  it('serves UDP on a datagram socket passed with --datagram: the datagram that started the service is answered', async () => {
    const port = await freePort();
    const cluster = await startUnder([ACTIVATE, '--datagram', '-l', `127.0.0.1:${port}`, '--fdname=udp'], configFile({}));
    const answer = await udpAsk(port, 'hello', 60_000);
    await up(cluster);
    expect(answer).toMatch(/^\d+ hello$/);
    expect(cluster.ports.udp).toBe(port);
    await cluster.reloads(1);
    expect(await udpAsk(port, 'again', 10_000)).toMatch(/^\d+ again$/);
  });

  it('with SO_REUSEPORT on the passed socket (ReusePort=yes), it is slot 0\'s and the other slot opens its own beside it', async () => {
    const port = await freePort();
    const cluster = await up(await startUnder(['python3', REUSEPORT_ACTIVATOR, '127.0.0.1', String(port), 'http'], configFile({})));
    expect(cluster.ports.http).toBe(port);
    expect(await cluster.waitForEvent('systemd.socket-passed')).toMatchObject({ listener: 'http', fd: 3, sharedBecause: null });
    // Two sockets in one reuseport group: the kernel balances connections between the workers.
    expect(listeningSockets(port)).toHaveLength(2);
    expect((await answeringPids(port, 2)).size).toBe(2);
    await cluster.reloads(1);
    expect(listeningSockets(port)).toHaveLength(2);
    expect((await httpGet(port, '/')).status).toBe(200);
    // A slot added later opens a socket of its own in the group.
    process.kill(cluster.pid, 'SIGTTIN');
    await cluster.waitForEvent('scale.finished');
    expect(listeningSockets(port)).toHaveLength(3);
    expect((await answeringPids(port, 3)).size).toBe(3);
  });

  it('refuses a UDP socket passed for a TCP listener: the error names the listener and the mismatch, exit code 1', async () => {
    const port = await freePort();
    const cluster = await startUnder([ACTIVATE, '--datagram', '-l', `127.0.0.1:${port}`, '--fdname=http'], configFile({}));
    void udpAsk(port, 'start', 1_000).catch(() => undefined);
    const { code } = await cluster.exited;
    expect(code).toBe(1);
    const stderr = cluster.stderr.join('\n');
    expect(stderr).toContain('SHOAL_ERR_SOCKET_ACTIVATION_MISMATCH');
    expect(stderr).toContain('listener "http" got descriptor 3, whose type is a dgram socket (udp), but the listener needs a stream socket (tcp)');
    expect(cluster.events('worker.ready')).toEqual([]);
  });
});
