import { createServer } from 'node:net';
import { httpGet, tcpAsk } from '../helpers/clients';
import { fixtureConfig, isAlive, startCluster, stopAllClusters, within } from '../helpers/cluster';

afterAll(stopAllClusters);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Far above the orphan path's own bound (about 1.5 s in workers); only there so that a hang fails the test rather than the run. */
const SAFETY_LIMIT_MS = 30_000;

describe('a supervisor killed with SIGKILL', () => {
  it('leaves no worker behind: each notices on its own, drains and exits; a new supervisor starts on the same ports at once', async () => {
    const config = fixtureConfig({
      listeners: {
        tcp: { transport: 'tcp', host: '127.0.0.1', port: await freePort() },
        handoff: { transport: 'tcp', host: '127.0.0.1', port: await freePort() },
        udp: { transport: 'udp', host: '127.0.0.1', port: await freePort() },
        http: { transport: 'http', host: '127.0.0.1', port: await freePort() },
      },
    });
    const first = await startCluster({ config });
    const workers = await first.workerPids();
    expect(workers).toHaveLength(2);

    process.kill(first.pid, 'SIGKILL');
    // Nobody kills the workers now: the output pipe they share with the dead supervisor closes only once each has exited by itself.
    await within(first.outputClosed, SAFETY_LIMIT_MS, `workers ${workers} exiting after their supervisor died`);
    // A worker's pipe closes as it exits; its process entry may linger an instant longer.
    await within(untilGone(workers), SAFETY_LIMIT_MS, `workers ${workers} gone`);
    expect(workers.filter(isAlive)).toEqual([]);
    // Each went through the orphan path: it saw the supervisor go, then drained.
    const orphaned = first.events('worker.orphaned', 'worker.drained').map((l) => `${l.pid} ${l.event}`);
    for (const pid of workers) expect(orphaned.filter((line) => line.startsWith(`${pid} `))).toEqual([`${pid} worker.orphaned`, `${pid} worker.drained`]);
    expect(first.events('worker.orphaned').every((l) => l.role === 'worker')).toBe(true);

    const second = await startCluster({ config });
    expect(second.ports).toEqual(first.ports);
    expect((await httpGet(second.ports.http, '/')).status).toBe(200);
    expect(Number(await tcpAsk(second.ports.tcp, 'pid'))).toBeGreaterThan(0);
    expect(await second.stop()).toEqual({ code: 0, signal: null });
  });
});

/** Resolves once none of `pids` is alive (checked on every turn of a short poll: the exit has no event here). */
async function untilGone(pids: number[]): Promise<void> {
  while (pids.some(isAlive)) await new Promise((resolve) => setTimeout(resolve, 10));
}
