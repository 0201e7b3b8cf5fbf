import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineClient, httpGet, metricValue, tcpAsk, udpAsk } from '../helpers/clients';
import { fixtureConfig, isAlive, startCluster, stopAllClusters } from '../helpers/cluster';
import type { Cluster, LogLine } from '../helpers/cluster';

afterEach(stopAllClusters);

const reloadFinished = (l: LogLine): boolean => l.event === 'reload.finished' || l.event === 'reload.failed';

/** Sends SIGHUP and waits for the n-th reload report in the log. */
async function reloadBySignal(cluster: Cluster, nth: number): Promise<LogLine> {
  process.kill(cluster.pid, 'SIGHUP');
  const reports = await cluster.waitForLogs(reloadFinished, nth, 30_000);
  return reports[nth - 1];
}

describe('rolling reload', () => {
  it('replaces every worker one slot at a time on SIGHUP, on the same sockets, with a report per slot', async () => {
    const cluster = await startCluster({ config: fixtureConfig() });
    const before = await cluster.workerPids();
    const report = await reloadBySignal(cluster, 1);
    expect(report.event).toBe('reload.finished');
    const slots = report.slots as { slot: number; phase: string; oldPid: number; newPid: number; readyMs: number; drainMs: number }[];
    expect(slots.map((s) => s.phase)).toEqual(['done', 'done']);
    expect(slots.map((s) => s.oldPid)).toEqual(before);

    const after = await cluster.workerPids();
    expect(after).toEqual(slots.map((s) => s.newPid));
    for (const pid of before) expect(isAlive(pid)).toBe(false);
    const status = await cluster.status();
    expect(status.slots.map((s) => s.generation)).toEqual([2, 2]);
    for (const slot of status.slots) expect(slot.listeners).toEqual(cluster.ports);

    // One slot at a time: slot 1's replacement starts only after slot 0's old worker has drained.
    const phases = cluster.events('reload.slot').map((l) => `${l.slot}:${l.phase}`);
    expect(phases).toEqual(['0:starting', '0:ready', '0:draining', '0:done', '1:starting', '1:ready', '1:draining', '1:done']);

    expect(Number(await tcpAsk(cluster.ports.tcp, 'pid'))).not.toBeNaN();
    expect(await udpAsk(cluster.ports.udp, 'x')).toMatch(/ x$/);
    expect((await httpGet(cluster.ports.http, '/')).status).toBe(200);
    const metrics = await cluster.metrics();
    expect(metricValue(metrics, 'shoal_reloads_total', { result: 'ok' })).toBe(1);
    expect(metricValue(metrics, 'shoal_slot_replace_duration_seconds_count')).toBe(2);
    expect(metricValue(metrics, 'shoal_worker_restarts_total')).toBe(0);
  });

  it('aborts when a replacement fails to boot: the old workers keep serving and later slots are not touched', async () => {
    const flag = join(tmpdir(), `shoal-bad-deploy-${process.pid}`);
    rmSync(flag, { force: true });
    const cluster = await startCluster({ config: fixtureConfig(), env: { SHOAL_TEST_BOOT_FAIL_FILE: flag } });
    const before = await cluster.workerPids();
    writeFileSync(flag, 'bad deploy');
    try {
      const report = await reloadBySignal(cluster, 1);
      expect(report.event).toBe('reload.failed');
      expect(report.error).toEqual({ code: 'SHOAL_ERR_RELOAD_REPLACEMENT_FAILED', message: expect.stringMatching(/^reload aborted: the replacement worker of slot 0 failed.*fixture refuses to boot/) });
      expect((report.slots as { phase: string }[]).map((s) => s.phase)).toEqual(['failed', 'skipped']);
      expect(await cluster.workerPids()).toEqual(before);
      const answers = await Promise.all(Array.from({ length: 20 }, () => httpGet(cluster.ports.http, '/')));
      expect(new Set(answers.map((a) => JSON.parse(a.body).pid))).toEqual(new Set(before));
      expect(metricValue(await cluster.metrics(), 'shoal_reloads_total', { result: 'failed' })).toBe(1);
      expect(metricValue(await cluster.metrics(), 'shoal_worker_restarts_total')).toBe(0);

      // The deploy is fixed: the next reload goes through.
      rmSync(flag);
      expect((await reloadBySignal(cluster, 2)).event).toBe('reload.finished');
    } finally {
      rmSync(flag, { force: true });
    }
  });

  it('lets in-flight work finish on the old worker before it exits', async () => {
    const cluster = await startCluster({ config: fixtureConfig({ workers: 1 }) });
    const [old] = await cluster.workerPids();
    const client = await LineClient.open(cluster.ports.tcp);
    expect(Number(await client.ask('pid'))).toBe(old);
    const slow = client.ask('sleep 800');
    await cluster.waitForEvent('fixture.sleeping', (l) => l.pid === old);
    const report = await reloadBySignal(cluster, 1);
    expect(await slow).toBe(`slept ${old}`);
    await client.closed; // the old worker ends the connection once its answer is out
    const slot = (report.slots as { drained: { completed: number; forced: number } }[])[0];
    expect(slot.drained).toEqual({ completed: 1, forced: 0, handedOff: 0 });
    expect(metricValue(await cluster.metrics(), 'shoal_drain_connections_total', { outcome: 'completed' })).toBe(1);
  });

  it('cuts what is still open at the drain deadline, and kills an old worker that is stuck', async () => {
    const cluster = await startCluster({ config: fixtureConfig({ workers: 1, drainTimeoutMs: 300 }) });
    const [old] = await cluster.workerPids();
    const client = await LineClient.open(cluster.ports.tcp);
    expect(Number(await client.ask('pid'))).toBe(old);
    // Blocked far longer than the deadline (300 ms) and the kill grace (1 s) together, however slowly the replacement boots.
    const stuck = client.ask('block 15000').catch((error: Error) => error);
    await cluster.waitForEvent('fixture.blocking', (l) => l.pid === old);
    const report = await reloadBySignal(cluster, 1);
    expect(report.event).toBe('reload.finished');
    // Killed at the deadline, not let finish: its connection was cut, and it never got to report a drain.
    expect(await stuck).toBeInstanceOf(Error);
    const exit = await cluster.waitForEvent('worker.exit', (l) => l.workerPid === old);
    expect(exit).toMatchObject({ signal: 'SIGKILL', expected: true });
    expect(cluster.events('worker.drained').filter((l) => l.pid === old)).toEqual([]);
    expect(isAlive(old)).toBe(false);
  });

  it('keeps the slot when its old worker is SIGKILLed in the middle of its drain', async () => {
    const cluster = await startCluster({ config: fixtureConfig({ workers: 1 }) });
    const [old] = await cluster.workerPids();
    const client = await LineClient.open(cluster.ports.tcp);
    await client.ask('pid');
    // Still in flight when the old worker is killed, however long the replacement takes to boot.
    const inFlight = client.ask('sleep 60000').catch((error: Error) => error);
    await cluster.waitForEvent('fixture.sleeping', (l) => l.pid === old);
    process.kill(cluster.pid, 'SIGHUP');
    await cluster.waitForEvent('reload.slot', (l) => l.phase === 'draining');
    process.kill(old, 'SIGKILL');
    const report = await cluster.waitForLog(reloadFinished);
    expect(report.event).toBe('reload.finished');
    expect(await inFlight).toBeInstanceOf(Error); // only the killed worker's own connection is affected
    const answers = await Promise.all(Array.from({ length: 10 }, () => tcpAsk(cluster.ports.tcp, 'pid')));
    expect(new Set(answers.map(Number))).toEqual(new Set([(report.slots as { newPid: number }[])[0].newPid]));
    expect(metricValue(await cluster.metrics(), 'shoal_worker_restarts_total')).toBe(0);
  });

  it('hands live connections of a listener with handOffOnReload to the replacement: clients do not reconnect', async () => {
    const cluster = await startCluster({ config: fixtureConfig({ workers: 1 }) });
    const [old] = await cluster.workerPids();
    const clients = await Promise.all(Array.from({ length: 5 }, () => LineClient.open(cluster.ports.handoff)));
    for (const client of clients) expect(await client.ask('before')).toBe(`${old} before fresh`);
    // Half a frame is in flight when the reload starts: the replacement gets those bytes too.
    clients[0].socket.write('spl');
    const report = await reloadBySignal(cluster, 1);
    const slot = (report.slots as { newPid: number; drained: { handedOff: number; completed: number; forced: number } }[])[0];
    expect(slot.drained.handedOff).toBe(5);
    expect(slot.drained.forced).toBe(0);
    expect(await clients[0].ask('it')).toBe(`${slot.newPid} split resumed`);
    for (const client of clients.slice(1)) expect(await client.ask('after')).toBe(`${slot.newPid} after resumed`);
    for (const client of clients) client.close();
    expect(metricValue(await cluster.metrics(), 'shoal_connections_handed_off_total')).toBe(5);
    expect(metricValue(await cluster.metrics(), 'shoal_drain_connections_total', { outcome: 'handed-off' })).toBe(5);
  });

  it('queues a SIGHUP that arrives during a reload, and runs one more reload after it', async () => {
    const cluster = await startCluster({ config: fixtureConfig() });
    process.kill(cluster.pid, 'SIGHUP');
    await cluster.waitForEvent('reload.slot', (l) => l.phase === 'starting');
    process.kill(cluster.pid, 'SIGHUP');
    await cluster.waitForEvent('reload.queued');
    const reports = await cluster.waitForLogs(reloadFinished, 2, 30_000);
    expect(reports.map((r) => r.event)).toEqual(['reload.finished', 'reload.finished']);
    expect((await cluster.status()).slots.map((s) => s.generation)).toEqual([3, 3]);
  });
});
