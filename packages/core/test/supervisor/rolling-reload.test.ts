import type { ReloadProgress, SlotState } from '../../src/control';
import { ERR_RELOAD_REPLACEMENT_FAILED } from '../../src/errors';
import { RollingReload } from '../../src/supervisor/rolling-reload';
import type { ReloadHost } from '../../src/supervisor/rolling-reload';
import { Slot } from '../../src/supervisor/slot';
import type { WorkerProcess } from '../../src/supervisor/worker-process';
import { FakeWorker, heldSocket, settle } from './fakes';
import type { FakeWorkerOptions, Journal } from './fakes';

/**
 * A supervisor as a reload sees it: slots with fake workers; replacements
 * boot as `replacements[slot]` says (at once by default).
 */
class FakeReloadHost implements ReloadHost {
  readonly slots: Slot[];
  readonly drainTimeoutMs = 3_000;
  readonly killGraceMs = 1_000;
  readonly journal: Journal = [];
  readonly events: ReloadProgress[] = [];
  readonly created = new Map<number, FakeWorker>();
  readonly restarted: { slot: number; cause: string }[] = [];
  readonly handedOver: number[] = [];
  stopping = () => false;

  constructor(
    states: SlotState[],
    private readonly replacements: Record<number, FakeWorkerOptions> = {},
  ) {
    this.slots = states.map((state, index) => {
      const slot = new Slot(index);
      slot.state = state;
      slot.generation = 1;
      slot.held.set('tcp', heldSocket(7000));
      if (state !== 'crash-loop') slot.worker = new FakeWorker(`old${index}`, this.journal).asWorker;
      return slot;
    });
  }

  old(index: number): FakeWorker {
    return this.slots[index].worker as unknown as FakeWorker;
  }

  createWorker(slot: Slot): WorkerProcess {
    this.journal.push(`create ${slot.index}`);
    const worker = new FakeWorker(`new${slot.index}`, this.journal, this.replacements[slot.index]);
    this.created.set(slot.index, worker);
    return worker.asWorker;
  }

  promote(slot: Slot, worker: WorkerProcess): void {
    this.journal.push(`promote ${slot.index}`);
    slot.worker = worker;
    slot.state = 'ready';
  }

  restartLater(slot: Slot, _worker: WorkerProcess, cause: string): void {
    this.restarted.push({ slot: slot.index, cause });
  }

  reclaimSockets(slot: Slot): void {
    this.journal.push(`reclaim ${slot.index}`);
    slot.reclaimFrom(this.slots);
  }

  handOverSockets(slot: Slot): void {
    this.handedOver.push(slot.index);
  }

  isStopping(): boolean {
    return this.stopping();
  }

  progress(event: ReloadProgress): void {
    this.events.push(event);
  }

  phases(): string[] {
    return this.events.map((e) => `${e.slot}:${e.phase}`);
  }
}

