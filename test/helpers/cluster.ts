/**
 * Starts a real Shoal supervisor (the fixture service) as a separate process
 * group, follows its JSON log, and cleans up whatever a test leaves behind.
 * Tests wait on a line's `event` (docs/cli.md, Logs), never on its text.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { SupervisorStatus } from '@shoal/core';
import { httpGet } from './clients';

export const FIXTURE_MAIN = join(__dirname, '..', 'dist', 'fixtures', 'main.js');

export interface LogLine {
  level: string;
  msg: string;
  pid: number;
  /** The stable name of what happened (docs/cli.md, Logs); absent on free-text lines. */
  event?: string;
  role?: string;
  slot?: number;
  [key: string]: unknown;
}

export interface StartOptions {
  config: Record<string, unknown>;
  env?: Record<string, string>;
  /** Resolve once the process started, without waiting for "shoal is up". */
  noWait?: boolean;
  entry?: string;
  /** Arguments after the entry script (e.g. `start app.js --config f` for the shoal CLI). */
  args?: string[];
  /** A command prefix, e.g. to run the supervisor inside a network namespace. */
  prefix?: string[];
  /** How long to wait for "shoal is up"; by default the config's readyTimeoutMs (workers boot before it) plus 10 s, at least 30 s. */
  upTimeoutMs?: number;
}

const running = new Set<Cluster>();

