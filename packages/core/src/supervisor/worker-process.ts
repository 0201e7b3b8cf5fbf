import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { ERR_IPC_CLOSED, ERR_WORKER_BOOT_FAILED, ERR_WORKER_READY_TIMEOUT, ShoalError } from '../errors';
import { IpcChannel, deserializeError } from '../ipc';
import type { MetricsSnapshot, SupervisorMessage, SupervisorRequests, WorkerMessage, WorkerRequests, WorkerStats } from '../ipc';
import { FD_LINK_CHILD_FD } from '../transport';
import type { DrainReport, FdPassing, HeldHandle } from '../transport';
import { HANG_REPORT_CHILD_FD, WORKER_ENV } from '../ipc';
import type { HangReportAnswer } from '../ipc';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { workerEnvironment } from '../systemd';

/** The program a worker runs: by default the supervisor's own entry script, as node:cluster does. */
export interface WorkerEntry {
  readonly file: string;
  readonly args: readonly string[];
  readonly execArgv: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The configuration the worker gets as its first message (JSON), asked for
   * at each fork so that a reload sends what is current.
   */
  readonly config?: () => unknown;
}

export interface HeldListener {
  readonly handle: HeldHandle;
  readonly port: number;
}

export interface WorkerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export type WorkerState = 'booting' | 'ready' | 'draining' | 'exited';

let nextWorkerId = 1;

/**
 * One worker process seen from the supervisor: its IPC channel, its boot
 * (held sockets in, a 'ready' or 'boot-failed' out) and its exit.
 */
export class WorkerProcess extends EventEmitter {
  readonly id = nextWorkerId++;
  readonly child: ChildProcess;
  readonly startedAt = Date.now();
  readyAt: number | undefined;
  state: WorkerState = 'booting';
  /** Latest copy of the worker's metrics, kept so its counters survive its death. */
  lastMetrics: MetricsSnapshot | undefined;
  bootError: ShoalError | undefined;
  /** What the worker's drain reported, once it answered. */
  lastDrain: DrainReport | undefined;
  readonly ready: Promise<void>;
  readonly exited: Promise<WorkerExit>;
  private readonly channel: IpcChannel<WorkerRequests, SupervisorRequests, WorkerMessage, SupervisorMessage>;
  private readonly hangReportSocket: Writable | undefined;
  /** Why the supervisor killed it, when it did so on purpose (the exit's reason in metrics and logs). */
  killedFor: 'hung' | undefined;