describe('RollingReload', () => {
  it('replaces each slot in turn: the replacement is ready before the old worker drains, and the old one is gone before the next slot starts', async () => {
    const host = new FakeReloadHost(['ready', 'ready']);
    const old = [host.old(0), host.old(1)];
    const report = await new RollingReload(host, 1).run();

    expect(host.journal).toEqual([
      'old0 ready', 'old1 ready',
      'create 0', 'new0 ready', 'promote 0', 'old0 drain', 'old0 exited',
      'create 1', 'new1 ready', 'promote 1', 'old1 drain', 'old1 exited',
    ]);
    expect(host.phases()).toEqual(['0:starting', '0:ready', '0:draining', '0:done', '1:starting', '1:ready', '1:draining', '1:done']);
    // Progress names the worker each phase is about: the new one, except while the old one drains.
    expect(host.events.map((e) => e.pid)).toEqual([
      host.created.get(0)!.pid, host.created.get(0)!.pid, old[0].pid, host.created.get(0)!.pid,
      host.created.get(1)!.pid, host.created.get(1)!.pid, old[1].pid, host.created.get(1)!.pid,
    ]);
    // The old worker drains with hand-off allowed, by the host's deadline and grace.
    expect(old[0].drains).toEqual([{ deadline: expect.any(Number), graceMs: 1_000, handOff: true }]);
    expect(report.ok).toBe(true);
    expect(host.slots.map((s) => s.worker)).toEqual([host.created.get(0)!.asWorker, host.created.get(1)!.asWorker]);
    expect(host.slots.map((s) => s.replacing)).toEqual([undefined, undefined]);
  });

  it('reports every slot in slot order, with pids, timings and what the drain counted', async () => {
    const host = new FakeReloadHost(['crash-loop', 'ready']);
    const drained = { completed: 3, forced: 1, handedOff: 2 };
    host.old(1).drainReport = drained;
    const oldPid = host.old(1).pid;
    const report = await new RollingReload(host, 1).run();

    expect(report).toEqual({
      ok: true,
      startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      durationMs: expect.any(Number),
      slots: [
        // A crash-looping slot has no old worker: nothing to drain.
        { slot: 0, phase: 'done', oldPid: null, newPid: host.created.get(0)!.pid, readyMs: expect.any(Number), drainMs: null, drained: null },
        { slot: 1, phase: 'done', oldPid, newPid: host.created.get(1)!.pid, readyMs: expect.any(Number), drainMs: expect.any(Number), drained },
      ],
    });
    expect(report).not.toHaveProperty('error');
  });

  it('replaces crash-looping slots first, taking their sockets back from the slots that served them', async () => {
    const host = new FakeReloadHost(['ready', 'crash-loop', 'ready', 'crash-loop']);
    // Slot 1's socket went to slot 0 when it fell into its crash loop.
    host.slots[0].inherited.push(...host.slots[1].giveUpSockets());
    await new RollingReload(host, 1).run();

    expect(host.events.filter((e) => e.phase === 'starting').map((e) => e.slot)).toEqual([1, 3, 0, 2]);
    expect(host.journal.indexOf('reclaim 1')).toBeLessThan(host.journal.indexOf('create 1'));
    expect(host.journal.filter((line) => line.startsWith('reclaim'))).toEqual(['reclaim 1', 'reclaim 3']);
    expect([...host.slots[1].held.keys()]).toEqual(['tcp']);
    expect(host.slots[0].inherited).toEqual([]);
  });

  it.each([
    [1, 4, 1],
    [2, 4, 2],
    [3, 4, 3],
    [8, 3, 3],
  ])('with surge %i over %i slots, replaces at most %i slots at a time', async (surge, slots, most) => {
    const host = new FakeReloadHost(Array<SlotState>(slots).fill('ready'));
    const report = await new RollingReload(host, surge).run();
    let inFlight = 0;
    let peak = 0;
    for (const event of host.events) {
      if (event.phase === 'starting') peak = Math.max(peak, ++inFlight);
      if (event.phase === 'done') inFlight -= 1;
    }
    expect(peak).toBe(most);
    expect(report.slots.map((s) => s.phase)).toEqual(Array(slots).fill('done'));
  });

  it('aborts when a replacement fails: it is killed, the old worker keeps its slot, and the slots after it are skipped', async () => {
    const host = new FakeReloadHost(['ready', 'ready', 'ready'], { 1: { boot: new Error('fixture refuses to boot') } });
    const old = [host.old(0), host.old(1), host.old(2)];
    const report = await new RollingReload(host, 1).run();

    const failed = host.created.get(1)!;
    expect(failed.kills).toEqual(['SIGKILL']);
    expect(host.slots[1].worker).toBe(old[1].asWorker);
    expect(host.slots[1].replacing).toBeUndefined();
    expect(old[1].drains).toEqual([]);
    expect(host.slots[2].worker).toBe(old[2].asWorker);
    expect(host.created.has(2)).toBe(false);
    expect(host.restarted).toEqual([]);
    expect(host.phases()).toEqual(['0:starting', '0:ready', '0:draining', '0:done', '1:starting', '1:failed', '2:skipped']);
    expect(host.events.find((e) => e.phase === 'failed')).toMatchObject({ pid: null, error: 'fixture refuses to boot' });
    expect(host.events.find((e) => e.phase === 'skipped')).toMatchObject({ slot: 2, pid: old[2].pid });

    expect(report.ok).toBe(false);
    expect(report.error?.code).toBe(ERR_RELOAD_REPLACEMENT_FAILED.code);
    expect(report.error?.message).toMatch(/slot 1.*fixture refuses to boot/);
    expect(report.slots.map((s) => [s.phase, s.oldPid, s.newPid])).toEqual([
      ['done', old[0].pid, host.created.get(0)!.pid],
      ['failed', old[1].pid, null],
      ['skipped', old[2].pid, null],
    ]);
    expect(report.slots[1].error).toBe('fixture refuses to boot');
  });

  it('lets the slot another lane replaces finish when a replacement fails, and skips only what had not begun', async () => {
    const host = new FakeReloadHost(['ready', 'ready', 'ready', 'ready'], { 0: { boot: 'held' }, 1: { boot: 'held' } });
    const running = new RollingReload(host, 2).run();
    await settle();
    host.created.get(0)!.boot(new Error('bad deploy'));
    await settle();
    host.created.get(1)!.boot();
    const report = await running;
    expect(report.slots.map((s) => s.phase)).toEqual(['failed', 'done', 'skipped', 'skipped']);
    expect(host.created.has(2)).toBe(false);
  });

  it('restarts a slot whose old worker died while its replacement failed (the slot is not left empty)', async () => {
    const host = new FakeReloadHost(['ready', 'ready'], { 0: { boot: 'held' } });
    const running = new RollingReload(host, 1).run();
    await settle();
    // The old worker crashes meanwhile; the supervisor forgets it (see Supervisor.onWorkerExit).
    host.old(0).exitNow({ code: 1, signal: null });
    host.slots[0].worker = undefined;
    host.created.get(0)!.boot(new Error('bad deploy'));
    await running;
    expect(host.restarted).toEqual([{ slot: 0, cause: expect.stringMatching(/replacement failed/) }]);
    expect(host.handedOver).toEqual([]);
  });

  it('hands a crash-looping slot its sockets back out when its replacement fails too', async () => {
    const host = new FakeReloadHost(['crash-loop', 'ready'], { 0: { boot: new Error('still broken') } });
    await new RollingReload(host, 1).run();
    expect(host.handedOver).toEqual([0]);
    expect(host.restarted).toEqual([]);
  });

  it('skips the slots not yet begun once the supervisor is stopping', async () => {
    const host = new FakeReloadHost(['ready', 'ready', 'ready']);
    host.stopping = () => host.events.some((e) => e.phase === 'done');
    const report = await new RollingReload(host, 1).run();
    expect(report.slots.map((s) => s.phase)).toEqual(['done', 'skipped', 'skipped']);
    expect(report.ok).toBe(true);
    expect(host.slots[1].worker).toBe(host.old(1).asWorker);
    expect(host.created.size).toBe(1);
  });

  it('does not drain an old worker that has already exited, and cancels a pending restart of the slot', async () => {
    jest.useFakeTimers();
    try {
      const host = new FakeReloadHost(['backoff', 'ready']);
      const gone = host.old(0);
      gone.exitNow({ code: 1, signal: null });
      const restart = jest.fn();
      host.slots[0].restartTimer = setTimeout(restart, 500);
      const report = await new RollingReload(host, 1).run();
      jest.runAllTimers();
      expect(restart).not.toHaveBeenCalled();
      expect(gone.drains).toEqual([]);
      expect(report.slots[0]).toMatchObject({ phase: 'done', drainMs: null, drained: null });
    } finally {
      jest.useRealTimers();
    }
  });
});
