/**
 * A new supervisor that cannot take over (a configuration made invalid on
 * disk, an app that throws at boot) leaves the old one serving, untouched:
 * `shoal upgrade` prints the new supervisor's own error and exits 1, and a
 * later upgrade, once the cause is fixed, goes through.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SupervisorStatus } from '@shoal/core';
import { httpGet, metricValue, tcpAsk } from '../helpers/clients';
import { fixtureConfig, isAlive, startCluster, stopAllClusters } from '../helpers/cluster';
import type { Cluster } from '../helpers/cluster';
import { SHOAL_BIN, shoalCli } from '../helpers/shoal-cli';

const FIXTURE_APP = join(__dirname, '..', 'dist', 'fixtures', 'app.module.js');

let dir: string;
let socket: string;
let configFile: string;
let appFile: string;
let cluster: Cluster;
const config = (): Record<string, unknown> => fixtureConfig({ name: 'upgradefail', control: { path: socket } });

const cli = (...args: string[]) => shoalCli([...args, '--socket', socket]);
const status = async (): Promise<SupervisorStatus> => JSON.parse((await cli('status', '--json')).stdout);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shoal-upgrade-fail-'));
  socket = join(dir, 'control.sock');
  configFile = join(dir, 'shoal.json');
  writeFileSync(configFile, JSON.stringify(config()));
  // The app the supervisor's workers load, as a file of its own that a test can break.
  appFile = join(dir, 'app.js');
  writeFileSync(appFile, `module.exports = require(${JSON.stringify(FIXTURE_APP)});\n`);
  cluster = await startCluster({ config: {}, entry: SHOAL_BIN, args: ['start', appFile, '--config', configFile] });
});

afterEach(async () => {
  await stopAllClusters();
  rmSync(dir, { recursive: true, force: true });
});

/** The old supervisor is the one that serves, with the workers it had, on every listener. */
async function expectStillServing(before: SupervisorStatus): Promise<void> {
  const now = await status();
  expect(now.pid).toBe(before.pid);
  expect(now.upgradedFrom).toBeNull();
  expect(now.slots.map((s) => [s.state, s.pid])).toEqual(before.slots.map((s) => ['ready', s.pid]));
  expect((await httpGet(cluster.ports.http, '/')).status).toBe(200);
  expect(await tcpAsk(cluster.ports.tcp, 'ping')).toMatch(/ping/);
  expect((await httpGet(cluster.adminPort, '/readyz')).status).toBe(200);
}

it('a configuration made invalid on disk: the old supervisor serves on, the reason is printed, and a fixed one upgrades', async () => {
  const before = await status();
  writeFileSync(configFile, JSON.stringify({ ...config(), workers: 'many' }));

  const failed = await cli('upgrade');
  expect(failed.code).toBe(1);
  expect(failed.stdout).toMatch(/upgrade FAILED/);
  // The new supervisor's own error, naming the field.
  expect(failed.stdout).toMatch(/SHOAL_ERR_CONFIG_INVALID/);
  expect(failed.stdout).toMatch(/workers/);
  const [failure] = cluster.events('upgrade.failed');
  expect(failure.pid).toBe(before.pid);
  expect(isAlive(failure.newPid as number)).toBe(false);
  await expectStillServing(before);
  const metrics = (await cli('metrics')).stdout;
  expect(metricValue(metrics, 'shoal_supervisor_upgrades_total', { result: 'failed' })).toBe(1);
  expect(metricValue(metrics, 'shoal_supervisor_upgrades_total', { result: 'ok' })).toBe(0);

  writeFileSync(configFile, JSON.stringify(config()));
  const fixed = await cli('upgrade');
  expect(fixed.code).toBe(0);
  const after = await status();
  expect(after.pid).not.toBe(before.pid);
  expect(after.upgradedFrom?.pid).toBe(before.pid);
  expect((await httpGet(cluster.ports.http, '/')).status).toBe(200);
  const carried = (await cli('metrics')).stdout;
  expect(metricValue(carried, 'shoal_supervisor_upgrades_total', { result: 'failed' })).toBe(1);
  expect(metricValue(carried, 'shoal_supervisor_upgrades_total', { result: 'ok' })).toBe(1);
});

it('an app that throws at boot: the new supervisor and its workers go, the old one serves on, the app error is printed', async () => {
  const before = await status();
  writeFileSync(appFile, `throw new Error('the new version cannot boot');\n`);

  const failed = await cli('upgrade');
  expect(failed.code).toBe(1);
  expect(failed.stdout).toMatch(/upgrade FAILED/);
  expect(failed.stdout).toMatch(/the new version cannot boot/);
  const newPid = cluster.events('upgrade.failed')[0].newPid as number;
  expect(isAlive(newPid)).toBe(false);
  // No worker of the new supervisor is left behind.
  const strays = cluster.events('worker.ready').filter((l) => l.pid === newPid);
  expect(strays).toEqual([]);
  await expectStillServing(before);
});

it('one operation at a time: an upgrade asked for during a reload is refused, and the reload finishes', async () => {
  const before = await status();
  process.kill(before.pid, 'SIGHUP');
  await cluster.waitForEvent('reload.started');
  const refused = await cli('upgrade');
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/SHOAL_ERR_SUPERVISOR_BUSY: cannot upgrade while a reload runs/);
  expect((await cluster.waitForLogs((l) => l.event === 'reload.finished' || l.event === 'reload.failed', 1))[0].event).toBe('reload.finished');
  expect((await status()).pid).toBe(before.pid);
});

it('SIGUSR2 upgrades as `shoal upgrade` does', async () => {
  const before = await status();
  process.kill(before.pid, 'SIGUSR2');
  await cluster.waitForEvent('upgrade.finished', undefined, 60_000);
  const after = await status();
  expect(after.pid).not.toBe(before.pid);
  expect(after.upgradedFrom?.pid).toBe(before.pid);
  expect((await httpGet(cluster.ports.http, '/')).status).toBe(200);
  // The old supervisor exited 0 once drained.
  const oldExit = cluster.proc.exitCode ?? (await new Promise<number | null>((resolve) => cluster.proc.once('exit', resolve)));
  expect(oldExit).toBe(0);
  // The old supervisor left the control socket's file to the new one, which removes it at its own stop.
  expect(existsSync(socket)).toBe(true);
  expect((await cli('stop')).code).toBe(0);
  expect(existsSync(socket)).toBe(false);
});
