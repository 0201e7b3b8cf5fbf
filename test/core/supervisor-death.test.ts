import { createServer } from 'node:net';
import { httpGet, tcpAsk } from '../helpers/clients';
import { fixtureConfig, isAlive, startCluster, stopAllClusters } from '../helpers/cluster';

afterAll(stopAllClusters);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('a supervisor killed with SIGKILL', () => {
  it('leaves no worker behind after 2 s, and a new supervisor starts on the same ports at once', async () => {
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

    const killedAt = Date.now();
    process.kill(first.pid, 'SIGKILL');
    while (workers.some(isAlive) && Date.now() - killedAt < 5_000) await new Promise((r) => setTimeout(r, 20));
    const gone = Date.now() - killedAt;
    expect(workers.filter(isAlive)).toEqual([]);
    expect(gone).toBeLessThanOrEqual(2_000);

    const second = await startCluster({ config });
    expect(second.ports).toEqual(first.ports);
    expect((await httpGet(second.ports.http, '/')).status).toBe(200);
    expect(Number(await tcpAsk(second.ports.tcp, 'pid'))).toBeGreaterThan(0);
    expect(await second.stop()).toEqual({ code: 0, signal: null });
  });
});
