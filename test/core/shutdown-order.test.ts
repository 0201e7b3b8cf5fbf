/**
 * The order of a stop, as a load balancer (a Kubernetes Service) needs it:
 * /readyz answers 503 at once, the workers keep accepting new connections
 * for shutdownDelayMs, and only then does the drain begin. Real supervisor,
 * real workers, real HTTP clients; every step waits for an event.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { SupervisorStatus } from '@shoal/core';
import { httpGet } from '../helpers/clients';
import { fixtureConfig, startCluster, stopAllClusters, within } from '../helpers/cluster';
import type { Cluster } from '../helpers/cluster';

const SHOAL_BIN = require.resolve('@shoal/core/bin/shoal.js');
/** Longer than any test here: only a second signal ends it, so nothing depends on how fast the machine is. */
const DELAY_NOBODY_WAITS_FOR_MS = 600_000;

afterEach(stopAllClusters);

function shoal(args: string[]): Promise<{ stdout: string }> {
  return promisify(execFile)(process.execPath, [SHOAL_BIN, ...args]);
}

/** Polls /readyz until it answers something else than 200: the first answer after the state changed. */
async function readyzUntilNotReady(cluster: Cluster): Promise<{ status: number; body: Record<string, unknown> }> {
  for (;;) {
    const answer = await httpGet(cluster.adminPort, '/readyz');
    if (answer.status !== 200) return { status: answer.status, body: JSON.parse(answer.body) };
  }
}

/** New connections to the app's HTTP listener, each on a connection of its own: which workers answered, and how. */
async function appRequests(cluster: Cluster, count: number): Promise<{ statuses: number[]; pids: Set<number> }> {
  const answers = await Promise.all(Array.from({ length: count }, () => httpGet(cluster.ports.http, '/')));
  return { statuses: answers.map((a) => a.status), pids: new Set(answers.map((a) => JSON.parse(a.body).pid as number)) };
}

describe('a stop with shutdownDelayMs', () => {
  it('answers /readyz 503 at once while every worker still accepts; a second SIGTERM starts the drain; exits 0', async () => {
    const config = fixtureConfig({ shutdownDelayMs: DELAY_NOBODY_WAITS_FOR_MS });
    const socket = (config.control as { path: string }).path;
    const cluster = await startCluster({ config });
    const workers = await cluster.workerPids();
    expect((await httpGet(cluster.adminPort, '/readyz')).status).toBe(200);

    process.kill(cluster.pid, 'SIGTERM');
    const readyz = await readyzUntilNotReady(cluster);
    expect(readyz).toEqual({ status: 503, body: { ready: false, reason: 'stopping', workers: 2, readyWorkers: 2, degraded: [], foreignListeners: [] } });
    expect(await cluster.waitForEvent('supervisor.stopping')).toMatchObject({ shutdownDelayMs: DELAY_NOBODY_WAITS_FOR_MS });

    // After /readyz said 503: new connections are still accepted, by both workers (no listener closed).
    const during = await appRequests(cluster, 40);
    expect(during.statuses).toEqual(Array(40).fill(200));
    expect(during.pids).toEqual(new Set(workers));
    const status: SupervisorStatus = JSON.parse((await shoal(['status', '--json', '--socket', socket])).stdout);
    expect(status.state).toBe('stopping');
    expect(status.slots.map((s) => s.state)).toEqual(['ready', 'ready']);
    expect((await cluster.status()).state).toBe('stopping');
    expect((await httpGet(cluster.adminPort, '/readyz')).status).toBe(503);
    // No worker has been told to stop accepting yet.
    expect(cluster.events('supervisor.draining', 'worker.drained', 'worker.exit')).toEqual([]);

    process.kill(cluster.pid, 'SIGTERM');
    expect(await cluster.waitForEvent('supervisor.draining')).toMatchObject({ shutdownDelay: 'cut-short' });
    expect(await within(cluster.exited, 30_000, 'exit after the drain')).toEqual({ code: 0, signal: null });
    const order = cluster.events('supervisor.stop-requested', 'supervisor.stopping', 'supervisor.delay-cut', 'supervisor.draining', 'worker.drained', 'supervisor.stopped');
    expect(order.map((l) => l.event)).toEqual([
      'supervisor.stop-requested',
      'supervisor.stopping',
      'supervisor.delay-cut',
      'supervisor.draining',
      'worker.drained',
      'worker.drained',
      'supervisor.stopped',
    ]);
    expect(cluster.events('supervisor.kill-workers')).toEqual([]);
  });

  it('restarts a worker that crashes during the delay, since the service still serves then', async () => {
    const cluster = await startCluster({ config: fixtureConfig({ shutdownDelayMs: DELAY_NOBODY_WAITS_FOR_MS }) });
    const workers = await cluster.workerPids();
    const crashed = workers[0];
    process.kill(cluster.pid, 'SIGTERM');
    await cluster.waitForEvent('supervisor.stopping');
    process.kill(crashed, 'SIGKILL');
    expect(await cluster.waitForEvent('worker.exit', (l) => l.workerPid === crashed)).toMatchObject({ expected: false, reason: 'crash' });
    const replacement = await cluster.waitForEvent('worker.ready', (l) => !workers.includes(l.workerPid as number));
    expect(replacement.slot).toBe(0);
    const after = await appRequests(cluster, 40);
    expect(after.statuses).toEqual(Array(40).fill(200));
    expect(after.pids).toEqual(new Set([replacement.workerPid, workers[1]]));

    process.kill(cluster.pid, 'SIGTERM');
    expect(await within(cluster.exited, 30_000, 'exit after the drain')).toEqual({ code: 0, signal: null });
    expect(cluster.events('worker.drained')).toHaveLength(2);
  });

  it('drains once the delay has passed by itself, also for `shoal stop`, and exits 0', async () => {
    const config = fixtureConfig({ shutdownDelayMs: 300 });
    const socket = (config.control as { path: string }).path;
    const cluster = await startCluster({ config });
    const { stdout } = await within(shoal(['stop', '--socket', socket]), 30_000, 'shoal stop');
    expect(stdout).toMatch(/workers serve 0 s more \(not ready\), then drain \(up to 3 s\)/);
    expect(stdout).toMatch(/stopped/);
    expect(await cluster.exited).toEqual({ code: 0, signal: null });
    const order = cluster.events('supervisor.stopping', 'supervisor.draining', 'worker.drained', 'supervisor.stopped');
    expect(order.map((l) => [l.event, l.shutdownDelay ?? l.shutdownDelayMs])).toEqual([
      ['supervisor.stopping', 300],
      ['supervisor.draining', 'elapsed'],
      ['worker.drained', undefined],
      ['worker.drained', undefined],
      ['supervisor.stopped', undefined],
    ]);
  });

  it('without a delay (the default), goes from not ready to draining at once', async () => {
    const cluster = await startCluster({ config: fixtureConfig() });
    expect(await cluster.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const order = cluster.events('supervisor.stopping', 'supervisor.draining', 'worker.drained');
    expect(order.map((l) => [l.event, l.shutdownDelay ?? l.shutdownDelayMs])).toEqual([
      ['supervisor.stopping', 0],
      ['supervisor.draining', 'none'],
      ['worker.drained', undefined],
      ['worker.drained', undefined],
    ]);
  });
});
