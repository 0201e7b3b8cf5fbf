// `shoal upgrade` with SCTP listeners, inside UML: the supervisor's held SCTP
// sockets (bare descriptors, on the descriptor link between the two
// supervisors) survive the handover. One-to-many sockets pass with every
// association on them (an exclusive listener: the new worker reads once the
// old one released it); one-to-one associations move alive at a message
// boundary, as at a reload.
import { join } from 'node:path';
import { SctpSocket } from '@shoal/sctp';
import { startCluster, stopAllClusters, testControlSocket } from '../../../../test/helpers/cluster';
import { Traffic, askPid } from './traffic';

const SERVICE = join(__dirname, 'service.js');
const UPGRADES = 2;

const ONE = { transport: 'sctp', host: '127.0.0.1', port: 0, options: { style: 'one-to-one', streams: 8 } };
const MANY = { transport: 'sctp', host: '127.0.0.1', port: 0, options: { style: 'one-to-many', streams: 8 } };

afterEach(async () => {
  await stopAllClusters();
});

test('2 supervisor upgrades under multi-stream traffic on both styles: nothing aborted, every message answered in order, by the new workers', async () => {
  const config = { workers: 2, admin: { host: '127.0.0.1', port: 0 }, control: { path: testControlSocket() }, logLevel: 'info', drainTimeoutMs: 5_000, readyTimeoutMs: 90_000, listeners: { one: ONE, many: MANY } };
  const cluster = await startCluster({ entry: SERVICE, config });
  const traffic = { 'one-to-one': await Traffic.start(cluster.ports.one, 4, 4, 2, 200), 'one-to-many': await Traffic.start(cluster.ports.many, 4, 4, 2, 200) };
  const supervisors = [cluster.pid];
  for (let i = 1; i <= UPGRADES; i++) {
    process.kill(supervisors[i - 1], 'SIGUSR2');
    await cluster.waitForLogs((l) => l.event === 'upgrade.finished' || l.event === 'upgrade.failed', i, 300_000);
    expect(cluster.events('upgrade.failed')).toEqual([]);
    const status = await cluster.status();
    expect(status.upgradedFrom?.pid).toBe(supervisors[i - 1]);
    supervisors.push(status.pid);
  }
  const last = await cluster.workerPids();
  for (const [style, flows] of Object.entries(traffic)) {
    const report = await flows.stop();
    expect({ style, broken: report.broken }).toEqual({ style, broken: [] });
    expect(report.outOfOrder).toBe(0);
    expect(report.answered).toBe(report.sent);
    expect(report.sent).toBeGreaterThan(100);
    // The associations moved to the last supervisor's workers.
    expect(report.pids.filter((pids) => last.some((p) => pids.has(p))).length).toBe(report.associations);
  }
  // New associations on the held sockets reach the new workers.
  for (const name of ['one', 'many']) {
    const sock = SctpSocket.connect({ address: '127.0.0.1', port: cluster.ports[name] });
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    expect(last).toContain(await askPid(sock, `after the upgrades ${name}`));
    await sock.end();
  }
}, 900_000);
