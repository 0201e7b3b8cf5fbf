/**
 * The promise of a rolling reload, proven under sustained load: 10
 * consecutive reloads of 2 workers while HTTP (keep-alive and a connection per
 * request, with wrk), framed TCP request/response and a fixed-rate UDP stream
 * run, each with net.ipv4.tcp_migrate_req at 0 and at 1. Everything runs in a
 * network namespace the test creates.
 */
import { join } from 'node:path';
import { fixtureConfig, startCluster, stopAllClusters } from '../helpers/cluster';
import type { Cluster } from '../helpers/cluster';
import { NetworkNamespace } from '../helpers/netns';
import { collect, lastJsonLine, started, wrkResult } from '../helpers/load';

const RELOADS = 10;
const LOAD_CLIENT = join(__dirname, '..', 'load', 'load-client.js');

interface LoadStats {
  startedAt: number;
  sent: number;
  answered: number;
  wrong: number;
  failures: string[];
  reconnects: number;
  retried: number;
  pidsByFlow: Record<string, number[]>;
}

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
    const { http, tcp, udp, handoff } = cluster.ports;
    const wrkArgs = ['-t1', '-c8', '-d60s', `http://127.0.0.1:${http}/`];
    const keepAlive = ns.spawn('wrk', wrkArgs);
    const perRequest = ns.spawn('wrk', [...wrkArgs.slice(0, 3), '-H', 'Connection: close', wrkArgs[3]]);
    const tcpLoad = ns.spawn(process.execPath, [LOAD_CLIENT, 'tcp', String(tcp), '8']);
    const udpLoad = ns.spawn(process.execPath, [LOAD_CLIENT, 'udp', String(udp), '8', '100']);
    const handoffLoad = ns.spawn(process.execPath, [LOAD_CLIENT, 'tcp', String(handoff), '4']);
    const outputs = [keepAlive, perRequest, tcpLoad, udpLoad, handoffLoad].map(collect);
    await Promise.all([started(tcpLoad), started(udpLoad), started(handoffLoad)]);

    const reports = await cluster.reloads(RELOADS);
    // wrk prints its summary on SIGINT; the load clients on SIGTERM.
    keepAlive.kill('SIGINT');
    perRequest.kill('SIGINT');
    tcpLoad.kill('SIGTERM');
    udpLoad.kill('SIGTERM');
    handoffLoad.kill('SIGTERM');
    const [keepAliveOut, perRequestOut, tcpOut, udpOut, handoffOut] = await Promise.all(outputs);

    // Every problem at once, so that one failure does not hide another.
    const problems: string[] = [];
    const check = (ok: boolean, what: string): void => {
      if (!ok) problems.push(what);
    };
    check(reports.every((r) => r.event === 'reload.finished'), `reloads: ${reports.map((r) => r.msg).join('; ')}`);
    for (const [name, output] of [['keep-alive', keepAliveOut], ['connection per request', perRequestOut]]) {
      const result = wrkResult(output);
      check(result.requests > 1_000 && result.errors === 0 && result.non2xx === 0, `HTTP ${name}: ${JSON.stringify(result)}`);
    }
    const tcpStats = lastJsonLine<LoadStats>(tcpOut);
    check(
      tcpStats.failures.length === 0 && tcpStats.wrong === 0 && tcpStats.answered === tcpStats.sent && tcpStats.answered > 1_000,
      `TCP: ${JSON.stringify({ ...tcpStats, pidsByFlow: undefined, failures: tcpStats.failures.slice(0, 10) })}`,
    );
    // With connection handoff, the same connections carry on across every reload.
    const handoffStats = lastJsonLine<LoadStats>(handoffOut);
    check(
      handoffStats.failures.length === 0 && handoffStats.reconnects === 0 && handoffStats.answered === handoffStats.sent && handoffStats.answered > 1_000,
      `TCP with handoff: ${JSON.stringify({ ...handoffStats, pidsByFlow: undefined, failures: handoffStats.failures.slice(0, 10) })}`,
    );
    for (const [flow, pids] of Object.entries(handoffStats.pidsByFlow)) {
      check(pids.length === RELOADS + 1, `handoff flow ${flow} saw ${pids.length} workers, expected ${RELOADS + 1} (one per reload, on one connection)`);
    }
    const udpStats = lastJsonLine<LoadStats>(udpOut);
    check(
      udpStats.failures.length === 0 && udpStats.answered === udpStats.sent && udpStats.answered > 1_000,
      `UDP: ${JSON.stringify({ ...udpStats, pidsByFlow: undefined, failures: udpStats.failures.slice(0, 10) })}`,
    );
    // A flow stays on its slot: every worker that answered it belongs to one slot.
    const slotOf = new Map(
      cluster.events('worker.ready').map((l) => [l.workerPid as number, l.slot as number]),
    );
    for (const [flow, pids] of Object.entries(udpStats.pidsByFlow)) {
      const slots = new Set(pids.map((pid) => slotOf.get(pid)));
      check(slots.size === 1, `UDP flow ${flow} moved between slots ${[...slots].join(', ')}`);
    }
    if (problems.length > 0) {
      // Datagrams the kernel dropped because a socket's receive buffer was full (nobody read in time).
      const udpLine = ns.run('cat', ['/proc/net/snmp']).split('\n').filter((l) => l.startsWith('Udp:'));
      const [names, values] = udpLine.map((l) => l.split(/\s+/).slice(1));
      problems.push(`kernel UDP counters: ${names.map((n, i) => `${n}=${values[i]}`).join(' ')}`);
      // The reload timeline, in ms after the UDP client started, to line failures up with.
      const start = udpStats.startedAt;
      const timeline = cluster
        .events('reload.slot')
        .map((l) => `+${Date.parse(l.time as string) - start} slot ${l.slot} ${l.phase} pid ${l.pid}`);
      problems.push(`timeline: ${timeline.join(', ')}`);
    }
    expect(problems).toEqual([]);
  });
});
