/**
 * The supervisor: forks one worker per slot, holds each slot's listening
 * sockets, restarts crashed workers with backoff, stops gracefully, and
 * aggregates metrics. It never runs application code and never accepts a
 * connection on a listener.
 */
import { closeHeld } from '../transport';
import { EventEmitter } from 'node:events';
import { dirname } from 'node:path';
import type { Registry } from 'prom-client';
import {
  ERR_RELOAD_IN_PROGRESS,
  ERR_SLOT_CRASH_LOOP,
  ERR_SUPERVISOR_BUSY,
  ERR_SUPERVISOR_NOT_RUNNING,
  ERR_SUPERVISOR_START_FAILED,
  ERR_UPGRADE_FAILED,
  ShoalError,
} from '../errors';
import type { ReloadProgress, ReloadReport, ScaleReport, SupervisorStatus } from '../control';
import type { MetricsSnapshot, SupervisorRequests } from '../ipc';
import type { CarriedMetricsSnapshot } from '../metrics';
import { createLogger } from '../logger';
import type { Logger } from '../logger';
import { MetricsAggregator } from '../metrics';
import type { ResolvedOptions } from '../config';
import type { HeldHandle } from '../transport';
import type { PassedListener } from '../systemd';
import { ForeignListenerWatch, ReuseportSelector, ownedPort, refuseForeignListeners } from '../ownership';
import type { OwnedPort } from '../ownership';
import { RollingReload } from './rolling-reload';
import type { ReloadHost } from './rolling-reload';
import { Scaling, tcpMigrateReqEnabled } from './scaling';
import { Slot } from './slot';
import { SupervisorMetrics } from './supervisor-metrics';
import { Watchdog } from './watchdog';
import { WorkerProcess } from './worker-process';
import type { HeldListener, WorkerEntry, WorkerExit } from './worker-process';

/** Extra time a draining worker gets past its deadline before it is killed. */
const KILL_GRACE_MS = 1_000;

/**
 * A part the supervisor is composed of (admin endpoint, control socket,
 * fleet), built where the process starts and given only the narrow view of
 * the supervisor it needs. The supervisor runs their lifecycle with its own.
 */
export interface SupervisorPart {
  /** Before the first worker starts (binds what must fail the start early: control socket, admin port). */
  open?(): Promise<void>;
  /** Once every slot has a ready worker. */
  started?(): Promise<void>;
  /** Before a rolling reload replaces anything (e.g. reads the configuration again); a throw refuses the reload. */
  beforeReload?(): Promise<void>;
  /** After the workers have stopped (in the reverse order of use()). */
  close?(): Promise<void>;
  /** What `status()` reports of it (the admin URL, the control socket's path). */
  endpoint?(): Partial<Pick<SupervisorStatus, 'admin' | 'control'>>;
  /** Upgrade, old side: the listening socket a new supervisor takes over (admin port, control socket). */
  listeningSocket?(): { endpoint: 'admin' | 'control'; handle: HeldHandle } | undefined;
  /** Upgrade, new side, before start(): serve this socket the old supervisor listens on; open() then binds nothing. False: not this part's. */
  adoptListeningSocket?(endpoint: 'admin' | 'control', handle: HeldHandle): boolean;
  /** Upgrade, new side: the old supervisor stopped accepting; accept on the adopted socket from now on. */
  acceptAdopted?(): Promise<void>;
  /** Upgrade, old side: the new supervisor serves; stop accepting and remove nothing it serves (the control socket's path). */
  handedOver?(): Promise<void>;
}

/** A socket a slot holds, as it travels to a new supervisor at an upgrade. */
export interface SlotSocket {
  readonly slot: number;
  readonly name: string;
  readonly held: HeldListener;
  /** A socket of `fromSlot` (which stopped restarting) that `slot` serves too. */
  readonly inherited: boolean;
  readonly fromSlot: number;
}

/** Upgrade, old side: where a drained slot's exclusive listeners and exits are told (the new supervisor). */
export interface SuccessorLink {
  listenerReleased(slot: number, name: string, state: unknown): void;
  predecessorGone(slot: number): void;
  /** A draining worker's live connection, for the new supervisor's worker of the same slot; false when none takes it. */
  handOff(slot: number, connection: SupervisorRequests['hand-off']['params'], handle: HeldHandle): Promise<{ accepted: boolean }>;
}

/** Upgrade, new side: what the old supervisor handed over, taken before start(). */
export interface Predecessor {
  readonly pid: number;
  readonly sockets: readonly SlotSocket[];
  readonly ports: Readonly<Record<string, number>>;
  /** How many slots the old supervisor had: the new one's first workers of those slots wait for exclusive listeners. */
  readonly slots: number;
  readonly metrics: CarriedMetricsSnapshot;
}

export interface SupervisorEvents {
  'worker-ready': [slot: number, pid: number];
  'reload-progress': [progress: ReloadProgress];
  'reload-done': [report: ReloadReport];
  'worker-exit': [slot: number, pid: number, exit: WorkerExit, expected: boolean];
  'crash-loop': [slot: number, error: ShoalError];
  'stop-requested': [reason: string];
  /** A worker process was forked for a slot (parts that serve workers attach to it here). */
  'worker-created': [slot: number, worker: WorkerProcess];
  /** A rolling reload begins (before anything is replaced or re-read). */
  'reload-started': [];
  /** A rolling reload that started has ended, replaced or refused (`error` says why). */
  'reload-finished': [outcome: { ok: boolean; error?: string }];
  /** A graceful stop begins. */
  'stopping': [];
  /** After an upgrade: a new supervisor serves and this one has drained; whoever owns the process exits (or keeps it, see upgrade/keeper.ts). */
  superseded: [successor: { pid: number; exitCode: Promise<number | null> }];
}

