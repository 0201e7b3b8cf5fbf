/**
 * Type=notify against a real supervisor: a notification socket of the
 * test's own (Python, AF_UNIX datagrams on an abstract address, as systemd's
 * is) reads what the supervisor tells systemd through @shoal/systemd, in
 * order: READY=1 only once the app answers on every worker, RELOADING=1 (with
 * MONOTONIC_USEC) and READY=1 around a reload, STOPPING=1 at SIGTERM, and
 * WATCHDOG=1 pings all along.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../helpers/activation';
import { fixtureConfig, startCluster, stopAllClusters } from '../helpers/cluster';

const RECEIVER = join(__dirname, 'notify-receiver.py');

interface Notification {
  fields: Record<string, string>;
  monotonicUsec: number;
  probe?: { http: number | string; ready: number | string; workers: number };
}

class Receiver {
  readonly received: Notification[] = [];
  private readonly waiters: (() => void)[] = [];
  readonly exited: Promise<number | null>;
  /** Resolves once its socket is bound. */
  readonly listening: Promise<void>;

  constructor(readonly proc: ChildProcess) {
    let bound: () => void = () => undefined;
    this.listening = new Promise((resolve) => (bound = resolve));
    createInterface({ input: proc.stdout! }).on('line', (text) => {
      if (text === 'listening') bound();
      else this.received.push(JSON.parse(text) as Notification);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.exited = new Promise((resolve) => proc.once('exit', resolve));
  }

  static async start(address: string, ...ports: number[]): Promise<Receiver> {
    const receiver = new Receiver(spawn('python3', [RECEIVER, address, ...ports.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] }));
    await receiver.listening;
    return receiver;
  }

  /** Waits until `count` notifications match. */
  async until(predicate: (n: Notification) => boolean, count = 1): Promise<Notification[]> {
    while (this.received.filter(predicate).length < count) {
      await new Promise<void>((resolve, reject) => {
        this.waiters.push(resolve);
        void this.exited.then(() => reject(new Error(`the receiver exited; got ${JSON.stringify(this.received)}`)));
      });
    }
    return this.received.filter(predicate);
  }
}

afterEach(() => stopAllClusters());

let receiverProc: ChildProcess | undefined;
afterEach(() => receiverProc?.kill());

describe('sd_notify (Type=notify)', () => {
  it('tells systemd READY once the app answers, RELOADING/READY around a reload, STOPPING at SIGTERM, with watchdog pings', async () => {
    const [http, admin] = [await freePort(), await freePort()];
    const address = `@shoal-notify-test-${process.pid}-${Date.now()}`;
    const receiver = await Receiver.start(address, http, admin);
    receiverProc = receiver.proc;
    const base = fixtureConfig();
    const config = {
      ...base,
      workers: 2,
      admin: { host: '127.0.0.1', port: admin },
      listeners: { ...(base.listeners as Record<string, unknown>), http: { transport: 'http', host: '127.0.0.1', port: http } },
    };
    // 200 ms watchdog: a ping every 100 ms (WATCHDOG_PID unset: the pings are the main process's).
    const cluster = await startCluster({ config, env: { NOTIFY_SOCKET: address, WATCHDOG_USEC: '200000' } });
    const [ready] = await receiver.until((n) => n.fields.READY === '1');
    // When READY arrived, a client was answered and every worker was ready.
    expect(ready.probe).toEqual({ http: 200, ready: 2, workers: 2 });
    expect(ready.fields.MAINPID).toBeUndefined();
    expect(ready.fields.STATUS).toBe('serving: 2/2 workers ready');

    await cluster.reloads(1);
    await receiver.until((n) => n.fields.READY === '1', 2);
    const pingsBefore = receiver.received.filter((n) => n.fields.WATCHDOG === '1').length;
    await receiver.until((n) => n.fields.WATCHDOG === '1', pingsBefore + 3);

    await cluster.stop('SIGTERM');
    await receiver.until((n) => n.fields.STOPPING === '1');
    expect((await cluster.exited).code).toBe(0);

    const states = receiver.received.filter((n) => n.fields.READY || n.fields.RELOADING || n.fields.STOPPING);
    expect(states.map((n) => Object.keys(n.fields).filter((k) => k !== 'STATUS' && k !== 'MONOTONIC_USEC').join('+'))).toEqual([
      'READY', 'RELOADING', 'READY', 'STOPPING',
    ]);
    // systemd >= 253 wants the CLOCK_MONOTONIC time of the reload's start with RELOADING=1.
    const reloading = states[1];
    expect(Number(reloading.fields.MONOTONIC_USEC)).toBeGreaterThan(states[0].monotonicUsec);
    expect(Number(reloading.fields.MONOTONIC_USEC)).toBeLessThanOrEqual(reloading.monotonicUsec);
    // Watchdog pings came before READY (a long boot must not trip it) and went on after it.
    const firstReady = receiver.received.indexOf(states[0]);
    const pings = receiver.received.map((n, i) => (n.fields.WATCHDOG === '1' ? i : -1)).filter((i) => i >= 0);
    expect(pings.length).toBeGreaterThanOrEqual(pingsBefore + 3);
    expect(pings.some((i) => i > firstReady)).toBe(true);
    // Starting statuses come before READY; the reload's progress between RELOADING and the second READY.
    expect(receiver.received.slice(0, firstReady).some((n) => /^starting/.test(n.fields.STATUS ?? ''))).toBe(true);
    const [reloadStart, reloadEnd] = [receiver.received.indexOf(states[1]), receiver.received.indexOf(states[2])];
    expect(receiver.received.slice(reloadStart, reloadEnd).some((n) => /^reloading: slot 1 /.test(n.fields.STATUS ?? ''))).toBe(true);
    await receiver.exited;
  });

  it('without @shoal/systemd installed, a start under systemd stops before any worker, naming the package', () => {
    // A service of its own, outside this repository's node_modules: core and the transport by path.
    const dir = mkdtempSync(join(tmpdir(), 'shoal-no-systemd-'));
    const main = join(dir, 'main.js');
    writeFileSync(
      main,
      `const { run } = require(${JSON.stringify(require.resolve('@shoal/core'))});\n` +
        `const { tcpTransports } = require(${JSON.stringify(require.resolve('@shoal/transport-tcp'))});\n` +
        `run({ loadModule: () => { throw new Error('no worker may start'); }, transports: tcpTransports(), config: { workers: 1, admin: false, control: false, listeners: { http: { transport: 'http', host: '127.0.0.1', port: 0 } } } });\n`,
    );
    const result = spawnSync(process.execPath, [main], {
      cwd: dir,
      env: { ...process.env, NODE_PATH: '', NOTIFY_SOCKET: '@shoal-nobody-listens' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^shoal: SHOAL_ERR_SYSTEMD_NOT_INSTALLED: the environment has NOTIFY_SOCKET \(this process runs under systemd\), but the package @shoal\/systemd, which talks to systemd, is not installed \(looked for it from .*shoal-no-systemd-.*\)\. Install it next to the application/m,
    );
    expect(result.stdout).not.toMatch(/"role":"worker"/);
  });
});
