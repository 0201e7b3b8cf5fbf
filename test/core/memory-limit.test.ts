/**
 * maxMemoryBytes: a worker that grows past it is replaced as a reload
 * replaces one (the replacement first, then the old worker drains), so the
 * load running meanwhile loses nothing. In a network namespace of the test's
 * own, with wrk (keep-alive and a connection per request) and framed TCP.
 */
import { join } from 'node:path';
import { metricValue } from '../helpers/clients';
import { fixtureConfig, startCluster, stopAllClusters } from '../helpers/cluster';
import { NetworkNamespace } from '../helpers/netns';
import { collect, lastJsonLine, started, wrkResult } from '../helpers/load';

const LOAD_CLIENT = join(__dirname, '..', 'load', 'load-client.js');
const LIMIT = 400 * 2 ** 20;

let ns: NetworkNamespace | undefined;

/** A GET from inside the namespace (where the cluster's ports are), answered with its body. */
function getInside(namespace: NetworkNamespace, url: string): string {
  return namespace.run(process.execPath, ['-e', `fetch(${JSON.stringify(url)}).then((r) => r.text()).then((t) => process.stdout.write(t))`]);
}
afterEach(async () => {
  await stopAllClusters();
  ns?.destroy();
});

describe('maxMemoryBytes', () => {
  it('replaces a worker over its limit under load, replacement first, and drops nothing', async () => {
    ns = NetworkNamespace.create({});
    const cluster = await startCluster({
      config: fixtureConfig({ maxMemoryBytes: LIMIT, watchdog: { intervalMs: 200, timeoutMs: 10_000 } }),
      prefix: ns.prefix,
    });
    const { http, tcp } = cluster.ports;
    const url = `http://127.0.0.1:${http}/`;
    const keepAlive = ns.spawn('wrk', ['-t1', '-c8', '-d120s', '--timeout', '10s', url]);
    const perRequest = ns.spawn('wrk', ['-t1', '-c8', '-d120s', '--timeout', '10s', '-H', 'Connection: close', url]);
    const tcpLoad = ns.spawn(process.execPath, [LOAD_CLIENT, 'tcp', String(tcp), '8']);
    const outputs = [keepAlive, perRequest, tcpLoad].map(collect);
    await started(tcpLoad);

    // One worker (whichever the kernel picks for the connection) takes 40 MiB more at a time until it is over the
    // 400 MiB limit. In steps: one allocation this large blocks the loop for seconds, past the HTTP keep-alive timeout,
    // and Node's HTTP server then closes keep-alive connections whose next request is still unread (wrk read errors).
    const growth = `const s = require('node:net').connect(${tcp}, '127.0.0.1'); let answers = 0;
      s.setEncoding('utf8'); s.write('grow 40\\n');
      s.on('data', (d) => { if (answers === 0) process.stdout.write(d.split('\\n')[0]); answers += d.split('\\n').length - 1; if (answers < 9) s.write('grow 40\\n'); else s.end(); });
      s.on('error', () => undefined);`;
    const grown = { pid: Number(ns.run(process.execPath, ['-e', growth])) };
    const replaced = await cluster.waitForEvent('worker.memory-replaced', (l) => l.oldPid === grown.pid, 60_000);
    keepAlive.kill('SIGINT');
    perRequest.kill('SIGINT');
    tcpLoad.kill('SIGTERM');
    const [keepAliveOut, perRequestOut, tcpOut] = await Promise.all(outputs);

    const limit = cluster.events('worker.memory-limit').find((l) => l.workerPid === grown.pid)!;
    expect(limit).toMatchObject({ measure: 'rss', maxBytes: LIMIT });
    expect(limit.bytes as number).toBeGreaterThan(LIMIT);
    // Replacement first, then the drain: the new worker was ready before the old one began to drain.
    const phases = cluster.events('memory.replacement').filter((l) => l.slot === limit.slot).map((l) => l.phase);
    expect(phases).toEqual(['starting', 'ready', 'draining', 'done']);
    const exit = cluster.events('worker.exit').find((l) => l.workerPid === grown.pid)!;
    expect(exit).toMatchObject({ reason: 'stopped', code: 0, signal: null });
    expect(replaced.newPid).not.toBe(grown.pid);

    for (const [name, output] of [['keep-alive', keepAliveOut], ['connection per request', perRequestOut]]) {
      const result = wrkResult(output);
      const { requests, socketErrors, non2xx } = result;
      expect({ name, requests, socketErrors, non2xx, enough: requests > 100 }).toEqual({
        name,
        requests,
        socketErrors: { connect: 0, read: 0, write: 0, timeout: 0 },
        non2xx: 0,
        enough: true,
      });
    }
    const tcpStats = lastJsonLine<{ sent: number; answered: number; wrong: number; failures: string[] }>(tcpOut);
    expect(tcpStats).toMatchObject({ failures: [], wrong: 0, answered: tcpStats.sent });

    const status = JSON.parse(getInside(ns, `${cluster.admin}/status`));
    expect(status.slots[limit.slot as number]).toMatchObject({ memoryReplacements: 1, pid: replaced.newPid, state: 'ready', hangs: 0 });
    expect(metricValue(getInside(ns, `${cluster.admin}/metrics`), 'shoal_worker_memory_replacements_total', { slot: String(limit.slot) })).toBe(1);
    expect(await cluster.stop()).toEqual({ code: 0, signal: null });
  });
});
