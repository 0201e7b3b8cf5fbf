/**
 * The old supervisor's side of an upgrade: it starts a new supervisor
 * process from the code now on disk (same node binary, arguments and
 * environment), sends it every listening socket and its counters, and once
 * the new one serves, stops accepting, drains its workers and exits. Until
 * then nothing of the old supervisor changes: a new supervisor that fails is
 * stopped, and the old one goes on serving.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { ERR_UPGRADE_FAILED, ShoalError, errorCodeOf } from '../errors';
import { IpcChannel } from '../ipc';
import type { UpgradeProgress, UpgradeReport } from '../control';
import type { Supervisor } from '../supervisor';
import { FD_LINK_CHILD_FD } from '../transport';
import type { NoRequests, PredecessorMessage, PredecessorRequests, SuccessorMessage } from './protocol';
import { UPGRADE_FD_LINK_ENV, UPGRADE_FROM_ENV } from './protocol';
import { needsKeeper } from './keeper';

/**
 * Time for the new supervisor itself to load (configuration, code), on top of
 * twice its workers' readyTimeoutMs: they boot on cores the old workers still
 * serve from, and one that timed out gets one more try. The new supervisor
 * starts its slots one after another: each slot that gets ready restarts the
 * wait, so that its length does not depend on the number of slots.
 */
const SUCCESSOR_LOAD_MS = 15_000;
/** After a SIGTERM, time past drainTimeoutMs that a failed new supervisor gets before SIGKILL. */
const KILL_GRACE_MS = 2_000;

type PredecessorChannel = IpcChannel<PredecessorRequests, NoRequests, SuccessorMessage, PredecessorMessage>;

/**
 * `shoal upgrade` and SIGUSR2: one at a time, and not during a reload or
 * scaling. Resolves when the new supervisor serves (ok), or when it failed
 * and is gone (not ok, with its reason); after ok the supervisor drains and
 * emits 'superseded' (whoever owns the process exits then).
 */
export function upgradeSupervisor(supervisor: Supervisor, onProgress: (progress: UpgradeProgress) => void = () => undefined): Promise<UpgradeReport> {
  return supervisor.exclusively('upgrade', () => new Handover(supervisor, onProgress).run());
}

class Handover {
  private readonly startedAt = new Date();
  private child: ChildProcess | undefined;
  private channel: PredecessorChannel | undefined;
  /** The new supervisor's own error, once it said it failed. */
  private failure: ShoalError | undefined;
  /** While waiting for the new supervisor: a slot of it got ready (the wait starts again). */
  private onSlotReady: (() => void) | undefined;
  private exitCode: Promise<number | null> = Promise.resolve(null);

  constructor(
    private readonly supervisor: Supervisor,
    private readonly onProgress: (progress: UpgradeProgress) => void,
  ) {}

  async run(): Promise<UpgradeReport> {
    const { logger } = this.supervisor;
    logger.info({ event: 'upgrade.started', file: process.argv[1], execPath: process.execPath }, 'upgrade: starting a new supervisor from the code on disk');
    try {
      const channel = this.spawn();
      this.progress({ phase: 'starting' });
      await this.nextMessage(channel, 'hello');
      await this.sendState(channel);
      await this.nextMessage(channel, 'ready');
    } catch (error) {
      return this.failed(error);
    }
    return this.handOver(this.channel!);
  }

  /** Forks the new supervisor: not a worker (no worker environment), so it runs what `shoal start` or run() runs. */
  private spawn(): PredecessorChannel {
    const fdPassing = this.supervisor.options.fdPassing;
    const link = fdPassing?.pair();
    const env: NodeJS.ProcessEnv = { ...process.env, [UPGRADE_FROM_ENV]: String(process.pid) };
    if (link) env[UPGRADE_FD_LINK_ENV] = String(FD_LINK_CHILD_FD);
    else delete env[UPGRADE_FD_LINK_ENV];
    try {
      this.child = fork(process.argv[1], process.argv.slice(2), {
        execPath: process.execPath,
        execArgv: process.execArgv,
        env,
        // Its log goes where this one's goes; it reads nothing from a terminal.
        stdio: link ? ['ignore', 'inherit', 'inherit', 'ipc', link.childFd] : ['ignore', 'inherit', 'inherit', 'ipc'],
        serialization: 'json',
      });
    } finally {
      if (link) fdPassing!.closeFd(link.childFd);
    }
    const child = this.child;
    this.exitCode = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const channel: PredecessorChannel = new IpcChannel(child);
    if (link) channel.attachFdLink(link.link, fdPassing!);
    this.channel = channel;
    void channel.take('failed').then((message) => (this.failure = new ShoalError(message.error.code, message.error.message)));
    channel.onMessage((message) => {
      if (message.type !== 'slot-ready') return;
      this.progress({ phase: 'slot-ready', slot: message.slot, workerPid: message.workerPid });
      this.onSlotReady?.();
    });
    return channel;
  }