export class Supervisor extends EventEmitter<SupervisorEvents> {
  /** One per worker; scale() adds and removes at the end. */
  readonly slots: Slot[];
  readonly logger: Logger;
  private readonly metrics: SupervisorMetrics;
  private readonly parts: SupervisorPart[] = [];
  private readonly aggregator = new MetricsAggregator();
  private readonly ports: Record<string, number> = {};
  /** Listener addresses that differ from the configured host (a socket systemd passed). */
  private readonly hosts: Record<string, string> = {};
  /** Passed sockets that every slot serves (see usePassedSockets). */
  private readonly shared = new Map<string, HeldListener>();
  private readonly startedAt = new Date();
  private snapshotTimer: NodeJS.Timeout | undefined;
  private state: SupervisorStatus['state'] = 'starting';
  private stopping: Promise<void> | undefined;
  /** Set once the workers begin to drain at a stop: from then on no slot restarts. */
  private draining = false;
  /** Ends the shutdown delay at once, while one runs (see cutShutdownDelay). */
  private endShutdownDelay: (() => void) | undefined;
  /** The reload, scaling or upgrade that runs now: one at a time. */
  private busy: 'reload' | 'scale' | 'upgrade' | undefined;
  /** The supervisor this one took over from (an upgrade), and when. */
  private upgradedFrom: { pid: number; at: string } | null = null;
  /** Upgrade, old side: the new supervisor, once it serves. */
  private successor: SuccessorLink | undefined;
  /** Set while start() waits: the first deterministic boot failure aborts the start. */
  private abortStart: ((error: Error) => void) | undefined;
  private readonly watchdog: Watchdog;
  /** A slot's replacement for passing the memory limit, while it runs (one at a time; reload and scale wait for it). */
  private memoryReplacement: Promise<void> | undefined;
  /** Other processes' sockets on the listeners' ports, looked for while running (ownership room). */
  private readonly foreignListeners: ForeignListenerWatch;
  /** The listeners' ports and addresses, for the watch; resolved on its first look, once running. */
  private ownedPortList: Promise<OwnedPort[]> | undefined;
  /** The reuseport BPF program that keeps each TCP and UDP port's traffic on the held sockets. */
  private readonly selector: ReuseportSelector;

  constructor(
    readonly options: ResolvedOptions,
    private readonly entry: WorkerEntry,
    logger?: Logger,
  ) {
    super();
    this.logger = logger ?? createLogger(options.logLevel, { role: 'supervisor', service: options.name }, options.logFormat);
    this.slots = Array.from({ length: options.workers }, (_, i) => new Slot(i));
    this.metrics = new SupervisorMetrics(
      {
        configured: () => this.slots.length,
        ready: () => this.slots.filter((s) => s.state === 'ready').length,
      },
      options.workers,
    );
    for (const spec of options.listeners) if (spec.port !== 0) this.ports[spec.name] = spec.port;
    this.watchdog = new Watchdog({
      options,
      metrics: this.metrics,
      logger: this.logger,
      isServing: (slot, worker) => slot.worker === worker && worker.state === 'ready' && !this.draining,
      overMemoryLimit: (slot, worker, bytes) => this.replaceOverMemory(slot, worker, bytes),
    });
    this.foreignListeners = new ForeignListenerWatch({
      intervalMs: options.foreignListenerCheckMs,
      logger: this.logger,
      gauge: this.metrics.foreignListeners,
      // Fixed once running (a port 0 resolved, host names looked up once), so resolved once.
      ports: () => (this.ownedPortList ??= this.ownedPorts()),
      ours: () => this.ourProcesses(),
      shared: new Set(options.listeners.filter((spec) => spec.shareWithOthers === true).map((spec) => spec.name)),
    });
    this.selector = new ReuseportSelector({
      enabled: options.reuseportSelector,
      listeners: options.listeners,
      logger: this.logger,
      gauge: this.metrics.reuseportSelector,
      packageDirs: [dirname(entry.file), process.cwd()],
    });
  }

  /** Attaches the reuseport program to the ports, or follows a change of the held sockets (start, scale, a slot's sockets closed). */
  private selectOwnSockets(): void {
    this.selector.apply(
      (listener) =>
        this.slots
          .flatMap((slot) => [slot.held.get(listener), ...slot.inherited.filter((s) => s.name === listener).map((s) => s.held)])
          .map((held) => (held?.handle as { fd?: number } | undefined)?.fd)
          .filter((fd): fd is number => typeof fd === 'number' && fd >= 0),
      (listener) => this.foreignListeners.latest.some((f) => f.listener === listener),
    );
  }

  /** The listeners' ports as bound now, with their addresses (a socket systemd passed may have its own). */
  private ownedPorts(): Promise<OwnedPort[]> {
    return Promise.all(
      this.options.listeners
        .filter((spec) => this.ports[spec.name] !== undefined)
        .map((spec) => ownedPort(this.hosts[spec.name] === undefined ? spec : { ...spec, host: this.hosts[spec.name] }, this.ports[spec.name])),
    );
  }

  /** This supervisor and its live workers (a reload's replacement included). */
  private ourProcesses(): number[] {
    const pids = [process.pid];
    for (const slot of this.slots) {
      for (const worker of [slot.worker, slot.replacing]) if (worker?.pid !== undefined && worker.state !== 'exited') pids.push(worker.pid);
    }
    return pids;
  }

  /** Adds a part; call before start(). */
  use(part: SupervisorPart): this {
    this.parts.push(part);
    return this;
  }

