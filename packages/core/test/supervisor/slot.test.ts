import type { RestartOptions } from '../../src/config';
import { Slot } from '../../src/supervisor/slot';
import { FakeWorker, heldSocket } from './fakes';

const restart: RestartOptions = { initialDelayMs: 100, maxDelayMs: 1_000, maxCrashes: 4, windowMs: 10_000 };

describe('Slot.recordCrash: backoff and the crash-loop window', () => {
  it.each([
    ['doubles the delay with every crash in the window, then gives up at maxCrashes', restart, [0, 1, 2, 3], [100, 200, 400, null]],
    ['caps the delay at maxDelayMs', { ...restart, maxDelayMs: 250, maxCrashes: 10 }, [0, 1, 2, 3, 4], [100, 200, 250, 250, 250]],
    ['forgets crashes older than the window: spaced crashes never loop', restart, [0, 10_000, 20_000, 30_000, 40_000], [100, 100, 100, 100, 100]],
    ['counts a crash exactly windowMs old as outside the window', restart, [0, 5_000, 10_000], [100, 200, 200]],
    ['counts one that is a millisecond younger as inside', restart, [0, 5_000, 9_999], [100, 200, 400]],
    ['gives up at the first crash when maxCrashes is 1', { ...restart, maxCrashes: 1 }, [0], [null]],
    ['starts over once the old crashes have left the window', { ...restart, maxCrashes: 3 }, [0, 1, 20_000, 20_001, 20_002], [100, 200, 100, 200, null]],
  ] as const)('%s', (_what, options, times, expected) => {
    const slot = new Slot(0);
    expect(times.map((now) => slot.recordCrash(now, options))).toEqual(expected);
  });

  it('reports the crashes within the window as recentCrashes, in status() too', () => {
    const slot = new Slot(3);
    slot.recordCrash(0, restart);
    slot.recordCrash(1_000, restart);
    expect(slot.recentCrashes).toBe(2);
    slot.recordCrash(10_500, restart); // the crash at 0 left the window
    expect(slot.recentCrashes).toBe(2);
    expect(slot.status(10_500).recentCrashes).toBe(2);
  });
});

describe('the sockets a slot holds', () => {
  function slotWith(index: number, own: Record<string, number>): Slot {
    const slot = new Slot(index);
    for (const [name, port] of Object.entries(own)) slot.held.set(name, heldSocket(port));
    return slot;
  }

  it('gives a new worker its own sockets first, then the inherited ones, marked as such', () => {
    const slot = slotWith(0, { tcp: 7000, udp: 7001 });
    const inherited = heldSocket(7000);
    slot.inherited.push({ name: 'tcp', fromSlot: 2, held: inherited });
    expect(slot.socketsForWorker()).toEqual([
      { name: 'tcp', inherited: false, held: slot.held.get('tcp') },
      { name: 'udp', inherited: false, held: slot.held.get('udp') },
      { name: 'tcp', inherited: true, held: inherited },
    ]);
  });

  it('gives up everything it holds, its own sockets under its index and inherited ones under theirs', () => {
    const slot = slotWith(1, { tcp: 7000 });
    const inherited = heldSocket(7000);
    slot.inherited.push({ name: 'tcp', fromSlot: 3, held: inherited });
    const own = slot.held.get('tcp');
    expect(slot.giveUpSockets()).toEqual([
      { name: 'tcp', fromSlot: 1, held: own },
      { name: 'tcp', fromSlot: 3, held: inherited },
    ]);
    expect(slot.held.size).toBe(0);
    expect(slot.inherited).toEqual([]);
    expect(slot.socketsForWorker()).toEqual([]);
  });

  it('takes back only its own sockets from the slots that served them, leaving the rest there', () => {
    const down = slotWith(1, { tcp: 7000, udp: 7001 });
    const heirs = [slotWith(0, { tcp: 7000 }), slotWith(2, { tcp: 7000 })];
    const [tcp, udp] = down.giveUpSockets();
    heirs[0].inherited.push(tcp, { name: 'tcp', fromSlot: 3, held: heldSocket(7000) });
    heirs[1].inherited.push(udp);

    down.reclaimFrom(heirs);

    expect([...down.held.keys()].sort()).toEqual(['tcp', 'udp']);
    expect(down.held.get('tcp')).toBe(tcp.held);
    expect(down.held.get('udp')).toBe(udp.held);
    expect(heirs[0].inherited.map((s) => s.fromSlot)).toEqual([3]);
    expect(heirs[1].inherited).toEqual([]);
  });

  it('closes every held duplicate, own and inherited, when released', () => {
    const slot = slotWith(0, { tcp: 7000, udp: 7001 });
    const sockets = [slot.held.get('tcp'), slot.held.get('udp')] as ReturnType<typeof heldSocket>[];
    const inherited = heldSocket(7000);
    slot.inherited.push({ name: 'tcp', fromSlot: 1, held: inherited });
    slot.releaseHeld();
    expect([...sockets, inherited].map((s) => s.closed)).toEqual([1, 1, 1]);
    expect(slot.socketsForWorker()).toEqual([]);
  });
});

describe('Slot.status', () => {
  it('describes a slot without a worker', () => {
    const slot = new Slot(2);
    expect(slot.status(5_000)).toEqual({
      slot: 2,
      state: 'starting',
      pid: null,
      generation: 0,
      uptimeMs: null,
      restarts: 0,
      recentCrashes: 0,
      lastError: null,
      listeners: {},
      inherited: [],
      hangs: 0,
      lastHangReport: null,
      memoryReplacements: 0,
      lagMs: null,
      degraded: false,
      degradedSince: null,
      worstLagMs: null,
    });
  });

  it('shows no uptime for a worker that is not ready yet, and the time since its start once it is', async () => {
    const slot = new Slot(0);
    const worker = new FakeWorker('w', [], { boot: 'held' }, 1_000);
    slot.worker = worker.asWorker;
    expect(slot.status(1_500)).toMatchObject({ pid: worker.pid, uptimeMs: null });
    worker.boot();
    await worker.ready;
    expect(slot.status(4_000)).toMatchObject({ pid: worker.pid, uptimeMs: 3_000 });
  });

  it('lists its ports by listener, the inherited sockets, restarts, generation and last error', () => {
    const slot = new Slot(0);
    slot.held.set('tcp', heldSocket(7000));
    slot.held.set('http', heldSocket(8080));
    slot.inherited.push({ name: 'tcp', fromSlot: 1, held: heldSocket(7000) });
    slot.state = 'ready';
    slot.generation = 3;
    slot.restarts = 2;
    slot.lastError = 'worker exited unexpectedly (exit code 3)';
    expect(slot.status(0)).toMatchObject({
      state: 'ready',
      generation: 3,
      restarts: 2,
      lastError: 'worker exited unexpectedly (exit code 3)',
      listeners: { tcp: 7000, http: 8080 },
      inherited: [{ listener: 'tcp', fromSlot: 1 }],
    });
  });
});