export class Cluster {
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  ports: Record<string, number> = {};
  admin = '';
  private readonly waiters: { predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  /**
   * The supervisor's exit, once its output is read to the end (a child's
   * 'exit' may come before its last lines): what a test checks in the logs
   * after it is there.
   */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Resolves when the supervisor's stdout and stderr have closed: every
   * process that shares them (the supervisor and each of its workers) is gone.
   */
  readonly outputClosed: Promise<void>;

  constructor(readonly proc: ChildProcess) {
    running.add(this);
    this.outputClosed = Promise.all([once(proc.stdout!, 'close'), once(proc.stderr!, 'close')]).then(() => undefined);
    createInterface({ input: proc.stdout! }).on('line', (text) => {
      let line: LogLine;
      try {
        line = JSON.parse(text);
      } catch {
        return;
      }
      this.logs.push(line);
      for (const waiter of [...this.waiters]) {
        if (waiter.predicate(line)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    });
    createInterface({ input: proc.stderr! }).on('line', (text) => this.stderr.push(text));
    this.exited = once(proc, 'close').then(([code, signal]) => {
      running.delete(this);
      return { code: code as number | null, signal: signal as NodeJS.Signals | null };
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** The first log line (past or future) that matches. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
    const past = this.logs.find(predicate);
    if (past) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no matching log line within ${timeoutMs} ms; last lines:\n${this.logs.slice(-15).map((l) => JSON.stringify(l)).join('\n')}\n${this.stderr.join('\n')}`));
      }, timeoutMs);
      this.waiters.push({
        predicate,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  }

  /** The first line (past or future) with this event that also matches `predicate`. */
  waitForEvent(event: string, predicate: (line: LogLine) => boolean = () => true, timeoutMs = 20_000): Promise<LogLine> {
    return this.waitForLog((line) => line.event === event && predicate(line), timeoutMs);
  }

  /** Every line so far with one of these events, in order. */
  events(...events: string[]): LogLine[] {
    return this.logs.filter((line) => line.event !== undefined && events.includes(line.event));
  }

  /** Log lines that match, counted until `count` arrived (past ones count). */
  async waitForLogs(predicate: (line: LogLine) => boolean, count: number, timeoutMs = 20_000): Promise<LogLine[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.logs.filter(predicate).length < count) {
      const seen = this.logs.filter(predicate).length;
      await this.waitForLog((line) => predicate(line) && this.logs.filter(predicate).length > seen, Math.max(1, deadline - Date.now()));
    }
    return this.logs.filter(predicate);
  }

  /** `count` rolling reloads one after another (SIGHUP, then its end): the end of each, finished or failed, in order. */
  async reloads(count: number, timeoutMs = 60_000): Promise<LogLine[]> {
    const done = (l: LogLine): boolean => l.event === 'reload.finished' || l.event === 'reload.failed';
    const before = this.logs.filter(done).length;
    for (let i = 1; i <= count; i++) {
      process.kill(this.pid, 'SIGHUP');
      await this.waitForLogs(done, before + i, timeoutMs);
    }
    return this.logs.filter(done).slice(before, before + count);
  }

  async status(): Promise<SupervisorStatus> {
    return JSON.parse((await httpGet(this.adminPort, '/status')).body);
  }

  async metrics(): Promise<string> {
    return (await httpGet(this.adminPort, '/metrics')).body;
  }

  get adminPort(): number {
    return Number(new URL(this.admin).port);
  }

  async workerPids(): Promise<number[]> {
    return (await this.status()).slots.map((s) => s.pid).filter((p): p is number => p !== null);
  }

  /** Waits until every slot has a ready worker whose pid is not in `excluded`. */
  async waitForReadyWorkers(excluded: number[] = [], timeoutMs = 20_000): Promise<number[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.status();
      const pids = status.slots.map((s) => (s.state === 'ready' ? s.pid : null));
      if (pids.every((p) => p !== null && !excluded.includes(p))) return pids as number[];
      if (Date.now() > deadline) throw new Error(`workers not ready in time: ${JSON.stringify(status.slots)}`);
      await this.waitForEvent('worker.ready', (l) => !excluded.includes(l.workerPid as number), Math.max(1, deadline - Date.now())).catch(() => undefined);
    }
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    return this.exited;
  }

  /** Kills the whole process group (supervisor and workers). */
  killGroup(): void {
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {}
  }
}

export async function startCluster(options: StartOptions): Promise<Cluster> {
  const [command, ...args] = [...(options.prefix ?? []), process.execPath, options.entry ?? FIXTURE_MAIN, ...(options.args ?? [])];
  const proc = spawn(command, args, {
    env: { ...process.env, SHOAL_TEST_CONFIG: JSON.stringify(options.config), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const cluster = new Cluster(proc);
  if (options.noWait) return cluster;
  const up = await Promise.race([
    cluster.waitForEvent('supervisor.up', undefined, options.upTimeoutMs ?? Math.max(30_000, Number(options.config.readyTimeoutMs ?? 0) + 10_000)),
    cluster.exited.then(({ code }) => {
      throw new Error(`supervisor exited with code ${code} before it was up:\n${cluster.stderr.join('\n')}\n${cluster.logs.map((l) => JSON.stringify(l)).join('\n')}`);
    }),
  ]);
  cluster.ports = up.listeners as Record<string, number>;
  cluster.admin = up.admin as string;
  return cluster;
}

/** For afterEach/afterAll: no test leaves a process behind. */
export async function stopAllClusters(): Promise<void> {
  await Promise.all(
    [...running].map(async (cluster) => {
      cluster.killGroup();
      await cluster.exited;
    }),
  );
}

/**
 * `promise`, or a rejection naming `what` once `limitMs` passed: a safety net
 * so that a hang fails one test with a reason. It is never what a test asserts.
 */
export async function within<T>(promise: Promise<T>, limitMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within the safety limit of ${limitMs} ms`)), limitMs);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether a process still runs. One that has exited but is not reaped yet (a
 * zombie, as an orphan is until init collects it) no longer runs.
 */
export function isAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // The state letter follows the command name, which is in parentheses and may contain anything.
  const state = stat.charAt(stat.lastIndexOf(')') + 2);
  return state !== 'Z' && state !== 'X';
}

/** A config for the fixture service with every listener on a port the kernel picks. */
let controlSockets = 0;

/** A control socket path of its own for each cluster a test run starts (clusters run side by side). */
export function testControlSocket(): string {
  controlSockets += 1;
  return join(tmpdir(), `shoal-test-${process.pid}-${controlSockets}.sock`);
}

export function fixtureConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    workers: 2,
    control: { path: testControlSocket() },
    admin: { host: '127.0.0.1', port: 0 },
    logLevel: 'info',
    drainTimeoutMs: 3_000,
    listeners: {
      tcp: { transport: 'tcp', host: '127.0.0.1', port: 0, options: { framing: 'lines', maxFrameBytes: 1024 } },
      handoff: { transport: 'tcp', host: '127.0.0.1', port: 0, options: { framing: 'lines', handOffOnReload: true } },
      udp: { transport: 'udp', host: '127.0.0.1', port: 0 },
      http: { transport: 'http', host: '127.0.0.1', port: 0 },
    },
    ...overrides,
  };
}
