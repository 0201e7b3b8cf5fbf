/**
 * The promise of a rolling reload for a Nest app on Nest's own HTTP stack: 10
 * consecutive reloads of 2 workers while wrk sends requests to a controller
 * (keep-alive, and a connection per request), on each platform, in a network
 * namespace the test creates. Not one request may fail.
 */
import { type Cluster, type LogLine, stopAllClusters } from '../helpers/cluster';
import { NetworkNamespace } from '../helpers/netns';
import { startNestApp } from '../helpers/nest';
import { collect, wrkResult } from '../helpers/load';

const RELOADS = 10;

describe.each(['fastify', 'express'])('10 rolling reloads of a Nest app on %s under load', (platform) => {
  let ns: NetworkNamespace;
  let cluster: Cluster;

  beforeAll(async () => {
    ns = NetworkNamespace.create();
    cluster = await startNestApp('app.js', { web: { transport: 'http', host: '127.0.0.1', port: 0, options: { platform } } }, {}, ns.prefix);
  });
  afterAll(async () => {
    await stopAllClusters();
    ns?.destroy();
  });

  it('fails not one request, keep-alive or a connection per request', async () => {
    const url = `http://127.0.0.1:${cluster.ports.web}/api/v1/items/1`;
    const keepAlive = ns.spawn('wrk', ['-t1', '-c8', '-d600s', '--timeout', '10s', url]);
    const perRequest = ns.spawn('wrk', ['-t1', '-c8', '-d600s', '--timeout', '10s', '-H', 'Connection: close', url]);
    const outputs = [keepAlive, perRequest].map(collect);

    const reports: LogLine[] = [];
    for (let i = 1; i <= RELOADS; i++) {
      process.kill(cluster.pid, 'SIGHUP');
      const all = await cluster.waitForLogs((l) => l.event === 'reload.finished' || l.event === 'reload.failed', i, 60_000);
      reports.push(all[i - 1]);
    }
    // wrk prints its summary on SIGINT. Its timeout is 10 s: on this shared 2-core machine a
    // response can be late while a worker boots Nest next to it, and late is not failed.
    keepAlive.kill('SIGINT');
    perRequest.kill('SIGINT');
    const [keepAliveOut, perRequestOut] = await Promise.all(outputs);

    const problems: string[] = [];
    if (!reports.every((r) => r.event === 'reload.finished')) problems.push(`reloads: ${reports.map((r) => r.msg).join('; ')}`);
    for (const [name, output] of [['keep-alive', keepAliveOut], ['connection per request', perRequestOut]]) {
      const result = wrkResult(output);
      if (!(result.requests > 1_000 && result.errors === 0 && result.non2xx === 0)) problems.push(`${name}: ${JSON.stringify(result)}\n${output}`);
    }
    expect(problems).toEqual([]);
  }, 600_000);
});
