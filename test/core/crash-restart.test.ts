import { LineClient, connectionTo, httpGet, metricValue } from '../helpers/clients';
import { fixtureConfig, startCluster, stopAllClusters } from '../helpers/cluster';

afterEach(stopAllClusters);

describe('a worker killed with SIGKILL', () => {
  it('loses only what it had accepted: connections queued on its socket are served by the replacement', async () => {
    const cluster = await startCluster({ config: fixtureConfig() });
    const [victim, survivor] = await cluster.workerPids();

    // Freeze the victim's event loop so that new connections wait, unaccepted, in its socket's backlog.
    const blocked = await connectionTo(cluster.ports.tcp, victim);
    const lost = blocked.ask('block 3000').catch((error: Error) => error);
    await cluster.waitForEvent('fixture.blocking', (l) => l.pid === victim);

    const clients = await Promise.all(Array.from({ length: 40 }, () => LineClient.open(cluster.ports.tcp)));
    const answers = clients.map((client) => client.ask('pid'));
    // Answers from the survivor come at once; the rest are queued behind the frozen victim.
    process.kill(victim, 'SIGKILL');
    const pids = (await Promise.all(answers)).map(Number);
    clients.forEach((client) => client.close());

    expect(await lost).toBeInstanceOf(Error); // the one connection the victim had accepted
    const replacement = pids.filter((pid) => pid !== survivor);
    expect(replacement.length).toBeGreaterThan(0);
    expect(replacement.every((pid) => pid !== victim)).toBe(true);
    expect(new Set(replacement).size).toBe(1);

    const status = await cluster.status();
    const slot = status.slots.find((s) => s.pid === replacement[0])!;
    expect(slot.restarts).toBe(1);
    expect(slot.state).toBe('ready');
    expect(status.ready).toBe(2);
  });

  it('restarts a crashing slot with growing delays, then stops restarting it; the supervisor and other slots carry on', async () => {
    const restart = { initialDelayMs: 100, maxDelayMs: 1_000, maxCrashes: 3, windowMs: 60_000 };
    const cluster = await startCluster({
      config: fixtureConfig({ restart }),
      env: { SHOAL_TEST_CRASH_SLOT: '1', SHOAL_TEST_CRASH_AFTER_MS: '400' },
    });
    const loop = await cluster.waitForEvent('slot.crash-loop', (l) => l.slot === 1, 30_000);
    expect(loop).toMatchObject({ level: 'error', crashes: 3, windowMs: 60_000 });
    expect(loop.msg).toMatch(/slot 1 crashed 3 times.*no longer restarted/);

    const backoffs = cluster.events('slot.backoff');
    expect(backoffs.map((l) => [l.slot, l.restartInMs])).toEqual([[1, 100], [1, 200]]);
    // Each crash is a worker exit the supervisor did not expect, and the slot restarted after each but the last.
    const crashes = cluster.events('worker.exit').filter((l) => l.slot === 1);
    expect(crashes.map((l) => [l.code, l.expected, l.reason])).toEqual([[3, false, 'crash'], [3, false, 'crash'], [3, false, 'crash']]);

    const status = await cluster.status();
    expect(status.slots[1].state).toBe('crash-loop');
    expect(status.slots[1].pid).toBeNull();
    expect(status.slots[1].lastError).toMatch(/exit code 3/);
    expect(status.slots[0].state).toBe('ready');
    // Slot 1's sockets stay in the kernel's groups: slot 0 now serves them too, so none strands connections.
    expect(status.slots[0].inherited.map((i) => i.listener).sort()).toEqual(Object.keys(cluster.ports).sort());
    expect(status.slots[0].inherited.every((i) => i.fromSlot === 1)).toBe(true);
    expect((await httpGet(cluster.adminPort, '/readyz')).status).toBe(503);
    expect(metricValue(await cluster.metrics(), 'shoal_slot_crash_loop', { slot: '1' })).toBe(1);
    expect(metricValue(await cluster.metrics(), 'shoal_worker_restarts_total', { slot: '1' })).toBe(2);

    // Every request is answered, including those the kernel hashes to slot 1's socket.
    const answers = await Promise.all(Array.from({ length: 40 }, () => httpGet(cluster.ports.http, '/')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(await cluster.stop()).toEqual({ code: 0, signal: null });
  });

  it('fails the start at once when the application throws while booting, naming the cause', async () => {
    const cluster = await startCluster({ config: fixtureConfig(), env: { SHOAL_TEST_BOOT_FAIL: '1' }, noWait: true });
    const exit = await cluster.exited;
    expect(exit.code).toBe(1);
    const fatal = cluster.events('supervisor.start-failed');
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ level: 'fatal', msg: expect.stringMatching(/worker of slot \d failed to boot: fixture refuses to boot/) });
  });
});
