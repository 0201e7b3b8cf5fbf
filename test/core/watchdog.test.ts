/**
 * The watchdog: a worker whose event loop stops (SIGSTOP, an endless loop)
 * still holds its socket in the kernel's reuseport group, so a share of new
 * connections waits on it. The supervisor must notice from the missing
 * heartbeats, write the worker's report, kill it, and start a replacement on
 * the same socket, which answers everything that queued there.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineClient, connectionTo, httpGet, metricValue } from '../helpers/clients';
import { fixtureConfig, startCluster, stopAllClusters } from '../helpers/cluster';
import type { Cluster } from '../helpers/cluster';

let reportDir: string;
beforeEach(() => (reportDir = mkdtempSync(join(tmpdir(), 'shoal-watchdog-'))));
afterEach(async () => {
  await stopAllClusters();
  rmSync(reportDir, { recursive: true, force: true });
});

const watchdog = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({ intervalMs: 200, timeoutMs: 1_500, ...overrides, reportDir });

/**
 * 20 new connections while the victim is stuck: each asks for the pid that
 * answers it. Those the kernel hashed to the victim's socket wait in its
 * queue until the replacement serves them.
 */
async function twentyConnections(cluster: Cluster): Promise<number[]> {
  const clients = await Promise.all(Array.from({ length: 20 }, () => LineClient.open(cluster.ports.tcp, '127.0.0.1', 60_000)));
  try {
    return (await Promise.all(clients.map((c) => c.ask('pid')))).map(Number);
  } finally {
    clients.forEach((c) => c.close());
  }
}

async function expectReplaced(cluster: Cluster, victim: number, survivor: number, pids: number[]): Promise<void> {
  expect(pids).toHaveLength(20);
  expect(pids).not.toContain(victim);
  const replacement = pids.filter((pid) => pid !== survivor);
  // ~10 of 20 hash to the victim's socket (all 20 to the survivor's has odds of 1 in a million).
  expect(replacement.length).toBeGreaterThan(0);
  expect(new Set(replacement).size).toBe(1);

  const status = await cluster.status();
  const slot = status.slots.find((s) => s.pid === replacement[0])!;
  expect(slot).toMatchObject({ state: 'ready', hangs: 1, restarts: 1 });
  expect(slot.lastHangReport).toMatch(/\.hang\.json$/);
  const exit = cluster.events('worker.exit').find((l) => l.workerPid === victim)!;
  expect(exit).toMatchObject({ reason: 'hung', signal: 'SIGKILL', expected: false });
  const metrics = await cluster.metrics();
  expect(metricValue(metrics, 'shoal_worker_hangs_total', { slot: String(slot.slot) })).toBe(1);
  expect(metricValue(metrics, 'shoal_worker_exits_total', { slot: String(slot.slot), reason: 'hung' })).toBe(1);
  // The order of what happened: silence noticed, report written, the worker killed, a new one ready.
  const order = cluster.logs
    .filter((l) => (l.event === 'worker.hung' || l.event === 'worker.hang-report' || l.event === 'worker.exit') && l.workerPid === victim)
    .map((l) => l.event);
  expect(order).toEqual(['worker.hung', 'worker.hang-report', 'worker.exit']);
}

