/**
 * Owning the port (docs/port-ownership.md): the kernel lets any socket of the
 * same user with SO_REUSEPORT join a listener's port and take a share of its
 * traffic. A start refuses when another process already listens there (a
 * second supervisor of the same configuration, a stranger on a more specific
 * address), unless the listener shares on purpose; a running supervisor
 * reports a late joiner (log, metric, status, /readyz) within its interval,
 * and its going. `shoal doctor --config` checks the same.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, fixtureConfig, startCluster, stopAllClusters, testControlSocket } from '../helpers/cluster';
import { freePort } from '../helpers/activation';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { httpGet, tcpAsk, udpAsk } from '../helpers/clients';
import { SHOAL_BIN, shoalCli } from '../helpers/shoal-cli';
import { startStranger, type Stranger } from '../helpers/stranger';

/** New connections or datagrams sent to a port with a stranger in its group. */
const SENDS = 1_000;
/** Asked at once (each from a new source port). */
const BATCH = 20;
const CHECK_MS = 200;

const strangers: Stranger[] = [];
afterEach(async () => {
  await Promise.all(strangers.splice(0).map((s) => s.stop()));
  await stopAllClusters();
});

/** The fixture's listeners (its handlers name each), one of them on a given address and port, the others on port 0. */
function withPort(name: 'tcp' | 'udp' | 'http', host: string, port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const config = fixtureConfig({ foreignListenerCheckMs: CHECK_MS });
  const listeners = config.listeners as Record<string, Record<string, unknown>>;
  listeners[name] = { ...listeners[name], host, port, ...extra };
  return config;
}

/** How the log names a stranger: its pid and the start of its command line (python3 as the PATH found it, with its program). */
function strangerText(joiner: Stranger): RegExp {
  return new RegExp(`held by pid ${joiner.pid} \\(\\S*python3 -c import os, select, socket, sys `);
}

function gauge(metrics: string, listener: string): number | undefined {
  return metricValueOf(metrics, 'shoal_foreign_listeners', listener);
}

const FIXTURE_APP = join(__dirname, '..', 'dist', 'fixtures', 'app.module.js');

