/**
 * The promise of a rolling reload for WebSocket gateways: 10 consecutive
 * reloads of 2 workers while WebSocket clients (test/load/ws-client.js)
 * exchange numbered messages all the while, each checking that every answer
 * comes, in order, once; on each Nest platform, in a network namespace the
 * test creates. With hand-off on, no client reconnects: every connection
 * moves, alive, to the new workers. With hand-off off, the only closes are
 * 1001 (going away), after every message the server took was answered; the
 * clients reconnect and carry on.
 */
import { join } from 'node:path';
import { type Cluster, stopAllClusters } from '../helpers/cluster';
import { NetworkNamespace } from '../helpers/netns';
import { startNestApp } from '../helpers/nest';
import { collect, lastJsonLine, started } from '../helpers/load';

const RELOADS = 10;
const CLIENTS = 6;
/** Messages each client keeps unanswered at a time: some are always in flight when a drain starts. */
const WINDOW = 4;
/** Between an answer and the next message: up to ~1,200 messages/s in all, so that the clients leave the workers' boots some CPU. */
const PACE_MS = 20;
const WS_CLIENT = join(__dirname, '..', 'load', 'ws-client.js');

interface WsLoadStats {
  sent: number;
  answered: number;
  resent: number;
  reconnects: number;
  refusedHandshakes: number;
  closes: Record<string, number>;
  failures: string[];
  failureCount: number;
  pidsByClient: Record<string, number[]>;
}

describe.each([
  ['fastify', true],
  ['express', true],
  ['fastify', false],
  ['express', false],
])('10 rolling reloads of a Nest app with WebSocket gateways on %s, handOffOnReload %s', (platform, handOff) => {
  let ns: NetworkNamespace;
  let cluster: Cluster;

  beforeAll(async () => {
    ns = NetworkNamespace.create();
    const web = { transport: 'http', host: '127.0.0.1', port: 0, options: { platform, websocket: { handOffOnReload: handOff } } };
    cluster = await startNestApp('ws-app.js', { web }, {}, ns.prefix);
  });
  afterAll(async () => {
    await stopAllClusters();
    ns?.destroy();
  });

  it(handOff ? 'moves every connection: no reconnect, every message answered in order' : 'closes only with 1001: every message answered in order, after reconnects', async () => {
    // 'started' comes once every client has had an answer: the reloads begin with all of them connected to an old worker.
    // At SIGTERM each client sends one last message: its answer names the worker it ended on.
    const load = ns.spawn(process.execPath, [WS_CLIENT, `ws://127.0.0.1:${cluster.ports.web}/ws`, String(CLIENTS), String(WINDOW), String(PACE_MS)]);
    const output = collect(load);
    await started(load);

    const reports = await cluster.reloads(RELOADS);
    load.kill('SIGTERM');
    const text = await output;
    const stats = lastJsonLine<WsLoadStats>(text);

    const problems: string[] = [];
    if (!reports.every((r) => r.event === 'reload.finished')) problems.push(`reloads: ${reports.map((r) => r.msg).join('; ')}`);
    if (stats.failureCount > 0) problems.push(`failures (${stats.failureCount}): ${stats.failures.join('; ')}`);
    // Every message sent was answered, once and in order (a resent one was never taken before).
    if (stats.answered !== stats.sent || stats.answered < 1_000) problems.push(`sent ${stats.sent}, answered ${stats.answered}`);
    const drained = cluster.logs.filter((l) => l.event === 'websocket.drained') as unknown as { closed: number; handedOff: number; ended: number }[];
    const tally = drained.reduce((t, d) => ({ closed: t.closed + d.closed, handedOff: t.handedOff + d.handedOff, ended: t.ended + d.ended }), { closed: 0, handedOff: 0, ended: 0 });
    if (handOff) {
      if (stats.reconnects !== 0 || stats.resent !== 0 || stats.refusedHandshakes !== 0 || Object.keys(stats.closes).some((code) => code !== '1000')) {
        problems.push(`with hand-off: reconnects ${stats.reconnects}, resent ${stats.resent}, refused handshakes ${stats.refusedHandshakes}, closes ${JSON.stringify(stats.closes)}`);
      }
      // Each reload moved every connection of both workers: CLIENTS connections, RELOADS times.
      if (tally.handedOff !== CLIENTS * RELOADS || tally.closed !== 0 || tally.ended !== 0) problems.push(`drains: ${JSON.stringify(tally)}`);
      const moves = Object.values(stats.pidsByClient).map((pids) => pids.length - 1);
      if (moves.some((m) => m < RELOADS)) problems.push(`worker changes per client: ${moves.join(', ')}`);
    } else {
      if (Object.keys(stats.closes).some((code) => code !== '1001' && code !== '1000') || stats.reconnects === 0) {
        problems.push(`without hand-off: reconnects ${stats.reconnects}, closes ${JSON.stringify(stats.closes)}`);
      }
      if (tally.handedOff !== 0 || tally.closed !== stats.closes['1001']) problems.push(`drains: ${JSON.stringify(tally)}, client saw ${stats.closes['1001']} closes 1001`);
    }
    expect(problems).toEqual([]);
  });
});