  /** The next message of `type`; rejects with the new supervisor's own error when it failed, exited or took too long. */
  private nextMessage<T extends 'hello' | 'ready'>(channel: PredecessorChannel, type: T): Promise<void> {
    const child = this.child!;
    const limitMs = 2 * this.supervisor.options.readyTimeoutMs + SUCCESSOR_LOAD_MS;
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => reject(new Error(`no progress within ${limitMs} ms (twice readyTimeoutMs + ${SUCCESSOR_LOAD_MS} ms)`)), limitMs);
      };
      arm();
      this.onSlotReady = arm;
      const done = (): void => {
        clearTimeout(timer);
        this.onSlotReady = undefined;
        child.off('exit', onExit);
        child.off('error', onError);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        done();
        // Its last message (why it failed) may still be on the way: the channel closes after it.
        const closed = child.connected ? new Promise((settle) => child.once('disconnect', settle)) : Promise.resolve();
        void closed.then(() => setImmediate(() => reject(this.failure ?? new Error(`it exited (${signal ?? `code ${code}`}) before it was ready`))));
      };
      const onError = (error: Error): void => {
        done();
        reject(new Error(`it could not be started (${error.message})`));
      };
      child.once('exit', onExit);
      child.once('error', onError);
      void channel.take(type).then(() => {
        done();
        resolve();
      });
    });
  }

  /** Every slot's sockets, the endpoints' sockets, then the ports and counters (messages keep their order). */
  private async sendState(channel: PredecessorChannel): Promise<void> {
    const sent: Promise<void>[] = [];
    for (const socket of this.supervisor.heldSockets()) {
      const { slot, name, held, inherited, fromSlot } = socket;
      sent.push(channel.post({ type: 'held-listener', slot, name, port: held.port, inherited, fromSlot }, held.handle));
    }
    for (const { endpoint, handle } of this.supervisor.listeningSockets()) sent.push(channel.post({ type: 'endpoint', endpoint }, handle));
    const metrics = await this.supervisor.carriedMetrics();
    sent.push(channel.post({ type: 'take-over', ports: this.supervisor.listenerPorts(), slots: this.supervisor.slots.length, metrics }));
    await Promise.all(sent);
  }

  /** The new supervisor is ready: it serves from now on, this one drains and goes. */
  private async handOver(channel: PredecessorChannel): Promise<UpgradeReport> {
    const { supervisor } = this;
    const newPid = this.child!.pid ?? null;
    supervisor.countUpgrade('ok');
    await supervisor.handedOver({
      listenerReleased: (slot, name, state) => void channel.post({ type: 'listener-released', slot, name, state }).catch(() => undefined),
      predecessorGone: (slot) => void channel.post({ type: 'predecessor-gone', slot }).catch(() => undefined),
      handOff: (slot, connection, handle) =>
        channel.request('hand-off', { slot, ...connection }, supervisor.options.ipcTimeoutMs, handle).catch(() => ({ accepted: false })),
    });
    // Counted after the admin endpoint stopped accepting here: what the new one shows starts from at least this.
    await channel.post({ type: 'serve', metrics: await supervisor.carriedMetrics() });
    for (const slot of supervisor.slots) {
      if (!slot.worker || slot.worker.state === 'exited') void channel.post({ type: 'predecessor-gone', slot: slot.index }).catch(() => undefined);
    }
    const report: UpgradeReport = {
      ok: true,
      oldPid: process.pid,
      newPid,
      startedAt: this.startedAt.toISOString(),
      durationMs: Date.now() - this.startedAt.getTime(),
      drainTimeoutMs: supervisor.options.drainTimeoutMs,
      keeper: needsKeeper(),
    };
    supervisor.logger.info({ event: 'upgrade.ready', newPid, durationMs: report.durationMs }, `upgrade: the new supervisor (pid ${newPid}) serves; draining this one`);
    this.progress({ phase: 'serving' });
    // After the answer has left: drain like a stop, pass on the final counters, and let the process go.
    setImmediate(() => void this.drainAndLeave(channel, newPid));
    return report;
  }

  private async drainAndLeave(channel: PredecessorChannel, newPid: number | null): Promise<void> {
    const { supervisor } = this;
    // Listeners that hand connections on at a reload (handOffOnReload) pass them, alive, to the new supervisor's workers.
    await supervisor.stop({ handOff: true, supersededBy: newPid });
    await channel.post({ type: 'final-metrics', metrics: await supervisor.carriedMetrics() }).catch(() => undefined);
    supervisor.logger.info({ event: 'upgrade.finished', newPid }, `upgrade finished: supervisor ${newPid} serves; this one exits`);
    // The new supervisor lives on: it is not a child that goes with this process.
    this.child?.disconnect?.();
    this.child?.unref();
    supervisor.emit('superseded', { pid: newPid ?? -1, exitCode: this.exitCode });
  }

  private async failed(error: unknown): Promise<UpgradeReport> {
    const { supervisor } = this;
    const newPid = this.child?.pid ?? null;
    const reason = error instanceof ShoalError ? `${error.code}: ${error.message}` : (error as Error).message;
    const failure = new ERR_UPGRADE_FAILED(newPid, reason);
    await this.stopSuccessor();
    supervisor.countUpgrade('failed');
    supervisor.logger.error({ event: 'upgrade.failed', newPid, cause: errorCodeOf(error), err: failure }, failure.message);
    this.progress({ phase: 'failed', error: failure.message });
    return {
      ok: false,
      oldPid: process.pid,
      newPid,
      startedAt: this.startedAt.toISOString(),
      durationMs: Date.now() - this.startedAt.getTime(),
      drainTimeoutMs: supervisor.options.drainTimeoutMs,
      keeper: false,
      error: { code: failure.code, message: failure.message },
    };
  }

  /** A new supervisor that did not take over stops as any does (its workers drain), or is killed. */
  private async stopSuccessor(): Promise<void> {
    this.channel?.close();
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), this.supervisor.options.drainTimeoutMs + KILL_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  private progress(step: Omit<UpgradeProgress, 'pid'>): void {
    this.onProgress({ ...step, pid: this.child?.pid ?? null });
  }
}
