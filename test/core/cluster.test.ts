import { LineClient, httpGet, tcpAsk, udpAsk } from '../helpers/clients';
import { fixtureConfig, startCluster, stopAllClusters } from '../helpers/cluster';
import type { Cluster } from '../helpers/cluster';

describe('a cluster of two workers on reuseport sockets', () => {
  let cluster: Cluster;
  let workers: number[];

  beforeAll(async () => {
    cluster = await startCluster({ config: fixtureConfig() });
    workers = await cluster.workerPids();
  });
  afterAll(stopAllClusters);

  it('runs one worker per slot, all ready, on the same ports', async () => {
    const status = await cluster.status();
    expect(status.workers).toBe(2);
    expect(status.ready).toBe(2);
    expect(new Set(workers).size).toBe(2);
    for (const slot of status.slots) expect(slot.listeners).toEqual(cluster.ports);
    expect(cluster.ports.tcp).toBeGreaterThan(0);
    expect((await httpGet(cluster.adminPort, '/readyz')).status).toBe(200);
  });

  it('spreads TCP connections over every worker, and each answers', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, () => tcpAsk(cluster.ports.tcp, 'pid')));
    expect(new Set(answers.map(Number))).toEqual(new Set(workers));
  });

  it('spreads UDP flows over every worker, and each answers its sender', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => udpAsk(cluster.ports.udp, `hello ${i}`)));
    answers.forEach((answer, i) => expect(answer).toMatch(new RegExp(` hello ${i}$`)));
    expect(new Set(answers.map((a) => Number(a.split(' ')[0])))).toEqual(new Set(workers));
  });

  it('spreads HTTP connections over every worker', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, () => httpGet(cluster.ports.http, '/')));
    for (const answer of answers) expect(answer.status).toBe(200);
    expect(new Set(answers.map((a) => JSON.parse(a.body).pid))).toEqual(new Set(workers));
  });

  it('injects one service instance per worker into the handlers (Nest DI)', async () => {
    // Several lines on one connection reach one worker; its counter service counts them in order.
    const client = await LineClient.open(cluster.ports.tcp);
    const counts = [await client.ask('count'), await client.ask('count'), await client.ask('count')].map(Number);
    client.close();
    expect(counts[1]).toBe(counts[0] + 1);
    expect(counts[2]).toBe(counts[0] + 2);
  });

  it('answers 404 for a route no handler declares', async () => {
    const answer = await httpGet(cluster.ports.http, '/nothing-here');
    expect(answer.status).toBe(404);
  });

  it('stops gracefully on SIGTERM with exit code 0 and no worker left', async () => {
    const exit = await cluster.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
  });
});
