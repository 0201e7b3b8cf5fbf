import { ERR_SCALE_FAILED } from '../../src/errors';
import { Scaling } from '../../src/supervisor/scaling';
import type { ScaleHost } from '../../src/supervisor/scaling';
import { Slot } from '../../src/supervisor/slot';
import type { WorkerProcess } from '../../src/supervisor/worker-process';
import { FakeWorker, heldSocket } from './fakes';
import type { FakeWorkerOptions, Journal } from './fakes';

/** Listeners of the fake service, by protocol. */
const PROTOCOLS: Record<string, string> = { tcp: 'tcp', web: 'tcp', dns: 'udp' };

/** A supervisor as scaling sees it: `count` slots, each holding its own tcp/web/dns socket, with a ready worker. */
class FakeScaleHost implements ScaleHost {
  readonly slots: Slot[];
  readonly drainTimeoutMs = 3_000;
  readonly killGraceMs = 1_000;
  readonly journal: Journal = [];
  readonly created = new Map<number, FakeWorker>();
  readonly forgotten: number[] = [];
  readonly logged: Record<string, unknown>[] = [];
  /** The sockets each created worker was started with. */
  readonly startedWith = new Map<number, string[]>();

  constructor(
    count: number,
    private readonly migrate: boolean,
    /** How the worker of each new slot boots (at once by default). */
    readonly newWorkers: Record<number, FakeWorkerOptions> = {},
  ) {
    this.slots = Array.from({ length: count }, (_, index) => {
      const slot = new Slot(index);
      for (const name of Object.keys(PROTOCOLS)) slot.held.set(name, heldSocket(7000, this.journal, `slot${index}:${name}`));
      slot.worker = new FakeWorker(`w${index}`, this.journal).asWorker;
      slot.state = 'ready';
      return slot;
    });
  }

  worker(index: number): FakeWorker {
    return this.slots[index].worker as unknown as FakeWorker;
  }

  protocolOf(listener: string): string {
    return PROTOCOLS[listener];
  }

  tcpMigrateReq(): boolean {
    return this.migrate;
  }

  createWorker(slot: Slot): WorkerProcess {
    this.journal.push(`create ${slot.index}`);
    this.startedWith.set(slot.index, slot.socketsForWorker().map((s) => `${s.name}${s.inherited ? ' (inherited)' : ''}`));
    const worker = new FakeWorker(`new${slot.index}`, this.journal, this.newWorkers[slot.index]);
    this.created.set(slot.index, worker);
    return worker.asWorker;
  }

  promote(slot: Slot, worker: WorkerProcess): void {
    this.journal.push(`promote ${slot.index}`);
    slot.worker = worker;
    slot.state = 'ready';
  }

  forgetSlot(slot: Slot): void {
    this.forgotten.push(slot.index);
  }

  log(message: string, details: Record<string, unknown>): void {
    this.logged.push({ msg: message, ...details });
  }
}

describe('Scaling up', () => {
  it('adds slots one after the other, each promoted once its worker is ready', async () => {
    const host = new FakeScaleHost(2, false);
    const report = await new Scaling(host, 4).run();
    expect(report).toEqual({ ok: true, from: 2, to: 4, durationMs: expect.any(Number), added: [2, 3], removed: [], closed: [], handedOver: [] });
    expect(host.journal.filter((l) => /^(create|promote)/.test(l))).toEqual(['create 2', 'promote 2', 'create 3', 'promote 3']);
    expect(host.slots.map((s) => [s.index, s.state])).toEqual([[0, 'ready'], [1, 'ready'], [2, 'ready'], [3, 'ready']]);
    // A new slot's first worker opens its own sockets: it is given none.
    expect(host.startedWith.get(2)).toEqual([]);
    expect(host.logged.map((l) => [l.event, l.slot])).toEqual([['scale.slot-added', 2], ['scale.slot-added', 3]]);
  });

  it('gives a new slot back the sockets of a slot removed earlier, instead of growing the groups', async () => {
    const host = new FakeScaleHost(3, false);
    await new Scaling(host, 2).run();
    expect(host.slots[0].inherited.length + host.slots[1].inherited.length).toBe(3);

    const report = await new Scaling(host, 3).run();
    expect(report.added).toEqual([2]);
    // Its first worker is given them as its own sockets, not as inherited ones.
    expect(host.startedWith.get(2)!.sort()).toEqual(['dns', 'tcp', 'web']);
    expect([...host.slots[2].held.keys()].sort()).toEqual(['dns', 'tcp', 'web']);
    expect(host.slots[0].inherited).toEqual([]);
    expect(host.slots[1].inherited).toEqual([]);
  });

  it('takes a slot back out when its worker fails, returns the sockets it took, and reports the failure', async () => {
    const host = new FakeScaleHost(3, false);
    await new Scaling(host, 2).run();
    const inheritedBefore = host.slots.map((s) => s.inherited.map((i) => i.name).sort());
    host.newWorkers[2] = { boot: new Error('fixture refuses to boot') };

    const report = await new Scaling(host, 4).run();
    expect(report.ok).toBe(false);
    expect(report.to).toBe(2);
    expect(report.added).toEqual([]);
    expect(report.error).toEqual({ code: ERR_SCALE_FAILED.code, message: expect.stringMatching(/slot 2.*fixture refuses to boot/) });
    expect(host.created.get(2)!.kills).toEqual(['SIGKILL']);
    expect(host.journal).not.toContain('create 3');
    expect(host.slots).toHaveLength(2);
    expect(host.forgotten).toEqual([2, 2]); // removed by the scale-down, then the failed slot
    expect(host.slots.map((s) => s.inherited.map((i) => i.name).sort())).toEqual(inheritedBefore);
  });

  it('keeps the slots added before a failing one', async () => {
    const host = new FakeScaleHost(1, false, { 2: { boot: new Error('no') } });
    const report = await new Scaling(host, 4).run();
    expect(report).toMatchObject({ ok: false, from: 1, to: 2, added: [1] });
    expect(host.slots.map((s) => s.index)).toEqual([0, 1]);
  });
});