describe('the watchdog', () => {
  it('replaces a worker stopped with SIGSTOP: every connection queued on its socket is answered by the replacement', async () => {
    const cluster = await startCluster({ config: fixtureConfig({ watchdog: watchdog() }) });
    const [victim, survivor] = await cluster.workerPids();
    process.kill(victim, 'SIGSTOP');

    const pids = await twentyConnections(cluster);
    await expectReplaced(cluster, victim, survivor, pids);

    const hung = cluster.events('worker.hang-report').find((l) => l.workerPid === victim)!;
    expect(hung).toMatchObject({ processState: 'T', nodeReport: null });
    expect(hung.stackMissing).toMatch(/stopped/);
    const record = JSON.parse(readFileSync(hung.report as string, 'utf8'));
    expect(record).toMatchObject({ kind: 'shoal-hang-report', pid: victim, processState: 'T', timeoutMs: 1_500 });
    expect(record.silentMs).toBeGreaterThanOrEqual(1_500);
    expect(await cluster.stop()).toEqual({ code: 0, signal: null });
  });

  it('replaces a worker spinning in an endless loop, with Node\'s report of the stuck JavaScript stack', async () => {
    const cluster = await startCluster({ config: fixtureConfig({ watchdog: watchdog() }) });
    const [victim, survivor] = await cluster.workerPids();
    const stuck = await connectionTo(cluster.ports.tcp, victim);
    const lost = stuck.ask('spin').catch((error: Error) => error);
    await cluster.waitForEvent('fixture.spinning', (l) => l.pid === victim);

    const pids = await twentyConnections(cluster);
    await expectReplaced(cluster, victim, survivor, pids);
    expect(await lost).toBeInstanceOf(Error); // the one request the stuck worker had taken

    const hung = cluster.events('worker.hang-report').find((l) => l.workerPid === victim)!;
    expect(hung.processState).toBe('R');
    expect((hung.stack as string[])[0]).toMatch(/^spinForever \(.*app\.module\.js:\d+:\d+\)$/);
    const nodeReport = JSON.parse(readFileSync(hung.nodeReport as string, 'utf8'));
    expect(nodeReport.header.processId).toBe(victim);
    expect(nodeReport.javascriptStack.stack.join('\n')).toMatch(/spinForever/);
    // The report leaves the environment out (it may hold secrets).
    expect(nodeReport.environmentVariables).toBeUndefined();
    expect(readdirSync(reportDir).sort()).toEqual([expect.stringMatching(/\.hang\.json$/), expect.stringMatching(/\.node-report\.json$/)]);
    expect(await cluster.stop()).toEqual({ code: 0, signal: null });
  });

  it('marks a worker whose loop is blocked for long but still beats as degraded, in /readyz and metrics, until it ran freely for recoverAfterMs; it is not killed', async () => {
    const cluster = await startCluster({ config: fixtureConfig({ watchdog: watchdog({ timeoutMs: 5_000, degradedLagMs: 800, recoverAfterMs: 4_000 }) }) });
    const [victim] = await cluster.workerPids();
    const slow = await connectionTo(cluster.ports.tcp, victim);
    const victimSlot = (await cluster.status()).slots.find((s) => s.pid === victim)!.slot;

    await slow.ask('block 1500'); // well under the 5 s timeout
    const degraded = await cluster.waitForEvent('worker.degraded', (l) => l.workerPid === victim);
    expect(degraded.lagMs).toBeGreaterThanOrEqual(800);
    // Degraded stays until 4 s of free beats have passed, so this read comes well inside it.
    const readyz = JSON.parse((await httpGet(cluster.adminPort, '/readyz')).body);
    expect(readyz.ready).toBe(true);
    expect(readyz.degraded).toContainEqual({ slot: victimSlot, lagMs: degraded.lagMs, since: expect.any(String) });
    let metrics = await cluster.metrics();
    expect(metricValue(metrics, 'shoal_worker_degraded', { slot: String(victimSlot) })).toBe(1);
    expect((await cluster.status()).slots.find((s) => s.pid === victim)).toMatchObject({ degraded: true, worstLagMs: degraded.lagMs });

    const recovered = await cluster.waitForEvent('worker.recovered', (l) => l.workerPid === victim);
    expect(recovered.degradedForMs).toBeGreaterThanOrEqual(4_000);
    expect(recovered.worstLagMs).toBe(degraded.lagMs);
    metrics = await cluster.metrics();
    expect(metricValue(metrics, 'shoal_worker_degraded', { slot: String(victimSlot) })).toBe(0);
    expect(metricValue(metrics, 'shoal_worker_degraded_total', { slot: String(victimSlot) })).toBe(1);
    expect(metricValue(metrics, 'shoal_worker_hangs_total', { slot: String(victimSlot) })).toBe(0);
    const after = JSON.parse((await httpGet(cluster.adminPort, '/readyz')).body);
    expect(after.degraded.map((d: { slot: number }) => d.slot)).not.toContain(victimSlot);
    expect(cluster.events('worker.degraded').filter((l) => l.workerPid === victim)).toHaveLength(1);
    expect(cluster.events('worker.hung')).toHaveLength(0);
    expect(await cluster.workerPids()).toContain(victim);
    slow.close();
    expect(existsSync(reportDir) && readdirSync(reportDir)).toEqual([]);
  });
});