  /**
   * Sockets systemd passed (socket activation); call before start(). One that
   * other sockets may join with SO_REUSEPORT becomes slot 0's (the other slots
   * open their own beside it, as usual); any other is served by every slot,
   * from one accept queue, and stays open here across reloads like any held socket.
   */
  usePassedSockets(passed: readonly PassedListener[]): this {
    for (const socket of passed) {
      const held: HeldListener = { handle: socket.handle, port: socket.port };
      this.ports[socket.listener] = socket.port;
      this.hosts[socket.listener] = socket.host;
      if (socket.sharedBecause === null) this.slots[0].held.set(socket.listener, held);
      else this.shared.set(socket.listener, held);
      this.logger.info(
        { event: 'systemd.socket-passed', listener: socket.listener, fd: socket.fd, host: socket.host, port: socket.port, sharedBecause: socket.sharedBecause },
        socket.sharedBecause === null
          ? `listener ${socket.listener}: socket passed by systemd (fd ${socket.fd}) for slot 0; the other slots open their own beside it`
          : `listener ${socket.listener}: every worker serves the socket passed by systemd (fd ${socket.fd}), one accept queue, because ${socket.sharedBecause}`,
      );
    }
    return this;
  }

  /** The registry of the supervisor's own metrics (parts add theirs to it). */
  get metricsRegistry(): Registry {
    return this.metrics.registry;
  }

  /**
   * Opens the parts (control socket, admin endpoint) and starts every slot; resolves when all workers are
   * ready. When the port of a listener is 0, slot 0 starts first so that the
   * others join the port the kernel chose for it; in an upgrade, slots start one after another.
   * `beforeUp`: runs once every slot has a ready worker, before the supervisor
   * counts as running (an upgrade's successor waits there for its predecessor
   * to let go of the admin endpoint and the control socket); a throw fails the start.
   */
  async start({ beforeUp }: { beforeUp?: () => Promise<void> } = {}): Promise<void> {
    // Before anything binds: another supervisor, a stale worker or any program of this user listening on a
    // port would silently take a share of its traffic. An upgrade joins its own groups on purpose.
    if (this.upgradedFrom === null) await refuseForeignListeners(this.options.listeners, [process.pid]);
    try {
      this.selector.prepare();
      for (const part of this.parts) await part.open?.();
      const aborted = new Promise<never>((_, reject) => (this.abortStart = reject));
      const resolvePortsFirst = this.options.listeners.some((spec) => spec.port === 0);
      const [first, ...rest] = this.slots;
      const startSlot = (slot: Slot): Promise<void> => {
        const ready = this.untilReady(slot);
        this.spawn(slot);
        return ready;
      };
      if (this.upgradedFrom !== null) {
        // An upgrade: the old supervisor's workers serve meanwhile, so there is no hurry; one boot at a time,
        // as in a reload, leaves them the other cores (every slot at once: p99 during upgrades 11.3-11.5 ms against 8.2-10.0, bench/upgrade).
        for (const slot of this.slots) await Promise.race([startSlot(slot), aborted]);
      } else {
        if (resolvePortsFirst) await Promise.race([startSlot(first), aborted]);
        await Promise.race([Promise.all((resolvePortsFirst ? rest : this.slots).map(startSlot)), aborted]);
      }
      this.abortStart = undefined;
      // Every slot's sockets are open: the program goes on before an upgrade's hand-over, whose moment it would slow.
      this.selectOwnSockets();
      await beforeUp?.();
    } catch (error) {
      this.abortStart = undefined;
      await this.stop();
      throw error instanceof ShoalError && error.code === ERR_SUPERVISOR_START_FAILED.code
        ? error
        : new ERR_SUPERVISOR_START_FAILED(error instanceof Error ? error.message : String(error), { cause: error });
    }
    this.state = 'running';
    for (const part of this.parts) await part.started?.();
    this.snapshotTimer = setInterval(() => void this.collectWorkerMetrics(), this.options.metricsSnapshotIntervalMs);
    this.snapshotTimer.unref();
    // After an upgrade, the first look waits for the interval: the old workers are handing over right now, and
    // the look (reading /proc/net/tcp, long with TIME_WAIT entries) took 50 ms of CPU from the requests (bench/upgrade).
    this.foreignListeners.start({ checkNow: this.upgradedFrom === null });
    this.logger.info(
      { event: 'supervisor.up', workers: this.slots.length, listeners: this.ports, ...this.endpoints(), upgradedFrom: this.upgradedFrom?.pid },
      `shoal is up: ${this.slots.length} workers`,
    );
  }

  /** Resolves when the slot has a ready worker (across restarts); rejects when it falls into a crash loop. */
  private untilReady(slot: Slot): Promise<void> {
    return new Promise((resolve, reject) => {
      const onReady = (index: number): void => {
        if (index !== slot.index) return;
        this.off('crash-loop', onCrashLoop);
        this.off('worker-ready', onReady);
        resolve();
      };
      const onCrashLoop = (index: number, error: ShoalError): void => {
        if (index !== slot.index) return;
        this.off('crash-loop', onCrashLoop);
        this.off('worker-ready', onReady);
        reject(error);
      };
      this.on('worker-ready', onReady);
      this.on('crash-loop', onCrashLoop);
    });
  }

