/**
 * Scaling while serving: 2 -> 3 -> 1 -> 2 workers under load (HTTP with a new
 * connection per request, framed TCP, a UDP stream), with tcp_migrate_req at
 * 0 (sockets of removed slots handed to survivors) and 1 (TCP sockets closed,
 * the kernel migrates their queue), in a network namespace of the test's own.
 */
import { once } from 'node:events';
import { join } from 'node:path';
import { fixtureConfig, startCluster, stopAllClusters } from '../helpers/cluster';
import type { Cluster, LogLine } from '../helpers/cluster';
import { NetworkNamespace } from '../helpers/netns';
import { collect } from '../helpers/load';

const LOAD_CLIENT = join(__dirname, '..', 'load', 'load-client.js');

describe.each([0, 1])('scaling under load, tcp_migrate_req=%i', (migrate) => {
  let ns: NetworkNamespace;
  let cluster: Cluster;

  beforeAll(async () => {
    ns = NetworkNamespace.create({ 'net.ipv4.tcp_migrate_req': migrate });
    cluster = await startCluster({ config: fixtureConfig(), prefix: ns.prefix });
  });
  afterAll(async () => {
    await stopAllClusters();
    ns?.destroy();
  });

  it('adds and removes workers without dropping a request, frame or datagram', async () => {
    const { http, tcp, udp } = cluster.ports;
    const wrk = ns.spawn('wrk', ['-t1', '-c8', '-d60s', '-H', 'Connection: close', `http://127.0.0.1:${http}/`]);
    const tcpLoad = ns.spawn(process.execPath, [LOAD_CLIENT, 'tcp', String(tcp), '8']);
    const udpLoad = ns.spawn(process.execPath, [LOAD_CLIENT, 'udp', String(udp), '8', '100']);
    const outputs = [wrk, tcpLoad, udpLoad].map(collect);
    await Promise.all([tcpLoad, udpLoad].map((c) => once(c.stdout!, 'data')));

    const reports: LogLine[] = [];
    const signals: NodeJS.Signals[] = ['SIGTTIN', 'SIGTTOU', 'SIGTTOU', 'SIGTTIN'];
    for (const [i, signal] of signals.entries()) {
      process.kill(cluster.pid, signal);
      const all = await cluster.waitForLogs((l) => l.event === 'scale.finished' || l.event === 'scale.failed', i + 1, 60_000);
      reports.push(all[i]);
    }
    wrk.kill('SIGINT');
    tcpLoad.kill('SIGTERM');
    udpLoad.kill('SIGTERM');
    const [wrkOut, tcpOut, udpOut] = await Promise.all(outputs);

    expect(reports.map((r) => [r.event, r.from, r.to])).toEqual([
      ['scale.finished', 2, 3],
      ['scale.finished', 3, 2],
      ['scale.finished', 2, 1],
      ['scale.finished', 1, 2],
    ]);
    // Where the kernel migrates TCP queues, TCP sockets of removed slots are closed; all else is handed over.
    const removals = reports.filter((r) => (r.to as number) < (r.from as number));
    const closed = removals.flatMap((r) => (r.closed as { listener: string }[]).map((c) => c.listener)).sort();
    const handed = removals.flatMap((r) => (r.handedOver as { listener: string }[]).map((c) => c.listener)).sort();
    const tcpListeners = Object.keys(cluster.ports).filter((name) => name !== 'udp');
    if (migrate === 1) {
      expect(closed).toEqual(tcpListeners.flatMap((name) => [name, name]).sort());
      expect(new Set(handed)).toEqual(new Set(['udp']));
    } else {
      expect(closed).toEqual([]);
      // Both removed slots' own sockets (and any they had inherited) go to the survivors.
      for (const listener of Object.keys(cluster.ports)) expect(handed.filter((l) => l === listener).length).toBeGreaterThanOrEqual(2);
    }
    // The last scale-up takes a handed-over socket back instead of growing the groups.
    expect(reports[3].added).toEqual([1]);

    const problems: string[] = [];
    const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(wrkOut);
    const requests = Number(/(\d+) requests in/.exec(wrkOut)?.[1] ?? 0);
    if (socket || /Non-2xx/.test(wrkOut) || requests < 100) problems.push(`HTTP: ${wrkOut}`);
    for (const [name, out] of [['TCP', tcpOut], ['UDP', udpOut]]) {
      const stats = JSON.parse(out.trim().split('\n').pop()!);
      if (stats.failures.length > 0 || stats.wrong > 0 || stats.answered !== stats.sent || stats.answered < 100) {
        problems.push(`${name}: ${JSON.stringify({ ...stats, pidsByFlow: undefined, failures: stats.failures.slice(0, 10) })}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