  constructor(
    entry: WorkerEntry,
    readonly slot: number,
    readonly generation: number,
    sockets: readonly { name: string; inherited: boolean; held: HeldListener }[],
    ports: Readonly<Record<string, number>>,
    readyTimeoutMs: number,
    fdPassing?: FdPassing,
    /** The slot's previous worker still serves the held sockets (a reload). */
    predecessor = false,
    /** Listener addresses other than the configured ones (sockets systemd passed). */
    hosts: Readonly<Record<string, string>> = {},
    /** Give the worker a socket on which its hang reporter answers (see watchdog.ts). */
    hangReport = false,
    /** The service's name and control socket, in the worker's environment: how another supervisor's port check names this one. */
    service: { name: string; control: string | null } | null = null,
  ) {
    super();
    // Sockets that are no libuv handle (SCTP) travel on a descriptor link at stdio index 4.
    const link = fdPassing?.pair();
    try {
      this.child = fork(entry.file, [...entry.args], {
        execArgv: [...entry.execArgv],
        env: {
          ...workerEnvironment(entry.env ?? process.env),
          [WORKER_ENV.slot]: String(slot),
          [WORKER_ENV.generation]: String(generation),
          ...(link ? { [WORKER_ENV.fdLink]: String(FD_LINK_CHILD_FD) } : {}),
          ...(hangReport ? { [WORKER_ENV.hangReport]: String(HANG_REPORT_CHILD_FD) } : {}),
          ...(service ? { [WORKER_ENV.service]: service.name, ...(service.control ? { [WORKER_ENV.control]: service.control } : {}) } : {}),
        },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc', link ? link.childFd : 'ignore', ...(hangReport ? ['pipe' as const] : [])],
        serialization: 'json',
      });
    } finally {
      if (link) fdPassing!.closeFd(link.childFd);
    }
    const reportSocket = hangReport ? ((this.child.stdio as unknown as (Readable & Writable | null)[])[HANG_REPORT_CHILD_FD] ?? null) : null;
    if (reportSocket) {
      reportSocket.on('error', () => undefined);
      createInterface({ input: reportSocket }).on('line', (line) => this.emit('hang-report-answer', line));
      this.hangReportSocket = reportSocket;
    }
    this.channel = new IpcChannel(this.child);
    if (link) this.channel.attachFdLink(link.link, fdPassing!);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.state = 'exited';
        this.channel.close();
        resolve({ code, signal });
      });
    });
    // A spawn failure (ENOENT, EAGAIN) surfaces as 'error' and then 'exit'.
    this.child.on('error', (error) => this.emit('spawn-error', error));

    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ERR_WORKER_READY_TIMEOUT(slot, readyTimeoutMs)), readyTimeoutMs);
      this.channel.onMessage((message, handle) => {
        if (message.type === 'listener-handle' && handle) {
          this.emit('listener-handle', message.name, { handle, port: message.port });
        } else if (message.type === 'listener-released') {
          this.emit('listener-released', message.name, message.state);
        } else if (message.type === 'ready') {
          clearTimeout(timer);
          this.state = 'ready';
          this.readyAt = Date.now();
          this.emit('ready', message.listeners);
          resolve();
        } else if (message.type === 'heartbeat') {
          this.emit('heartbeat', message);
        } else if (message.type === 'boot-failed') {
          clearTimeout(timer);
          this.bootError = deserializeError(message.error);
          reject(this.bootError);
        }
      });
      void this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(this.bootError ?? new ERR_WORKER_BOOT_FAILED(slot, `the process exited (${signal ?? `code ${code}`}) before it was ready`));
      });
    });
    this.ready.catch(() => undefined);

    // The configuration first, then held sockets (Node keeps messages in order while a handle is in flight), then the go.
    if (entry.config) void this.channel.post({ type: 'configure', config: entry.config() }).catch(() => undefined);
    for (const { name, inherited, held } of sockets) this.giveSocket(name, inherited, held);
    void this.channel.post({ type: 'boot', slot, generation, ports: { ...ports }, hosts: { ...hosts }, predecessor }).catch(() => undefined);
  }

  /** Sends a held socket; after boot, an inherited one is adopted at once. */
  giveSocket(name: string, inherited: boolean, held: HeldListener): void {
    void this.channel.post({ type: 'held-listener', name, inherited }, held.handle).catch(() => undefined);
  }

  /** Answers the worker's request to hand a live connection on (see Supervisor). */
  onHandOff(handler: (params: SupervisorRequests['hand-off']['params'], handle?: HeldHandle) => Promise<{ accepted: boolean }>): void {
    this.channel.onRequest('hand-off', handler);
  }

  /** Answers this worker's store and broadcast requests (see fleet.ts). */
  onServiceRequest<K extends 'store' | 'broadcast'>(kind: K, handler: (params: SupervisorRequests[K]['params']) => Promise<SupervisorRequests[K]['result']>): void {
    this.channel.onRequest(kind, handler);
  }

  /** Sends a ShoalBroadcast message to this worker's subscribers. */
  sendBroadcast(channel: string, message: unknown): Promise<void> {
    return this.channel.post({ type: 'broadcast', channel, message });
  }

  /** Gives a handed-off connection to this worker; resolves once it left the supervisor. */
  giveConnection(connection: SupervisorRequests['hand-off']['params'], handle: HeldHandle): Promise<void> {
    return this.channel.post({ type: 'adopt-connection', ...connection }, handle);
  }

  /** The slot's previous worker released an exclusive listener (see Listener.exclusive). */
  resumeListener(name: string, state: unknown): void {
    void this.channel.post({ type: 'listener-released', name, state }).catch(() => undefined);
  }

  /** The slot's previous worker exited: exclusive listeners still waiting may be served. */
  predecessorGone(): void {
    void this.channel.post({ type: 'predecessor-gone' }).catch(() => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  collectStats(timeoutMs: number): Promise<WorkerStats> {
    return this.channel.request('stats', {}, timeoutMs);
  }

  async collectMetrics(timeoutMs: number): Promise<MetricsSnapshot> {
    this.lastMetrics = await this.channel.request('metrics', {}, timeoutMs);
    return this.lastMetrics;
  }

  /**
   * Asks the worker to stop accepting and drain by `deadline`; kills it if it
   * has not exited shortly after. Resolves when the process is gone.
   */
  async drainAndExit(deadline: number, graceMs: number, handOff = false): Promise<WorkerExit> {
    if (this.state === 'exited') return this.exited;
    this.state = 'draining';
    const killTimer = setTimeout(() => this.child.kill('SIGKILL'), Math.max(0, deadline - Date.now()) + graceMs);
    try {
      const { metrics, report } = await this.channel.request('drain', { deadline, handOff }, Math.max(1, deadline - Date.now()) + graceMs);
      this.lastMetrics = metrics;
      this.lastDrain = report;
    } catch (error) {
      // Still booting (no drain handler answers yet) or stuck: SIGTERM makes it drain on its own.
      if (!(error instanceof ShoalError && error.code === ERR_IPC_CLOSED.code)) this.child.kill('SIGTERM');
    }
    const exit = await this.exited;
    clearTimeout(killTimer);
    return exit;
  }

  /**
   * Asks the worker's hang reporter (a thread with a loop of its own) for
   * Node's report written to `file`; rejects when it does not answer in time
   * (no reporter, or the whole process is stopped).
   */
  requestHangReport(file: string, timeoutMs: number): Promise<HangReportAnswer> {
    const socket = this.hangReportSocket;
    if (!socket || this.state === 'exited') return Promise.reject(new Error('this worker has no hang reporter'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('hang-report-answer', onAnswer);
        reject(new Error(`the hang reporter did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const onAnswer = (line: string): void => {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(line) as HangReportAnswer);
        } catch {
          reject(new Error(`the hang reporter answered something else than JSON: ${line.slice(0, 200)}`));
        }
      };
      this.once('hang-report-answer', onAnswer);
      socket.write(`${JSON.stringify({ file })}\n`);
    });
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.state !== 'exited') this.child.kill(signal);
  }
}
