/**
 * The offload pool of a worker: CPU-heavy tasks run in threads while light
 * requests on the same worker keep their latency; a full queue is answered
 * as busy by each transport; tasks in flight finish during a drain (or fail
 * clearly at its deadline); metrics are aggregated over workers. The fixture
 * logs each task it submits (fixture.offloading) and numbers its answers in
 * the order they finished (`done`): the tests assert order, not durations.
 */
import { createSocket } from 'node:dgram';
import { httpGet, metricValue, tcpAsk } from '../helpers/clients';
import { stopAllClusters } from '../helpers/cluster';
import type { Cluster } from '../helpers/cluster';
import { fleetConfig, startHost } from '../helpers/fleet';

afterEach(stopAllClusters);

function udpAsk(port: number, payload: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no datagram answer to ${payload}`));
    }, timeoutMs);
    socket.on('message', (message) => {
      clearTimeout(timer);
      socket.close();
      resolve(message.toString());
    });
    socket.send(payload, port, '127.0.0.1');
  });
}

/** An HTTP answer of the fleet fixture, with `done`: how many requests its worker had finished by then. */
async function ask(port: number, path: string): Promise<{ status: number; body: string; done: number }> {
  const answer = await httpGet(port, path);
  return { status: answer.status, body: answer.body, done: JSON.parse(answer.body).done };
}

/** Waits until `count` more tasks than `before` have been submitted to the pool. */
async function submitted(cluster: Cluster, before: number, count: number): Promise<void> {
  await cluster.waitForLogs((l) => l.event === 'fixture.offloading', before + count);
}

describe('offload pool', () => {
  it('keeps light requests fast while heavy ones run in threads (and not when they run on the event loop)', async () => {
    const host = await startHost(fleetConfig({ workers: 1, offload: { module: require('../helpers/fleet').OFFLOAD_TASKS, threads: 1 } }));
    const port = host.cluster.ports.http;
    const heavy = ask(port, '/heavy?ms=1500');
    await submitted(host.cluster, 0, 1);
    const light = [];
    for (let i = 0; i < 5; i++) light.push(await ask(port, '/light'));
    const heavyDone = await heavy;
    expect(heavyDone.status).toBe(200);
    expect(JSON.parse(heavyDone.body).loops).toBeGreaterThan(0);
    // Every light request was answered while the heavy task still ran.
    expect(light.map((l) => l.done)).toEqual([1, 2, 3, 4, 5]);
    expect(heavyDone.done).toBe(6);

    // The same work on the event loop: a light request waits until it is over.
    const inline = ask(port, '/inline?ms=1500');
    await host.cluster.waitForEvent('fixture.blocking');
    const blocked = await ask(port, '/light');
    expect((await inline).done).toBe(7);
    expect(blocked.done).toBe(8);

    const failed = await httpGet(port, '/task-fails');
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body).error.code).toBe('SHOAL_ERR_OFFLOAD_TASK_FAILED');
  });

  it('answers busy when the queue is full: HTTP 503 with Retry-After, a TCP ERR frame, a UDP error datagram', async () => {
    const host = await startHost(
      fleetConfig({ workers: 1, offload: { module: require('../helpers/fleet').OFFLOAD_TASKS, threads: 1, maxQueue: 1, retryAfterSeconds: 2 } }),
    );
    const { http, tcp, udp } = host.cluster.ports;
    // The worker runs one task and queues one: of 6 concurrent ones, 2 are taken.
    const answers = await Promise.all(Array.from({ length: 6 }, () => httpGet(http, '/heavy?ms=700')));
    const busy = answers.filter((a) => a.status === 503);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
    expect(busy).toHaveLength(4);
    for (const answer of busy) {
      expect(answer.headers['retry-after']).toBe('2');
      expect(JSON.parse(answer.body).error.code).toBe('SHOAL_ERR_OFFLOAD_QUEUE_FULL');
    }

    // TCP and UDP: fill the pools with HTTP (one task runs, one waits), then ask.
    const before = host.cluster.events('fixture.offloading').length;
    const filling = Promise.all(Array.from({ length: 2 }, () => httpGet(http, '/heavy?ms=1500')));
    await submitted(host.cluster, before, 2);
    expect(await tcpAsk(tcp, '10')).toBe('ERR SHOAL_ERR_OFFLOAD_QUEUE_FULL');
    expect(await udpAsk(udp, '10')).toBe('ERR SHOAL_ERR_OFFLOAD_QUEUE_FULL');
    await filling;
    // Once the queue has room, the same requests are served.
    expect((await udpAsk(udp, '10')).startsWith('done ')).toBe(true);

    const metrics = await host.cluster.metrics();
    expect(metricValue(metrics, 'shoal_offload_rejections_total', { reason: 'queue-full' })).toBeGreaterThanOrEqual(busy.length + 2);
    expect(metricValue(metrics, 'shoal_offload_task_duration_seconds_count', { task: 'spin', outcome: 'ok' })).toBe(5);
    expect(metricValue(metrics, 'shoal_offload_threads')).toBe(1);
    expect(metricValue(metrics, 'shoal_offload_queue_length')).toBe(0);
    expect(metrics).toMatch(/^shoal_offload_utilization /m);
  });

  it('lets tasks in flight finish during a drain, and fails them clearly at the deadline', async () => {
    const pool = { module: require('../helpers/fleet').OFFLOAD_TASKS, threads: 1 };
    const patient = await startHost(fleetConfig({ workers: 1, drainTimeoutMs: 5_000, offload: pool }));
    const finishing = httpGet(patient.cluster.ports.http, '/heavy?ms=1200');
    await submitted(patient.cluster, 0, 1);
    const stopped = patient.cluster.stop('SIGTERM');
    const answer = await finishing;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).loops).toBeGreaterThan(0);
    expect((await stopped).code).toBe(0);

    const hurried = await startHost(fleetConfig({ workers: 1, drainTimeoutMs: 800, offload: pool }));
    // A task far longer than the drain (800 ms) and the kill grace: only a cut at the deadline answers it.
    const cut = httpGet(hurried.cluster.ports.http, '/heavy?ms=30000');
    await submitted(hurried.cluster, 0, 1);
    const stoppedToo = hurried.cluster.stop('SIGTERM');
    const result = await cut;
    expect(result.status).toBe(503);
    expect(JSON.parse(result.body).error.code).toBe('SHOAL_ERR_OFFLOAD_CLOSED');
    expect((await stoppedToo).code).toBe(0);
    // The worker drained by itself (it was not killed at the deadline), with the cut request answered.
    expect(await hurried.cluster.waitForEvent('worker.drained')).toMatchObject({ role: 'worker' });
  });
});
