/**
 * The promise of a rolling reload, proven under sustained load: 10
 * consecutive reloads of 2 workers while HTTP (keep-alive and a connection per
 * request, with wrk), framed TCP request/response and a fixed-rate UDP stream
 * run, each with net.ipv4.tcp_migrate_req at 0 and at 1. Everything runs in a
 * network namespace the test creates.
 */
import { fixtureConfig, startCluster, stopAllClusters } from '../helpers/cluster';
import type { Cluster } from '../helpers/cluster';
import { NetworkNamespace } from '../helpers/netns';
import { FixtureLoad } from '../helpers/load';

const RELOADS = 10;

describe.each([0, 1])('10 rolling reloads under load, tcp_migrate_req=%i', (migrate) => {
  let ns: NetworkNamespace;
  let cluster: Cluster;

  beforeAll(async () => {
    ns = NetworkNamespace.create({ 'net.ipv4.tcp_migrate_req': migrate });
    cluster = await startCluster({ config: fixtureConfig({ logLevel: 'info' }), prefix: ns.prefix });
  });
  afterAll(async () => {
    await stopAllClusters();
    ns?.destroy();
  });

  it('drops nothing: every request, frame and datagram is answered', async () => {
    const load = await FixtureLoad.start(ns, cluster.ports, 600);
    const reports = await cluster.reloads(RELOADS);
    const result = await load.stop();

    const slotOf = new Map(cluster.events('worker.ready').map((l) => [l.workerPid as number, l.slot as number]));
    // One worker more per reload on each hand-off connection.
    const problems = result.problems(RELOADS + 1, slotOf);
    if (!reports.every((r) => r.event === 'reload.finished')) problems.push(`reloads: ${reports.map((r) => r.msg).join('; ')}`);
    if (problems.length > 0) {
      // Datagrams the kernel dropped because a socket's receive buffer was full (nobody read in time).
      const udpLine = ns.run('cat', ['/proc/net/snmp']).split('\n').filter((l) => l.startsWith('Udp:'));
      const [names, values] = udpLine.map((l) => l.split(/\s+/).slice(1));
      problems.push(`kernel UDP counters: ${names.map((n, i) => `${n}=${values[i]}`).join(' ')}`);
      // The reload timeline, in ms after the UDP client started, to line failures up with.
      const start = result.udp.startedAt;
      const timeline = cluster
        .events('reload.slot')
        .map((l) => `+${Date.parse(l.time as string) - start} slot ${l.slot} ${l.phase} pid ${l.pid}`);
      problems.push(`timeline: ${timeline.join(', ')}`);
    }
    expect(problems).toEqual([]);
  });
});
