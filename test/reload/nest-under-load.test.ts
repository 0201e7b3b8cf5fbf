/**
 * The promise of a rolling reload for a Nest app on Nest's own HTTP stack: 10
 * consecutive reloads of 2 workers while wrk sends requests to a controller
 * (keep-alive, and a connection per request), on each platform, in a network
 * namespace the test creates. Not one request may fail.
 */
import { join } from 'node:path';
import { type Cluster, stopAllClusters } from '../helpers/cluster';
import { NetworkNamespace } from '../helpers/netns';
import { startNestApp } from '../helpers/nest';
import { PACED_WRK, collect, lastJsonLine, started, wrkResult } from '../helpers/load';

const RELOADS = 10;
const LOAD_CLIENT = join(__dirname, '..', 'load', 'load-client.js');

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
    const keepAlive = ns.spawn('wrk', ['-t1', '-c8', '-d600s', '--timeout', '10s', '-s', PACED_WRK, url]);
    const perRequest = ns.spawn('wrk', ['-t1', '-c8', '-d600s', '--timeout', '10s', '-s', PACED_WRK, '-H', 'Connection: close', url]);
    const outputs = [keepAlive, perRequest].map(collect);

    const reports = await cluster.reloads(RELOADS);
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

/**
 * HTTP/2 (h2c) on Fastify. A drained session gets a GOAWAY that refuses
 * nothing, a PING, and then the final GOAWAY once every stream the client
 * opened before the first one has arrived: those streams are answered. The
 * client opens a new session for what comes after, as RFC 9113 asks; a
 * request it was told was never processed (REFUSED_STREAM, or not sent
 * because the GOAWAY came first) is sent again, as browsers and gRPC do, and
 * counted apart. (Node's client leaves the requests it queued but had not
 * sent when a GOAWAY came hanging, and answers no PING meanwhile: the final
 * GOAWAY, sent after the listener's drainIdleGraceMs, tells it they were not
 * processed.) What must not happen is a request that was processed, or sent
 * and then lost: that is a failure.
 */
describe('10 rolling reloads of a Nest app on fastify over h2c under load', () => {
  let ns: NetworkNamespace;
  let cluster: Cluster;

  beforeAll(async () => {
    ns = NetworkNamespace.create();
    cluster = await startNestApp('app.js', { web: { transport: 'http', host: '127.0.0.1', port: 0, options: { platform: 'fastify', http2: true } } }, {}, ns.prefix);
  });
  afterAll(async () => {
    await stopAllClusters();
    ns?.destroy();
  });

  it('fails not one HTTP/2 request: sessions get GOAWAY, their streams finish, the next requests go to a new session', async () => {
    const url = `http://127.0.0.1:${cluster.ports.web}/api/v1/items/1`;
    const load = ns.spawn(process.execPath, [LOAD_CLIENT, 'h2', url, '4', '8']);
    const output = collect(load);
    await started(load);
    const reports = await cluster.reloads(RELOADS);
    load.kill('SIGTERM');
    const result = lastJsonLine<{ sent: number; answered: number; refused: number; notSent: number; reconnects: number; failures: string[] }>(await output);
    console.log(`h2c over ${RELOADS} reloads: ${result.answered} answered, ${result.refused} refused unprocessed and ${result.notSent} not sent after a GOAWAY (both sent again), ${result.reconnects} new sessions`);
    expect(reports.map((r) => r.event)).toEqual(Array(RELOADS).fill('reload.finished'));
    // A failure names its stream; the drains say whether a session had to be cut at the deadline.
    const drains = cluster.events('worker.drained').map((l) => ({ pid: l.pid, completed: l.completed, forced: l.forced, time: l.time }));
    expect({ failures: result.failures, drains: result.failures.length > 0 ? drains : [] }).toEqual({ failures: [], drains: [] });
    expect(result.answered).toBe(result.sent);
    expect(result.answered).toBeGreaterThan(1_000);
    // Every worker was replaced ten times: the lanes moved to new sessions.
    expect(result.reconnects).toBeGreaterThanOrEqual(RELOADS);
  }, 600_000);
});