describe('Scaling down', () => {
  it.each([
    // tcp_migrate_req off: every socket of a removed slot goes to a survivor.
    [false, { closed: [], handedOver: ['dns', 'tcp', 'web'] }],
    // tcp_migrate_req on: TCP sockets close (the kernel moves their queue); UDP still goes to a survivor.
    [true, { closed: ['tcp', 'web'], handedOver: ['dns'] }],
  ])('with tcp_migrate_req=%p, closes or hands over the removed slot\'s sockets', async (migrate, expected) => {
    const host = new FakeScaleHost(2, migrate);
    const removed = host.worker(1);
    const sockets = Object.fromEntries([...host.slots[1].held].map(([name, held]) => [name, held as ReturnType<typeof heldSocket>]));
    const report = await new Scaling(host, 1).run();

    expect(report).toMatchObject({ ok: true, from: 2, to: 1, added: [], removed: [1] });
    expect(report.closed.map((c) => c.listener).sort()).toEqual(expected.closed);
    expect(report.closed.every((c) => c.fromSlot === 1)).toBe(true);
    expect(report.handedOver.map((h) => h.listener).sort()).toEqual(expected.handedOver);
    expect(report.handedOver.every((h) => h.fromSlot === 1 && h.toSlot === 0)).toBe(true);
    // What is handed over is served by the survivor's worker at once; what is closed, closes.
    expect(host.worker(0).given.map((g) => [g.name, g.inherited]).sort()).toEqual(expected.handedOver.map((name) => [name, true]));
    expect(host.slots[0].inherited.map((i) => i.name).sort()).toEqual(expected.handedOver);
    for (const [name, socket] of Object.entries(sockets)) expect([name, socket.closed]).toEqual([name, expected.closed.includes(name) ? 1 : 0]);
    // Sockets close only once the removed worker has drained and exited: it served them until then.
    for (const name of expected.closed) expect(host.journal.indexOf(`slot1:${name} closed`)).toBeGreaterThan(host.journal.indexOf('w1 exited'));
    expect(removed.drains).toEqual([{ deadline: expect.any(Number), graceMs: 1_000, handOff: false }]);
    expect(host.slots.map((s) => s.index)).toEqual([0]);
    expect(host.forgotten).toEqual([1]);
    expect(host.logged).toEqual([expect.objectContaining({ event: 'scale.slot-removed', slot: 1, workerPid: removed.pid, migrate })]);
  });

  it('removes the highest slots first and spreads their sockets over the survivors with the fewest', async () => {
    const host = new FakeScaleHost(4, false);
    const report = await new Scaling(host, 2).run();
    expect(report.removed).toEqual([3, 2]);
    expect(host.slots.map((s) => s.index)).toEqual([0, 1]);
    expect(host.slots.map((s) => s.inherited.length)).toEqual([3, 3]);
    // A socket a removed slot had inherited moves on with it.
    const again = await new Scaling(host, 1).run();
    expect(again.handedOver).toHaveLength(6);
    expect(host.slots[0].inherited).toHaveLength(9);
  });

  it('leaves a removed slot stopped and without a worker, so that its exit counts as expected', async () => {
    const host = new FakeScaleHost(2, false);
    const slot = host.slots[1];
    await new Scaling(host, 1).run();
    expect(slot.state).toBe('stopped');
    expect(slot.worker).toBeUndefined();
    expect(slot.socketsForWorker()).toEqual([]);
  });
});
