/**
 * Redis is optional: @shoal/core loads @shoal/redis (and with it ioredis)
 * only for a configuration with a `redis` section, in the supervisor and in
 * each worker. A probe preloaded into every process (fixtures/module-probe.ts)
 * reports the files it loads. Without @shoal/redis installed, a `redis`
 * section stops the start with an error that names the package; a bad
 * `redis` section is reported with every other problem, with no Redis code loaded.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpGet } from '../helpers/clients';
import { fixtureConfig, startCluster, stopAllClusters } from '../helpers/cluster';
import type { Cluster, LogLine } from '../helpers/cluster';
import { fleetConfig, members, redisSection, startHost } from '../helpers/fleet';
import { RedisServer, stopAllRedis } from '../helpers/redis';

const PROBE = join(__dirname, '..', 'dist', 'fixtures', 'module-probe.js');
const PROBED = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${PROBE}`.trim() };
const SHOAL_BIN = require.resolve('@shoal/core/bin/shoal.js');
const FIXTURE_APP = join(__dirname, '..', 'dist', 'fixtures', 'app.module.js');
const FLEET_APP = join(__dirname, '..', 'dist', 'fixtures', 'fleet-app.module.js');

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shoal-redis-optional-'));
});

afterEach(stopAllClusters);

afterAll(async () => {
  await stopAllRedis();
  rmSync(dir, { recursive: true, force: true });
});

/** The pids the probe is armed in, and what it saw each load: `pid module` lines. */
function probed(cluster: Cluster): { armed: number[]; loaded: string[] } {
  const lines = (msg: string): LogLine[] => cluster.logs.filter((l) => l.msg === msg);
  return {
    armed: lines('probe: armed').map((l) => l.pid),
    loaded: lines('probe: module loaded').map((l) => `${l.pid} ${l.module as string}`),
  };
}


interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <args>` to completion, without NODE_PATH (so only the directories themselves resolve packages). */
function node(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd, env: { ...process.env, NODE_PATH: '', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('Redis is optional', () => {
  it('without a redis section, neither the supervisor nor a worker loads @shoal/redis or ioredis', async () => {
    const host = await startHost(fleetConfig(), PROBED);
    const port = host.cluster.ports.http;
    // Everything that would use Redis with a redis section: the store, broadcast, fleet status.
    expect(JSON.parse((await httpGet(port, '/store/incr?key=n')).body).value).toBe(1);
    expect((await httpGet(port, '/broadcast?text=hi')).status).toBe(200);
    await host.cluster.waitForLogs((l) => l.event === 'fixture.broadcast', 2, 5_000);
    expect(await members(host)).toHaveLength(1);

    const pids = [host.cluster.pid, ...(await host.cluster.workerPids())];
    const { armed, loaded } = probed(host.cluster);
    // The probe ran in every process (so that what it did not see was not loaded).
    expect(pids.every((pid) => armed.includes(pid))).toBe(true);
    expect(loaded).toEqual([]);
  });

  it('with a redis section, the supervisor and every worker load them, started by run() or by shoal start', async () => {
    const redis = await RedisServer.start();
    const file = join(dir, 'fleet.json');
    writeFileSync(file, JSON.stringify(fleetConfig({ redis: redisSection(redis.url, 'host-cli') })));
    const [viaRun, viaCli] = await Promise.all([
      startHost(fleetConfig({ redis: redisSection(redis.url, 'host-run') }), PROBED),
      startCluster({ config: {}, entry: SHOAL_BIN, args: ['start', FLEET_APP, '--config', file], env: PROBED }),
    ]);
    for (const cluster of [viaRun.cluster, viaCli]) {
      expect(JSON.parse((await httpGet(cluster.ports.http, '/store/incr?key=n')).body).value).toBeGreaterThanOrEqual(1);
      const pids = [cluster.pid, ...(await cluster.workerPids())];
      expect(probed(cluster).loaded.sort()).toEqual(pids.flatMap((pid) => [`${pid} @shoal/redis`, `${pid} ioredis`]).sort());
    }
  });

  describe('without @shoal/redis installed', () => {
    const core = require.resolve('@shoal/core');
    const tcp = require.resolve('@shoal/transport-tcp');
    const section = { url: 'redis://127.0.0.1:6379' };
    const listeners = { http: { transport: 'http', host: '127.0.0.1', port: 0 } };
    const notInstalled = /SHOAL_ERR_REDIS_NOT_INSTALLED: the configuration has a redis section, but the package @shoal\/redis is not installed \(looked for it from .*shoal-redis-optional-.*\)\. Install it next to the application \(npm install @shoal\/redis/;

    it('run() stops the start with an error that names the package, before any worker', async () => {
      // A service of its own, outside this repository's node_modules: core and the transport by path.
      const main = join(dir, 'main.js');
      writeFileSync(
        main,
        `const { run } = require(${JSON.stringify(core)});\n` +
          `const { tcpTransports } = require(${JSON.stringify(tcp)});\n` +
          `run({ loadModule: () => { throw new Error('no worker may start'); }, transports: tcpTransports(), config: JSON.parse(process.env.SHOAL_TEST_CONFIG) });\n`,
      );
      const config = { workers: 1, admin: false, control: false, listeners, redis: section };
      const result = await node([main], { cwd: dir, env: { SHOAL_TEST_CONFIG: JSON.stringify(config) } });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^shoal: ${notInstalled.source}`, 'm'));
      expect(result.stdout).not.toMatch(/"role":"worker"/);
    });

    it('shoal start and shoal start --check refuse it as a configuration error (exit code 2)', async () => {
      const file = join(dir, 'shoal.config.js');
      writeFileSync(file, `module.exports = { transports: require(${JSON.stringify(tcp)}).tcpTransports(), workers: 1, admin: false, control: false, listeners: ${JSON.stringify(listeners)}, redis: ${JSON.stringify(section)} };\n`);
      for (const check of [[], ['--check']]) {
        const result = await node([SHOAL_BIN, 'start', join(dir, 'app.js'), '--config', file, ...check], { cwd: dir });
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(new RegExp(`^shoal: ${notInstalled.source}`, 'm'));
      }
    });
  });

  it('a bad redis section is reported with every other problem, and no Redis code is loaded to do it', async () => {
    const { control: _control, ...config } = fixtureConfig({ workers: 0, redis: { url: 'http://x', heartbeatMs: 1.5, colour: 1 } });
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(config));
    // From this directory, as a service would start: its node_modules has the transports (and @shoal/redis).
    const result = await node([SHOAL_BIN, 'start', FIXTURE_APP, '--config', file, '--check'], { cwd: join(__dirname, '..'), env: PROBED });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/SHOAL_ERR_CONFIG_INVALID: invalid Shoal configuration \(4 problems\)/);
    for (const problem of [
      /- workers must be an integer from 1 to 1024, got 0/,
      /- redis\.url must be a redis:\/\/ or rediss:\/\/ URL, got "http:\/\/x"/,
      /- redis\.heartbeatMs must be an integer from 50 to 60000, got 1\.5/,
      /- redis\.colour is not a known option/,
    ]) {
      expect(result.stderr).toMatch(problem);
    }
    expect(result.stdout).toMatch(/"msg":"probe: armed"/);
    expect(result.stdout).not.toMatch(/probe: module loaded/);
  });
});
