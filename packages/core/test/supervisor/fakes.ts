/**
 * Fakes of what the supervisor's parts see of a worker process: only the
 * members that Slot, RollingReload and Scaling use. A fake boots when the
 * test says so (or at once), and records what was done to it in a journal
 * shared with the fake host, so that a test can assert the order of things.
 */
import type { DrainReport } from '../../src/transport';
import type { HeldListener, WorkerExit, WorkerProcess, WorkerState } from '../../src/supervisor/worker-process';

export type Journal = string[];

export interface FakeWorkerOptions {
  /** 'ok' (default): ready at once; 'fail': the boot fails with this error; 'held': ready or failed when the test says. */
  boot?: 'ok' | 'held' | Error;
}

let nextPid = 1000;

export class FakeWorker {
  readonly pid = nextPid++;
  readonly startedAt: number;
  readyAt: number | undefined;
  state: WorkerState = 'booting';
  lastDrain: DrainReport | undefined;
  /** What its drain will report. */
  drainReport: DrainReport = { completed: 0, forced: 0, handedOff: 0 };
  readonly ready: Promise<void>;
  readonly exited: Promise<WorkerExit>;
  readonly kills: NodeJS.Signals[] = [];
  readonly drains: { deadline: number; graceMs: number; handOff: boolean }[] = [];
  readonly given: { name: string; inherited: boolean; held: HeldListener }[] = [];
  private settleReady!: (error?: Error) => void;
  private exit!: (exit: WorkerExit) => void;

  constructor(
    readonly name: string,
    private readonly journal: Journal,
    options: FakeWorkerOptions = {},
    startedAt = 0,
  ) {
    this.startedAt = startedAt;
    this.exited = new Promise((resolve) => (this.exit = resolve));
    this.ready = new Promise<void>((resolve, reject) => {
      this.settleReady = (error) => (error ? reject(error) : resolve());
    });
    this.ready.then(
      () => {
        if (this.state !== 'booting') return;
        this.state = 'ready';
        this.readyAt = startedAt;
      },
      () => undefined,
    );
    const boot = options.boot ?? 'ok';
    if (boot === 'ok') this.boot();
    else if (boot instanceof Error) this.boot(boot);
  }

  /** Lets a 'held' boot go on: ready, or failed with `error`. */
  boot(error?: Error): void {
    this.journal.push(`${this.name} ${error ? 'boot-failed' : 'ready'}`);
    this.settleReady(error);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.kills.push(signal);
    this.journal.push(`${this.name} killed ${signal}`);
    this.exitNow({ code: null, signal });
  }

  async drainAndExit(deadline: number, graceMs: number, handOff = false): Promise<WorkerExit> {
    if (this.state === 'exited') return this.exited;
    this.state = 'draining';
    this.drains.push({ deadline, graceMs, handOff });
    this.journal.push(`${this.name} drain`);
    this.lastDrain = this.drainReport;
    // The drain answer comes in a later turn, as it does over IPC.
    await Promise.resolve();
    this.exitNow({ code: 0, signal: null });
    this.journal.push(`${this.name} exited`);
    return this.exited;
  }

  giveSocket(name: string, inherited: boolean, held: HeldListener): void {
    this.given.push({ name, inherited, held });
    this.journal.push(`${this.name} given ${name}`);
  }

  /** The process died on its own. */
  exitNow(exit: WorkerExit): void {
    if (this.state === 'exited') return;
    this.state = 'exited';
    this.exit(exit);
  }

  /** What the code under test is typed to take. */
  get asWorker(): WorkerProcess {
    return this as unknown as WorkerProcess;
  }
}

/** A held socket whose close() the test can see. */
export function heldSocket(port: number, journal?: Journal, label = `socket:${port}`): HeldListener & { closed: number } {
  const held = {
    port,
    closed: 0,
    handle: {
      close: () => {
        held.closed += 1;
        journal?.push(`${label} closed`);
      },
    },
  };
  return held as unknown as HeldListener & { closed: number };
}

/** Lets every queued promise callback run (the fakes settle in microtasks only). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
