/**
 * The promise of `shoal upgrade`, proven under sustained load: 5 consecutive
 * upgrades of a `shoal start`ed supervisor (2 workers) while HTTP (keep-alive
 * and a connection per request, with wrk), framed TCP request/response and a
 * fixed-rate UDP stream run (and TCP connections of a handOffOnReload
 * listener, which move alive to the new supervisor's workers), with net.ipv4.tcp_migrate_req at 0 and at 1, in a
 * network namespace the test creates. Nothing fails or is lost, the
 * supervisor's pid changes each time, and every counter carries on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SupervisorStatus } from '@shoal/core';
import { metricValue } from '../helpers/clients';
import { fixtureConfig, isAlive, startCluster, stopAllClusters } from '../helpers/cluster';
import type { Cluster } from '../helpers/cluster';
import { NetworkNamespace } from '../helpers/netns';
import { FixtureLoad } from '../helpers/load';
import { SHOAL_BIN, shoalCli } from '../helpers/shoal-cli';

const UPGRADES = 5;
const FIXTURE_APP = join(__dirname, '..', 'dist', 'fixtures', 'app.module.js');

/** Counters that only grow: what the workers counted (summed) and what the supervisor counted. */
const COUNTERS: [string, Record<string, string>][] = [
  ['shoal_messages_received_total', { listener: 'http' }],
  ['shoal_messages_received_total', { listener: 'tcp' }],
  ['shoal_messages_received_total', { listener: 'udp' }],
  ['shoal_connections_total', { listener: 'tcp' }],
  ['shoal_worker_exits_total', {}],
];

describe.each([0, 1])('5 supervisor upgrades under load, tcp_migrate_req=%i', (migrate) => {
  let ns: NetworkNamespace;
  let cluster: Cluster;
  let dir: string;
  let socket: string;

  const cli = async (...args: string[]) => shoalCli([...args, '--socket', socket]);
  const status = async (): Promise<SupervisorStatus> => JSON.parse((await cli('status', '--json')).stdout);
  const metrics = async (): Promise<string> => (await cli('metrics')).stdout;

  beforeAll(async () => {
    ns = NetworkNamespace.create({ 'net.ipv4.tcp_migrate_req': migrate });
    dir = mkdtempSync(join(tmpdir(), 'shoal-upgrade-'));
    // The control socket is a file: the CLI reaches it from outside the namespace.
    socket = join(dir, 'control.sock');
    const configFile = join(dir, 'shoal.json');
    writeFileSync(configFile, JSON.stringify(fixtureConfig({ name: 'upgradetest', control: { path: socket } })));
    cluster = await startCluster({ config: {}, entry: SHOAL_BIN, args: ['start', FIXTURE_APP, '--config', configFile], prefix: ns.prefix });
  });
  afterAll(async () => {
    await stopAllClusters();
    ns?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('drops nothing, changes the supervisor each time, and every counter carries on', async () => {
    // Booting a supervisor and its workers on 2 busy cores takes a while: wrk's own limit is only a bound (stop() ends it).
    const load = await FixtureLoad.start(ns, cluster.ports, 240);

    // A reload first, so that the supervisor's own counters have something to carry over.
    expect((await cluster.reloads(1))[0].event).toBe('reload.finished');
    const pids = [cluster.pid];
    const scrapes = [await metrics()];
    const upgrades = [];
    for (let i = 1; i <= UPGRADES; i++) {
      upgrades.push(await cli('upgrade'));
      const now = await status();
      pids.push(now.pid);
      expect(now.upgradedFrom?.pid).toBe(pids[i - 1]);
      scrapes.push(await metrics());
    }
    const result = await load.stop();

    // A UDP flow stays on its slot across supervisors: slot i of the new one serves slot i's socket.
    const slotOf = new Map(cluster.events('worker.ready').map((l) => [l.workerPid as number, l.slot as number]));
    // One worker more on each hand-off connection for the reload, and one for each upgrade.
    const problems = result.problems(UPGRADES + 2, slotOf);
    const check = (ok: boolean, what: string): void => {
      if (!ok) problems.push(what);
    };
    for (const [i, upgrade] of upgrades.entries()) {
      check(upgrade.code === 0 && /upgrade done/.test(upgrade.stdout), `upgrade ${i + 1}: exit ${upgrade.code}\n${upgrade.stdout}${upgrade.stderr}`);
    }
    check(new Set(pids).size === UPGRADES + 1, `supervisor pids: ${pids.join(', ')}`);
    // `shoal upgrade` returns once the old supervisor has drained and exited.
    check(pids.slice(0, -1).every((pid) => !isAlive(pid)), `old supervisors still running: ${pids.slice(0, -1).filter(isAlive).join(', ')}`);
    for (const event of ['upgrade.started', 'upgrade.ready', 'upgrade.finished', 'upgrade.took-over']) {
      check(cluster.events(event).length === UPGRADES, `${event}: ${cluster.events(event).length} lines, expected ${UPGRADES}`);
    }
    check(cluster.events('upgrade.failed').length === 0, `upgrade.failed: ${cluster.events('upgrade.failed').map((l) => l.msg).join('; ')}`);

    // Counters never go down across upgrades, and grew while the load ran.
    for (const [name, labels] of COUNTERS) {
      const values = scrapes.map((text) => metricValue(text, name, labels));
      check(values.every((v, i) => i === 0 || v >= values[i - 1]) && values[UPGRADES] > values[0], `${name}${JSON.stringify(labels)}: ${values.join(' -> ')}`);
    }
    const reloads = scrapes.map((text) => metricValue(text, 'shoal_reloads_total', { result: 'ok' }));
    check(reloads.every((v) => v === 1), `shoal_reloads_total{result="ok"}: ${reloads.join(' -> ')}`);
    const upgraded = scrapes.map((text) => metricValue(text, 'shoal_supervisor_upgrades_total', { result: 'ok' }));
    check(upgraded.every((v, i) => v === i), `shoal_supervisor_upgrades_total{result="ok"}: ${upgraded.join(' -> ')}`);
    expect(problems).toEqual([]);
  }, 420_000);
});