  /**
   * Forks a worker for a slot with the slot's held sockets, without making it
   * the slot's worker yet (a reload first waits until it is ready).
   */
  createWorker(slot: Slot): WorkerProcess {
    slot.generation += 1;
    const predecessor = (slot.worker !== undefined && slot.worker.state !== 'exited') || slot.predecessorSupervisorServes;
    const { watchdog } = this.options;
    const shared = [...this.shared].map(([name, held]) => ({ name, inherited: false, held }));
    const worker = new WorkerProcess(
      this.entry, slot.index, slot.generation, [...slot.socketsForWorker(), ...shared], this.ports, this.options.readyTimeoutMs, this.options.fdPassing, predecessor, this.hosts,
      watchdog.enabled && watchdog.report,
      { name: this.options.name, control: this.endpoints().control },
    );
    worker.on('listener-handle', (name: string, held: HeldListener) => {
      slot.held.set(name, held);
      this.ports[name] ??= held.port;
    });
    // An exclusive listener (one reader at a time) passes from the draining worker to the slot's new one.
    worker.on('listener-released', (name: string, state: unknown) => {
      const next = slot.worker !== worker ? slot.worker : slot.replacing;
      if (next && next !== worker && next.state !== 'exited') next.resumeListener(name, state);
      else if (this.successor) this.successor.listenerReleased(slot.index, name, state);
    });
    worker.on('spawn-error', (error: Error) => this.logger.error({ event: 'worker.spawn-failed', slot: slot.index, err: error }, 'could not start a worker process'));
    worker.onHandOff((params, handle) => this.forwardConnection(slot, worker, params, handle));
    this.emit('worker-created', slot.index, worker);
    void worker.exited.then((exit) => this.onWorkerExit(slot, worker, exit));
    return worker;
  }

  /**
   * A draining worker hands a live connection on: the slot's current worker
   * (its replacement) gets it. The supervisor's own copy of the descriptor
   * closes once passed; it never reads from the connection.
   */
  private async forwardConnection(slot: Slot, from: WorkerProcess | undefined, connection: SupervisorRequests['hand-off']['params'], handle?: HeldHandle): Promise<{ accepted: boolean }> {
    const to = slot.worker;
    if (!handle) return { accepted: false };
    try {
      // After an upgrade, the slot's next worker belongs to the new supervisor.
      if (this.successor && (!to || to === from)) return await this.successor.handOff(slot.index, connection, handle);
      if (!to || to === from || to.state !== 'ready') return { accepted: false };
      await to.giveConnection(connection, handle);
      this.metrics.handedOff.inc();
      return { accepted: true };
    } catch {
      return { accepted: false };
    } finally {
      closeHeld(handle);
    }
  }

  /** Makes a ready worker the one that serves its slot. */
  promote(slot: Slot, worker: WorkerProcess): void {
    slot.worker = worker;
    slot.state = 'ready';
    slot.lastError = null;
    this.watchdog.watch(slot, worker);
    this.logger.info({ event: 'worker.ready', slot: slot.index, workerPid: worker.pid, generation: worker.generation }, 'worker ready');
    this.emit('worker-ready', slot.index, worker.pid ?? -1);
  }

  /** Starts a slot's worker (at start and after a crash) and promotes it once ready. */
  private spawn(slot: Slot): WorkerProcess {
    slot.state = 'starting';
    const worker = this.createWorker(slot);
    slot.worker = worker;
    worker.ready.then(
      () => {
        if (slot.worker === worker) this.promote(slot, worker);
      },
      (error: Error) => {
        slot.lastError = error.message;
        if (worker.bootError) {
          this.logger.error({ event: 'slot.boot-failed', slot: slot.index, workerPid: worker.pid, err: error }, 'worker failed to boot');
          // An exception at boot repeats on every try: during start, give up at once.
          this.abortStart?.(error);
        } else if (worker.state !== 'exited') {
          this.logger.error({ event: 'worker.ready-timeout', slot: slot.index, workerPid: worker.pid, err: error }, 'worker did not become ready; killing it');
          worker.kill('SIGKILL');
        }
      },
    );
    return worker;
  }

  private async onWorkerExit(slot: Slot, worker: WorkerProcess, exit: WorkerExit): Promise<void> {
    const current = slot.worker === worker;
    const expected = !current || this.draining || worker.state === 'draining';
    const reason = worker.killedFor ?? (expected ? 'stopped' : worker.bootError ? 'boot-failed' : 'crash');
    this.metrics.exits.inc({ slot: String(slot.index), reason });
    this.logger.info(
      { event: 'worker.exit', slot: slot.index, workerPid: worker.pid, generation: worker.generation, code: exit.code, signal: exit.signal, expected, reason },
      'worker exited',
    );
    // A successor waiting for exclusive listeners serves them from now on.
    const successor = current ? slot.replacing : slot.worker;
    if (successor && successor !== worker && successor.state !== 'exited') successor.predecessorGone();
    else if (current && this.successor) this.successor.predecessorGone(slot.index);
    await this.aggregator.retire(worker.lastMetrics);
    this.emit('worker-exit', slot.index, worker.pid ?? -1, exit, expected);
    if (!current) return;
    slot.worker = undefined;
    // During the shutdown delay the service still serves: a crashed slot restarts as before.
    if (this.draining) {
      slot.state = 'stopped';
      return;
    }
    const cause = worker.killedFor === 'hung' ? `hung: no heartbeat for ${this.options.watchdog.timeoutMs} ms, killed` : exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    slot.lastError = worker.bootError?.message ?? (worker.killedFor === 'hung' ? `worker ${cause}` : `worker exited unexpectedly (${cause})`);
    if (slot.replacing) {
      // A reload is booting this slot's next worker: it takes over when ready
      // (or the reload restarts the slot if it fails).
      slot.state = 'starting';
      this.logger.warn({ event: 'slot.awaiting-replacement', slot: slot.index, workerPid: worker.pid, cause }, 'worker exited while its replacement boots');
      return;
    }
    this.restartLater(slot, worker, cause);
  }