describe('a listener owns its port', () => {
  it('`shoal start` of a configuration that already runs fails, naming the running supervisor; nothing of it binds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shoal-ownership-'));
    try {
      const port = await freePort();
      const { control: _control, ...config } = withPort('http', '127.0.0.1', port);
      const file = join(dir, 'shoal.config.json');
      writeFileSync(file, JSON.stringify({ ...config, name: 'twice' }));
      const env = { SHOAL_RUNTIME_DIR: join(dir, 'run') };
      const start = (): Promise<Cluster> => startCluster({ config: {}, entry: SHOAL_BIN, args: ['start', FIXTURE_APP, '--config', file], env, noWait: true });
      const first = await start();
      await first.waitForEvent('supervisor.up');
      const second = await start();
      expect((await second.exited).code).toBe(1);
      const [failed] = second.events('supervisor.start-failed');
      expect(failed.msg).toContain(`held by Shoal supervisor "twice" pid ${first.pid} (control socket ${join(dir, 'run', 'twice.sock')})`);
      expect(second.events('worker.ready')).toEqual([]);
      // The first serves on, alone.
      expect((await shoalCli(['status', '--json', '--name', 'twice'], { env })).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a second supervisor of the same configuration fails at start, naming the first; with shareWithOthers it starts, and the first reports it', async () => {
    const port = await freePort();
    const first = await startCluster({ config: withPort('http', '127.0.0.1', port) });
    const firstWorkers = await first.workerPids();
    const firstControl = (await first.status()).control;

    const second = await startCluster({ config: { ...withPort('http', '127.0.0.1', port), control: { path: testControlSocket() } }, noWait: true });
    expect((await second.exited).code).toBe(1);
    const failed = second.logs.find((l) => l.event === 'supervisor.start-failed');
    expect(failed?.msg).toContain(`listener "http" (tcp 127.0.0.1:${port}): other processes already listen on this port`);
    expect(failed?.msg).toContain(`Shoal supervisor "shoal" pid ${first.pid} (control socket ${firstControl})`);
    for (const pid of firstWorkers) expect(failed?.msg).toMatch(new RegExp(`workers [0-9, ]*\\b${pid}\\b`));
    expect(failed?.msg).toContain('shareWithOthers: true');
    // It bound nothing: no worker of it ever started.
    expect(second.events('worker.ready')).toEqual([]);

    const sharing = await startCluster({ config: { ...withPort('http', '127.0.0.1', port, { shareWithOthers: true }), control: { path: testControlSocket() } } });
    // Each socket of the sharer (one per slot) is reported once.
    const sharingWorkers = await sharing.workerPids();
    const reported = await first.waitForLogs((l) => l.event === 'ownership.foreign-listener' && (l.shoal as { pid: number }[])[0]?.pid === sharing.pid, sharingWorkers.length);
    for (const line of reported) expect(line).toMatchObject({ level: 'warn', listener: 'http', address: `127.0.0.1:${port}`, pids: [] });
    expect(reported.flatMap((l) => (l.shoal as { workers: number[] }[])[0].workers).sort()).toEqual([...sharingWorkers].sort());
    // The sharer knows the first is there, and says so without alarm: it asked for it.
    expect(await sharing.waitForEvent('ownership.foreign-listener', (l) => (l.shoal as { pid: number }[])[0]?.pid === first.pid)).toMatchObject({ level: 'info', shared: true });
    expect(gauge(await first.metrics(), 'http')).toBe(sharingWorkers.length);

    await sharing.stop();
    // Each of its sockets is said gone once (the slots close one after the other).
    await first.waitForLogs((l) => l.event === 'ownership.foreign-listener-gone' && l.listener === 'http', sharingWorkers.length);
    expect(gauge(await first.metrics(), 'http')).toBe(0);
  });

  it.each(['tcp', 'udp'] as const)('a stranger joining a running %s listener is reported within the interval (log, metric, status, /readyz), and its going', async (kind) => {
    const port = await freePort();
    const cluster: Cluster = await startCluster({ config: withPort(kind, '127.0.0.1', port) });
    expect(gauge(await cluster.metrics(), kind)).toBe(0);

    const joiner = await startStranger(kind, '127.0.0.1', port);
    strangers.push(joiner);
    const reported = await cluster.waitForEvent('ownership.foreign-listener', (l) => (l.pids as number[]).includes(joiner.pid));
    expect(reported).toMatchObject({ level: 'warn', listener: kind, address: `127.0.0.1:${port}`, pids: [joiner.pid] });
    expect(reported.msg).toMatch(strangerText(joiner));
    expect(gauge(await cluster.metrics(), kind)).toBe(1);
    expect((await cluster.status()).foreignListeners).toMatchObject([{ listener: kind, protocol: kind, processes: [{ pid: joiner.pid }] }]);
    const readyz = await httpGet(cluster.adminPort, '/readyz');
    expect(readyz.status).toBe(200); // The workers still serve: named, not unready.
    expect(JSON.parse(readyz.body).foreignListeners).toEqual([{ listener: kind, address: `127.0.0.1:${port}`, pids: [joiner.pid] }]);
    const status = await shoalCli(['status', '--socket', (await cluster.status()).control!]);
    expect(status.stdout).toContain(`listener ${kind}: ${kind} 127.0.0.1:${port} held by pid ${joiner.pid} (`);

    await joiner.stop();
    await cluster.waitForEvent('ownership.foreign-listener-gone', (l) => l.listener === kind);
    expect(gauge(await cluster.metrics(), kind)).toBe(0);
    expect((await cluster.status()).foreignListeners).toEqual([]);
  });

  it('a more specific address held by another process is named at start, and by shoal doctor', async () => {
    const port = await freePort();
    const joiner = await startStranger('tcp', '127.0.0.1', port);
    strangers.push(joiner);
    const config = withPort('tcp', '0.0.0.0', port);

    const refused = await startCluster({ config, noWait: true });
    expect((await refused.exited).code).toBe(1);
    const failed = refused.logs.find((l) => l.event === 'supervisor.start-failed');
    expect(failed?.msg).toContain(`listener "tcp" (tcp 0.0.0.0:${port}): other processes already listen on this port`);
    expect(failed?.msg).toContain(`tcp 127.0.0.1:${port} held by pid ${joiner.pid} (`);
    expect(failed?.msg).toMatch(strangerText(joiner));

    const dir = mkdtempSync(join(tmpdir(), 'shoal-ownership-'));
    try {
      const file = join(dir, 'shoal.config.json');
      const { control: _control, ...rest } = config;
      writeFileSync(file, JSON.stringify(rest));
      const doctor = await shoalCli(['doctor', '--config', file, '--json']);
      const check = (JSON.parse(doctor.stdout) as { check: string; status: string; detail: string }[]).find((c) => c.check === 'port of tcp');
      expect(check).toMatchObject({ status: 'FAIL' });
      expect(check?.detail).toContain(`held by pid ${joiner.pid}`);
      expect(doctor.code).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a specific address of ours is not taken by a wildcard stranger: the start goes on', async () => {
    const port = await freePort();
    strangers.push(await startStranger('tcp', '0.0.0.0', port));
    const cluster = await startCluster({ config: withPort('tcp', '127.0.0.1', port) });
    // `shoal status` checks afresh before it answers.
    const status = await shoalCli(['status', '--json', '--socket', (await cluster.status()).control!]);
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'running', foreignListeners: [] });
  });
});

