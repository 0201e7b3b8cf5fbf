/**
 * A supervisor that is PID 1 (a container without an init) does not exit
 * after an upgrade, which would end the container: it stays as a thin keeper
 * that relays signals to the supervisor serving now, follows it over later
 * upgrades (one keeper, no chain), and exits with the service. PID 1 here is
 * the first process of a PID namespace the test creates (unshare). The same
 * for a supervisor in the foreground of a terminal (a pty the test makes), so
 * that the shell does not get its prompt back while the service runs on.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SupervisorStatus } from '@shoal/core';
import { httpGet } from '../helpers/clients';
import { fixtureConfig, startCluster, stopAllClusters } from '../helpers/cluster';
import { SHOAL_BIN, shoalCli } from '../helpers/shoal-cli';

const FIXTURE_APP = join(__dirname, '..', 'dist', 'fixtures', 'app.module.js');

let dir: string;
let socket: string;

const cli = (...args: string[]) => shoalCli([...args, '--socket', socket]);
const status = async (): Promise<SupervisorStatus> => JSON.parse((await cli('status', '--json')).stdout);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shoal-keeper-'));
  socket = join(dir, 'control.sock');
});

afterEach(async () => {
  await stopAllClusters();
  rmSync(dir, { recursive: true, force: true });
});

it('as PID 1, the old supervisor keeps the process over two upgrades, relays SIGTERM, and exits 0 with the service', async () => {
  const configFile = join(dir, 'shoal.json');
  writeFileSync(configFile, JSON.stringify(fixtureConfig({ name: 'keepertest', control: { path: socket } })));
  const cluster = await startCluster({
    config: {},
    entry: SHOAL_BIN,
    args: ['start', FIXTURE_APP, '--config', configFile],
    // A PID namespace with its own /proc, so that pids read there mean what they say.
    prefix: ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'],
  });
  const first = await status();
  expect(first.pid).toBe(1);
  // The namespace's PID 1, seen from here (unshare's child); `shoal upgrade` runs in its namespaces, as it would in the container.
  const keeper = Number(readFileSync(`/proc/${cluster.pid}/task/${cluster.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
  const upgrade = () => shoalCli(['upgrade', '--socket', socket], { prefix: ['nsenter', '-t', String(keeper), '--pid', '--mount'] });

  const upgraded = await upgrade();
  expect(upgraded.code).toBe(0);
  expect(upgraded.stdout).toMatch(/stays as a keeper/);
  const second = await status();
  expect(second.upgradedFrom?.pid).toBe(1);
  await cluster.waitForEvent('upgrade.keeper', (l) => l.supervisorPid === second.pid);
  expect((await httpGet(cluster.ports.http, '/')).status).toBe(200);

  // The new supervisor is no PID 1 and reads no terminal: it goes at the next upgrade, and the keeper follows.
  const again = await upgrade();
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/upgrade done/);
  const third = await status();
  expect(third.upgradedFrom?.pid).toBe(second.pid);
  await cluster.waitForEvent('upgrade.keeper', (l) => l.supervisorPid === third.pid);
  expect(cluster.events('upgrade.keeper').map((l) => l.pid)).toEqual([1, 1]);

  // SIGTERM to the keeper stops the service.
  process.kill(keeper, 'SIGTERM');
  const exit = await cluster.exited;
  expect(exit.code).toBe(0);
  expect(cluster.events('supervisor.stopped').map((l) => l.pid)).toEqual([1, second.pid, third.pid]);
});

it('in the foreground of a terminal, the old supervisor stays as the keeper: the shell keeps waiting, and SIGTERM stops the service', async () => {
  const configFile = join(dir, 'shoal.json');
  writeFileSync(configFile, JSON.stringify(fixtureConfig({ name: 'ttykeeper', control: { path: socket } })));
  // A terminal of the test's own: Python's pty runs the supervisor with a pseudo-terminal as its stdin and output.
  const terminal = ['python3', '-c', 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)'];
  const cluster = await startCluster({ config: {}, entry: SHOAL_BIN, args: ['start', FIXTURE_APP, '--config', configFile, '--log-format', 'json'], prefix: terminal });
  const first = await status();

  const upgraded = await cli('upgrade');
  expect(upgraded.code).toBe(0);
  expect(upgraded.stdout).toMatch(/stays as a keeper/);
  const second = await status();
  expect(second.upgradedFrom?.pid).toBe(first.pid);
  expect(second.pid).not.toBe(first.pid);
  await cluster.waitForEvent('upgrade.keeper', (l) => l.supervisorPid === second.pid);
  expect((await httpGet(cluster.ports.http, '/')).status).toBe(200);

  // The terminal's process (what the shell waits for) is still the first supervisor, now the keeper.
  process.kill(first.pid, 'SIGTERM');
  const exit = await cluster.exited;
  expect(exit.code).toBe(0);
  expect(cluster.events('supervisor.stopped').map((l) => l.pid)).toEqual([first.pid, second.pid]);
});