  /** Schedules the restart of a slot whose worker died, with backoff, or declares a crash loop. */
  restartLater(slot: Slot, worker: WorkerProcess, cause: string): void {
    const delay = slot.recordCrash(Date.now(), this.options.restart);
    if (delay === null) {
      slot.state = 'crash-loop';
      this.metrics.crashLoop.set({ slot: String(slot.index) }, 1);
      const error = new ERR_SLOT_CRASH_LOOP(slot.index, slot.recentCrashes, this.options.restart.windowMs);
      this.logger.error(
        { event: 'slot.crash-loop', slot: slot.index, crashes: slot.recentCrashes, windowMs: this.options.restart.windowMs, lastError: slot.lastError },
        error.message,
      );
      this.handOverSockets(slot);
      this.emit('crash-loop', slot.index, error);
      return;
    }
    slot.state = 'backoff';
    this.logger.warn({ event: 'slot.backoff', slot: slot.index, workerPid: worker.pid, cause, restartInMs: delay }, 'worker exited; restarting the slot');
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (this.draining) return;
      slot.restarts += 1;
      this.metrics.restarts.inc({ slot: String(slot.index) });
      this.spawn(slot);
    }, delay);
  }

  /**
   * A slot that no longer restarts still has its sockets in the kernel's
   * reuseport groups, and they keep receiving their share of connections.
   * Another slot's worker serves them from now on (as do its successors);
   * closing them instead would reset what is queued there.
   */
  handOverSockets(from: Slot): void {
    const heirs = this.slots.filter((s) => s !== from && s.state !== 'crash-loop');
    const sockets = from.giveUpSockets();
    if (heirs.length === 0) {
      for (const { held } of sockets) closeHeld(held.handle);
      this.logger.error({ event: 'slot.sockets-closed', slot: from.index }, 'no slot is left to serve its sockets; closed them');
      return;
    }
    for (const socket of sockets) {
      const heir = heirs.reduce((a, b) => (b.inherited.length < a.inherited.length ? b : a));
      heir.inherited.push(socket);
      if (heir.worker && heir.worker.state !== 'exited') heir.worker.giveSocket(socket.name, true, socket.held);
      this.logger.warn(
        { event: 'slot.socket-inherited', slot: heir.index, listener: socket.name, fromSlot: socket.fromSlot },
        'slot serves the socket of a slot that stopped restarting',
      );
    }
  }

  /**
   * Rolling reload (see rolling-reload.ts): resolves with a report per slot;
   * `ok` is false when a replacement failed and the reload stopped there.
   * `shouldContinue`: asked before each slot; false skips the remaining slots
   * (a fleet reload whose lease was lost).
   */
  async reload(options: { surge?: number; shouldContinue?: () => boolean } = {}): Promise<ReloadReport> {
    if (this.state !== 'running') throw new ERR_SUPERVISOR_NOT_RUNNING('reload', this.state);
    if (this.busy === 'reload') throw new ERR_RELOAD_IN_PROGRESS();
    if (this.busy) throw new ERR_SUPERVISOR_BUSY('reload', this.busy);
    const surge = options.surge ?? this.options.reloadSurge;
    if (!Number.isInteger(surge) || surge < 1) throw new TypeError(`reload surge must be an integer >= 1, got ${surge}`);
    const host = this.reloadHost(this.slots, () => this.stopping !== undefined || options.shouldContinue?.() === false, (event) => {
      this.logger.info({ event: 'reload.slot', ...event }, `reload: slot ${event.slot} ${event.phase}`);
      this.emit('reload-progress', event);
    });
    this.logger.info({ event: 'reload.started', slots: this.slots.length, surge }, 'reload started');
    const timer = this.metrics.reloadDuration.startTimer();
    this.busy = 'reload';
    this.emit('reload-started');
    let outcome: { ok: boolean; error?: string } = { ok: false, error: 'the reload stopped' };
    try {
      await this.memoryReplacement;
      try {
        for (const part of this.parts) await part.beforeReload?.();
      } catch (error) {
        this.metrics.reloads.inc({ result: 'failed' });
        this.logger.error({ err: error }, `reload refused: ${(error as Error).message}`);
        outcome = { ok: false, error: `refused: ${(error as Error).message}` };
        throw error;
      }
      const report = await new RollingReload(host, surge).run();
      timer();
      this.metrics.reloads.inc({ result: report.ok ? 'ok' : 'failed' });
      for (const slot of report.slots) {
        if (slot.phase !== 'done') continue;
        this.metrics.slotReplaceDuration.observe(((slot.readyMs ?? 0) + (slot.drainMs ?? 0)) / 1000);
        this.metrics.drainedConnections.inc({ outcome: 'completed' }, slot.drained?.completed ?? 0);
        this.metrics.drainedConnections.inc({ outcome: 'forced' }, slot.drained?.forced ?? 0);
        this.metrics.drainedConnections.inc({ outcome: 'handed-off' }, slot.drained?.handedOff ?? 0);
      }
      if (report.ok) this.logger.info({ event: 'reload.finished', durationMs: report.durationMs, slots: report.slots }, 'reload finished');
      else this.logger.error({ event: 'reload.failed', durationMs: report.durationMs, slots: report.slots, error: report.error }, `reload failed: ${report.error?.message}`);
      outcome = report.ok ? { ok: true } : { ok: false, error: report.error?.message ?? 'failed' };
      this.emit('reload-done', report);
      return report;
    } finally {
      this.busy = undefined;
      this.emit('reload-finished', outcome);
    }
  }

  /** What a rolling reload (of all slots, or of one slot over its memory limit) needs from the supervisor. */
  private reloadHost(slots: readonly Slot[], isStopping: () => boolean, progress: (event: ReloadProgress) => void): ReloadHost {
    return {
      slots,
      drainTimeoutMs: this.options.drainTimeoutMs,
      killGraceMs: KILL_GRACE_MS,
      createWorker: (slot) => this.createWorker(slot),
      promote: (slot, worker) => this.promote(slot, worker),
      restartLater: (slot, worker, cause) => this.restartLater(slot, worker, cause),
      reclaimSockets: (slot) => {
        slot.reclaimFrom(this.slots);
        this.metrics.crashLoop.set({ slot: String(slot.index) }, 0);
      },
      handOverSockets: (slot) => {
        slot.state = 'crash-loop';
        this.metrics.crashLoop.set({ slot: String(slot.index) }, 1);
        this.handOverSockets(slot);
      },
      isStopping,
      progress,
    };
  }

  /**
   * A worker whose memory passed maxMemoryBytes is replaced as a reload
   * replaces it: the new worker first, then the old one drains (handing off
   * what its listeners can), so nothing is dropped. One at a time; while a
   * reload or scaling runs it waits (the reload replaces the worker anyway).
   * Answers false when it cannot start now (the watchdog asks again).
   */
  private replaceOverMemory(slot: Slot, worker: WorkerProcess, bytes: number): boolean {
    const { maxBytes, measure } = this.options.memoryLimit;
    if (this.busy || this.memoryReplacement || slot.replacing || this.stopping) return false;
    slot.memoryReplacements += 1;
    this.metrics.memoryReplacements.inc({ slot: String(slot.index) });
    this.logger.warn(
      { event: 'worker.memory-limit', slot: slot.index, workerPid: worker.pid, measure, bytes, maxBytes },
      `worker of slot ${slot.index} uses ${Math.round(bytes / 2 ** 20)} MiB (${measure}), over maxMemoryBytes ${Math.round((maxBytes ?? 0) / 2 ** 20)} MiB: replacing it`,
    );
    const host = this.reloadHost([slot], () => this.stopping !== undefined, (event) =>
      this.logger.info({ event: 'memory.replacement', ...event }, `memory limit: slot ${event.slot} ${event.phase}`),
    );
    this.memoryReplacement = new RollingReload(host, 1)
      .run()
      .then(
        (report) => {
          const [done] = report.slots;
          if (report.ok) this.logger.info({ event: 'worker.memory-replaced', slot: slot.index, oldPid: done?.oldPid, newPid: done?.newPid, drained: done?.drained }, `slot ${slot.index} replaced for its memory`);
          else this.logger.error({ event: 'worker.memory-replace-failed', slot: slot.index, error: report.error }, `could not replace slot ${slot.index}: ${report.error?.message}`);
        },
        (error: unknown) => this.logger.error({ event: 'worker.memory-replace-failed', slot: slot.index, err: error }, 'could not replace the worker over its memory limit'),
      )
      .finally(() => (this.memoryReplacement = undefined));
    return true;
  }

  /**
   * Runs an upgrade's handover as the one operation of its kind: no reload or
   * scaling starts meanwhile, and it refuses to start during one.
   */
  async exclusively<T>(operation: 'upgrade', task: () => Promise<T>): Promise<T> {
    if (this.state !== 'running') throw new ERR_SUPERVISOR_NOT_RUNNING(operation, this.state);
    if (this.busy) throw new ERR_SUPERVISOR_BUSY(operation, this.busy);
    // A socket systemd passed that every slot shares is no slot's: the handover below would leave it behind.
    if (this.shared.size > 0) throw new ERR_UPGRADE_FAILED(null, `listeners ${[...this.shared.keys()].join(', ')} serve one socket systemd passed, which every worker shares; an upgrade cannot carry it yet: restart the service instead (systemctl restart), or pass sockets with ReusePort=yes so that each slot holds its own`);
    this.busy = operation;
    try {
      await this.memoryReplacement;
      return await task();
    } finally {
      this.busy = undefined;
    }
  }

  /** Upgrade, old side: every listening socket the slots hold, for the new supervisor. */
  heldSockets(): SlotSocket[] {
    return this.slots.flatMap((slot) => [
      ...[...slot.held].map(([name, held]) => ({ slot: slot.index, name, held, inherited: false, fromSlot: slot.index })),
      ...slot.inherited.map(({ name, held, fromSlot }) => ({ slot: slot.index, name, held, inherited: true, fromSlot })),
    ]);
  }

  /** Upgrade, old side: the admin endpoint's and the control socket's listening sockets. */
  listeningSockets(): { endpoint: 'admin' | 'control'; handle: HeldHandle }[] {
    return this.parts.map((part) => part.listeningSocket?.()).filter((socket) => socket !== undefined);
  }

  /** Upgrade, old side: the counters the new supervisor continues from (workers' refreshed first). */
  async carriedMetrics(): Promise<CarriedMetricsSnapshot> {
    return this.aggregator.carry(await this.collectWorkerMetrics(), this.metrics.registry);
  }

  /** Counts an upgrade by its result (ok: a new supervisor took over; failed: this one goes on). */
  countUpgrade(result: 'ok' | 'failed'): void {
    this.metrics.upgrades.inc({ result });
  }

  /**
   * Upgrade, old side: the new supervisor serves. Stops accepting on the
   * admin endpoint and the control socket (without removing what it serves);
   * from now on a drained worker's exclusive listeners and exits are told to it.
   */
  async handedOver(successor: SuccessorLink): Promise<void> {
    this.successor = successor;
    for (const part of this.parts) await part.handedOver?.();
  }

  /**
   * Upgrade, new side, before start(): the slots take the old supervisor's
   * sockets (its slot i's to slot i; those of slots this one does not have
   * are served by the others, as a crash-looping slot's are), its resolved
   * ports and its counters. The first workers of its slots boot as a reload's
   * replacements do: exclusive listeners wait until the old worker let go.
   */
  adoptPredecessor(predecessor: Predecessor): void {
    this.upgradedFrom = { pid: predecessor.pid, at: new Date().toISOString() };
    Object.assign(this.ports, predecessor.ports);
    for (const socket of predecessor.sockets) {
      const own = this.slots[socket.slot];
      if (own && !socket.inherited) {
        own.held.set(socket.name, socket.held);
        continue;
      }
      const heir = own ?? this.slots.reduce((a, b) => (b.inherited.length < a.inherited.length ? b : a));
      heir.inherited.push({ name: socket.name, fromSlot: socket.fromSlot, held: socket.held });
    }
    for (const slot of this.slots) slot.predecessorSupervisorServes = slot.index < predecessor.slots;
    this.aggregator.inherit(predecessor.metrics);
  }

  /** Upgrade, new side: a newer copy of the old supervisor's counters (they only grow). */
  inheritMetrics(metrics: CarriedMetricsSnapshot): void {
    this.aggregator.inherit(metrics);
  }

  /** Upgrade, new side: hands the endpoint's socket to the part that serves it; false when no part does. */
  adoptListeningSocket(endpoint: 'admin' | 'control', handle: HeldHandle): boolean {
    return this.parts.some((part) => part.adoptListeningSocket?.(endpoint, handle) === true);
  }

  /** Upgrade, new side: the old supervisor stopped accepting on the admin endpoint and the control socket. */
  async acceptAdopted(): Promise<void> {
    for (const part of this.parts) await part.acceptAdopted?.();
  }

  /** Upgrade, new side: the old supervisor's worker of `slot` released an exclusive listener. */
  predecessorReleased(slotIndex: number, name: string, state: unknown): void {
    const slot = this.slots[slotIndex];
    const worker = slot?.replacing ?? slot?.worker;
    if (worker && worker.state !== 'exited') worker.resumeListener(name, state);
  }

  /** Upgrade, new side: a live connection the old supervisor's draining worker of `slot` hands on, for this one's worker of the slot. */
  adoptHandedOff(slotIndex: number, connection: SupervisorRequests['hand-off']['params'], handle?: HeldHandle): Promise<{ accepted: boolean }> {
    const slot = this.slots[slotIndex];
    if (!slot) {
      if (handle) closeHeld(handle);
      return Promise.resolve({ accepted: false });
    }
    return this.forwardConnection(slot, undefined, connection, handle);
  }

  /** Upgrade, new side: the old supervisor's worker of `slot` exited (or the old supervisor is gone: every slot). */
  predecessorGone(slotIndex?: number): void {
    for (const slot of slotIndex === undefined ? this.slots : [this.slots[slotIndex]].filter((s) => s !== undefined)) {
      if (!slot.predecessorSupervisorServes) continue;
      slot.predecessorSupervisorServes = false;
      for (const worker of [slot.worker, slot.replacing]) if (worker && worker.state !== 'exited') worker.predecessorGone();
    }
  }

  isReloading(): boolean {
    return this.busy === 'reload';
  }

  /** Changes the number of slots while serving (see scaling.ts). */
  async scale(workers: number): Promise<ScaleReport> {
    if (this.state !== 'running') throw new ERR_SUPERVISOR_NOT_RUNNING('scale', this.state);
    if (this.busy) throw new ERR_SUPERVISOR_BUSY('scale', this.busy);
    if (!Number.isInteger(workers) || workers < 1 || workers > 1024) throw new TypeError(`workers must be an integer from 1 to 1024, got ${workers}`);
    const protocols = new Map(this.options.listeners.map((spec) => [spec.name, spec.protocol ?? spec.transport]));
    this.busy = 'scale';
    this.logger.info({ event: 'scale.started', from: this.slots.length, to: workers }, 'scale started');
    try {
      await this.memoryReplacement;
      const report = await new Scaling(
        {
          slots: this.slots,
          drainTimeoutMs: this.options.drainTimeoutMs,
          killGraceMs: KILL_GRACE_MS,
          protocolOf: (listener) => protocols.get(listener) ?? listener,
          tcpMigrateReq: tcpMigrateReqEnabled,
          createWorker: (slot) => this.createWorker(slot),
          promote: (slot, worker) => this.promote(slot, worker),
          forgetSlot: (slot) => {
            if (this.slots.includes(slot)) return;
            this.metrics.crashLoop.remove({ slot: String(slot.index) });
          },
          log: (message, details) => this.logger.info(details, message),
        },
        workers,
      ).run();
      // A socket added behind a stranger cannot be selected without it: look first.
      await this.foreignListeners.check();
      this.selectOwnSockets();
      if (report.ok) this.logger.info({ event: 'scale.finished', ...report }, 'scale finished');
      else this.logger.error({ event: 'scale.failed', ...report }, `scale failed: ${report.error?.message}`);
      return report;
    } finally {
      this.busy = undefined;
    }
  }

  /**
   * Graceful stop. The state turns 'stopping' at once, so /readyz answers
   * 503 from now on; a supervisor that was serving keeps every worker serving
   * for `shutdownDelayMs` (the time a load balancer needs to stop sending new
   * connections), then each worker stops accepting and drains until
   * `drainTimeoutMs`, then is killed; held sockets and the parts close.
   */
  /**
   * `handOff`: the workers may pass live connections on as they drain (to the
   * new supervisor's workers, after an upgrade), as a reload's drain does.
   */
  stop({ handOff = false, supersededBy }: { handOff?: boolean; supersededBy?: number | null } = {}): Promise<void> {
    this.stopping ??= (async () => {
      // A start that failed served nobody, and after an upgrade the new supervisor serves the same
      // sockets: no one needs time to look elsewhere.
      const delayMs = this.state === 'running' && supersededBy === undefined ? this.options.shutdownDelayMs : 0;
      this.state = 'stopping';
      // The service does not stop when a new supervisor took over (systemd must not hear STOPPING from this one).
      if (supersededBy === undefined) this.emit('stopping');
      this.logger.info(
        { event: 'supervisor.stopping', shutdownDelayMs: delayMs, drainTimeoutMs: this.options.drainTimeoutMs },
        delayMs > 0 ? `stopping: not ready any more; workers serve ${delayMs} ms more, then drain` : 'stopping: not ready any more; draining workers',
      );
      const shutdownDelay = delayMs > 0 ? await this.waitShutdownDelay(delayMs) : 'none';
      this.draining = true;
      clearInterval(this.snapshotTimer);
      this.foreignListeners.stop();
      this.logger.info({ event: 'supervisor.draining', drainTimeoutMs: this.options.drainTimeoutMs, shutdownDelay }, 'workers stop accepting and drain');
      const drainSlot = async (slot: Slot, deadline: number): Promise<void> => {
        clearTimeout(slot.restartTimer);
        slot.state = 'stopping';
        // A replacement still booting for a reload serves nothing yet: it goes at once.
        slot.replacing?.kill('SIGKILL');
        await slot.worker?.drainAndExit(deadline, KILL_GRACE_MS, handOff);
        slot.state = 'stopped';
        slot.releaseHeld();
      };
      if (supersededBy === undefined) {
        const deadline = Date.now() + this.options.drainTimeoutMs;
        await Promise.all(this.slots.map((slot) => drainSlot(slot, deadline)));
      } else {
        // After an upgrade the new workers serve already: the old ones leave one after another, each with its own
        // drain time, as in a reload. All at once, their clients reconnected together and the drains' CPU came on
        // top (bench/upgrade --rate 3000, keep-alive: p99 during the upgrades 23-34 ms, one after another 12-15 ms).
        for (const slot of this.slots) await drainSlot(slot, Date.now() + this.options.drainTimeoutMs);
      }
      for (const { handle } of this.shared.values()) closeHeld(handle);
      this.shared.clear();
      for (const part of [...this.parts].reverse()) await part.close?.().catch((error: unknown) => this.logger.error({ event: 'supervisor.part-close-failed', err: error }, 'a supervisor part failed to close'));
      this.state = 'stopped';
      this.logger.info({ event: 'supervisor.stopped' }, 'stopped');
    })();
    return this.stopping;
  }

  /** Resolves when the shutdown delay has passed, or at once when cutShutdownDelay() ends it: says which. */
  private waitShutdownDelay(delayMs: number): Promise<'elapsed' | 'cut-short'> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.endShutdownDelay = undefined;
        resolve('elapsed');
      }, delayMs);
      this.endShutdownDelay = () => {
        clearTimeout(timer);
        this.endShutdownDelay = undefined;
        resolve('cut-short');
      };
    });
  }

  /**
   * Starts the drain now when a stop is still in its shutdown delay (a
   * second stop signal). False when no delay runs: the caller decides what
   * a further signal means then.
   */
  cutShutdownDelay(): boolean {
    if (!this.endShutdownDelay) return false;
    this.endShutdownDelay();
    return true;
  }

  /**
   * A stop asked for from outside (control socket): whoever owns the process
   * (run(), which exits after the stop) handles 'stop-requested'; without
   * one, the supervisor just stops.
   */
  requestStop(reason: string): void {
    if (this.listenerCount('stop-requested') > 0) this.emit('stop-requested', reason);
    else void this.stop();
  }

  /** Refreshes every ready worker's metrics copy; a worker that does not answer keeps its last one. */
  private async collectWorkerMetrics(): Promise<MetricsSnapshot[]> {
    const workers = this.slots.map((s) => s.worker).filter((w): w is WorkerProcess => w !== undefined && w.state !== 'exited');
    const snapshots = await Promise.all(
      workers.map((w) => (w.state === 'ready' ? w.collectMetrics(this.options.ipcTimeoutMs).catch(() => w.lastMetrics) : w.lastMetrics)),
    );
    return snapshots.filter((s): s is MetricsSnapshot => s !== undefined);
  }

  /** The Prometheus exposition of all workers (live and retired) and the supervisor. */
  async renderMetrics(): Promise<string> {
    return this.aggregator.render(await this.collectWorkerMetrics(), this.metrics.registry);
  }

  get metricsContentType(): string {
    return this.metrics.registry.contentType;
  }

  /** The ports listeners are bound to (resolved when configured as 0). */
  listenerPorts(): Record<string, number> {
    return { ...this.ports };
  }

  /** The admin URL and control socket path, as the parts report them. */
  private endpoints(): Pick<SupervisorStatus, 'admin' | 'control'> {
    const found: Pick<SupervisorStatus, 'admin' | 'control'> = { admin: null, control: null };
    for (const part of this.parts) Object.assign(found, part.endpoint?.());
    return found;
  }

  /**
   * `status()` plus what only the workers know: the code version each runs,
   * its memory and its open connections (a worker that does not answer
   * within ipcTimeoutMs shows null). The shape of `shoal status --json`.
   */
  async inspect(): Promise<SupervisorStatus> {
    if (this.state === 'running') await this.foreignListeners.check();
    const status = this.status();
    await Promise.all(
      status.slots.map(async (slotStatus) => {
        const worker = this.slots[slotStatus.slot]?.worker;
        const stats = worker && worker.state === 'ready' ? await worker.collectStats(this.options.ipcTimeoutMs).catch(() => null) : null;
        slotStatus.version = stats?.version ?? null;
        slotStatus.rssBytes = stats?.rssBytes ?? null;
        slotStatus.activeConnections = stats ? Object.values(stats.connections).reduce((a, b) => a + b, 0) : null;
      }),
    );
    return status;
  }

  status(): SupervisorStatus {
    const now = Date.now();
    const slots = this.slots.map((slot) => slot.status(now));
    return {
      name: this.options.name,
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      upgradedFrom: this.upgradedFrom,
      state: this.state,
      workers: slots.length,
      ready: slots.filter((s) => s.state === 'ready').length,
      ...this.endpoints(),
      listeners: this.listenerPorts(),
      foreignListeners: [...this.foreignListeners.latest],
      slots,
    };
  }
}