/** `count` calls of `ask`, BATCH at a time. */
async function inBatches<T>(count: number, ask: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < count; i += BATCH) results.push(...(await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, (_, j) => ask(i + j)))));
  return results;
}

/** Opens a connection and closes it once connected (the stranger answers nothing, so nothing is asked). */
function touch(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

/** Sends one datagram from a new socket (and does not wait for an answer). */
function sendOne(port: number, payload: string): Promise<void> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => socket.send(payload, port, '127.0.0.1', () => socket.close(() => resolve())));
}

describe('the reuseport selector takes the traffic back', () => {
  it.each(['tcp', 'udp'] as const)('%s: a stranger that joins a running listener gets none of 1,000 new connections or datagrams; the workers answer every one', async (kind) => {
    const port = await freePort();
    const cluster = await startCluster({ config: withPort(kind, '127.0.0.1', port) });
    const workers = await cluster.workerPids();
    expect(await cluster.waitForEvent('ownership.selector', (l) => l.listener === kind)).toMatchObject({ sockets: workers.length });
    expect(metricValueOf(await cluster.metrics(), 'shoal_reuseport_selector', kind)).toBe(1);
    const joiner = await startStranger(kind, '127.0.0.1', port);
    strangers.push(joiner);

    const answers = await inBatches(SENDS, (i) => (kind === 'tcp' ? tcpAsk(port, 'pid') : udpAsk(port, `d${i}`, 10_000)));
    const pids = answers.map((a) => Number(a.split(' ')[0]));
    expect(pids.filter((pid) => !workers.includes(pid))).toEqual([]);
    // Both workers took their share: the selector spreads, it does not pin.
    for (const pid of workers) expect(pids.filter((p) => p === pid).length).toBeGreaterThan(SENDS / 10);
    // And the joiner is reported all the same (waited for while it is there: 1,000 datagrams can take less than an interval).
    await cluster.waitForEvent('ownership.foreign-listener', (l) => (l.pids as number[]).includes(joiner.pid));
    expect(await joiner.stop()).toBe(0);
  });

  it.each(['tcp', 'udp'] as const)('%s with reuseportSelector false: the stranger gets a share, and is reported', async (kind) => {
    const port = await freePort();
    const cluster = await startCluster({ config: { ...withPort(kind, '127.0.0.1', port), reuseportSelector: false } });
    expect(metricValueOf(await cluster.metrics(), 'shoal_reuseport_selector', kind)).toBe(0);
    const joiner = await startStranger(kind, '127.0.0.1', port);
    strangers.push(joiner);
    await inBatches(SENDS, (i) => (kind === 'tcp' ? touch(port) : sendOne(port, `d${i}`)));
    await cluster.waitForEvent('ownership.foreign-listener', (l) => (l.pids as number[]).includes(joiner.pid));
    expect(await joiner.stop()).toBeGreaterThan(SENDS / 10);
    expect(cluster.events('ownership.selector')).toEqual([]);
  });
});

function metricValueOf(metrics: string, name: string, listener: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}{listener="${listener}"}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('the selector follows the held sockets', () => {
  it('a scale-up extends it to the new socket; one while a stranger is on the port turns it off, said in the log', async () => {
    const port = await freePort();
    const cluster = await startCluster({ config: withPort('tcp', '127.0.0.1', port) });
    await cluster.waitForEvent('ownership.selector', (l) => l.sockets === 2);

    process.kill(cluster.pid, 'SIGTTIN');
    await cluster.waitForEvent('scale.finished', (l) => l.to === 3);
    await cluster.waitForEvent('ownership.selector', (l) => l.sockets === 3);
    const three = await cluster.workerPids();
    const pids = (await inBatches(300, () => tcpAsk(port, 'pid'))).map(Number);
    for (const pid of three) expect(pids.filter((p) => p === pid).length).toBeGreaterThan(30);

    const joiner = await startStranger('tcp', '127.0.0.1', port);
    strangers.push(joiner);
    await cluster.waitForEvent('ownership.foreign-listener', (l) => (l.pids as number[]).includes(joiner.pid));
    process.kill(cluster.pid, 'SIGTTIN');
    await cluster.waitForEvent('scale.finished', (l) => l.to === 4);
    expect(await cluster.waitForEvent('ownership.selector-off', (l) => l.listener === 'tcp')).toMatchObject({ level: 'warn' });
    expect(metricValueOf(await cluster.metrics(), 'shoal_reuseport_selector', 'tcp')).toBe(0);
  });
});
