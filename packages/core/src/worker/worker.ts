/**
 * The worker runtime: boots the application module with Nest's DI, opens or
 * adopts the slot's listeners, reports ready, answers the supervisor, and
 * drains on request or when the supervisor goes away.
 */
import { closeHeld } from '../transport';
import { Module } from '@nestjs/common';
import type { DynamicModule, INestApplication, INestApplicationContext, LoggerService, Type } from '@nestjs/common';
import { DiscoveryModule, HttpAdapterHost, NestFactory } from '@nestjs/core';
import { type AppDefinition, appDefinitionOf } from '../app';
import { ERR_APP_LISTEN, ERR_APP_PLATFORM_SEVERAL, ERR_WORKER_BOOT_FAILED } from '../errors';
import { HandlerTable } from '../dispatch';
import type { HandlerBinding } from '../dispatch';
import { openWorkerChannel, serializeError } from '../ipc';
import type { MetricsSnapshot, SupervisorMessage, WorkerChannel, WorkerStats } from '../ipc';
import { DEFAULT_WATCHDOG, codeVersion } from '../config';
import { createLogger } from '../logger';
import type { Logger } from '../logger';
import { ShoalMetrics, WorkerMetrics } from '../metrics';
import { ShoalBroadcast } from '../services';
import { ShoalOffload } from '../services';
import { ShoalStore } from '../services';
import { WorkerServices } from './worker-services';
import { checkBindings, discoverHandlers } from './discovery';
import type { ResolvedOptions } from '../config';
import type { DrainReport, HeldHandle, HttpPlatform, Listener, ListenerContext, ListenerSpec, Transport } from '../transport';
import { WORKER_ENV } from '../ipc';
import { Heartbeat } from './heartbeat';
import { startHangReporter } from './hang-reporter';

/** How long a worker whose supervisor vanished may take to drain (the promise is 2 s in all). */
const ORPHAN_DRAIN_MS = 1_000;
const ORPHAN_EXIT_MS = 1_500;

@Module({})
class ShoalWorkerModule {
  static forApp(app: Type<unknown>, metrics: ShoalMetrics, services: WorkerServices): DynamicModule {
    return {
      module: ShoalWorkerModule,
      global: true,
      imports: [DiscoveryModule, app],
      providers: [
        { provide: ShoalMetrics, useValue: metrics },
        { provide: ShoalStore, useValue: services.store },
        { provide: ShoalBroadcast, useValue: services.broadcast },
        { provide: ShoalOffload, useValue: services.offload },
      ],
      exports: [ShoalMetrics, ShoalStore, ShoalBroadcast, ShoalOffload],
    };
  }
}

/** Nest's own log lines go through the worker's logger (its chatty "log" level as debug). */
class NestLogBridge implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  error(message: unknown, stack?: string, context?: string): void {
    this.logger.error({ context, stack }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}

/**
 * What Shoal does for the app, made harmless in its configure(): listen()
 * (Shoal opens the configured listeners) and enableShutdownHooks() (Shoal
 * runs the shutdown hooks once the worker has drained; Nest's own signal
 * handlers would close the app while requests are in flight).
 */
function guardApplication(app: INestApplicationContext): void {
  // NestFactory returns a Proxy whose set trap ignores assignments; defining a property reaches the app.
  const override = (name: string, value: (...args: unknown[]) => unknown): void =>
    void Object.defineProperty(app, name, { value, configurable: true, writable: true });
  if (typeof (app as unknown as Record<string, unknown>).listen === 'function') {
    override('listen', () => {
      throw new ERR_APP_LISTEN();
    });
  }
  override('enableShutdownHooks', () => app);
}

export class WorkerRuntime {
  private readonly logger: Logger;
  private readonly metrics = new WorkerMetrics();
  private readonly channel: WorkerChannel;
  private readonly services: WorkerServices;
  private readonly transports: Map<string, Transport>;
  /** Sockets the supervisor held for this slot, by listener. */
  private readonly held = new Map<string, HeldHandle>();
  /** Sockets of slots that stopped restarting, which this worker serves as well. */
  private readonly inherited: { name: string; handle: HeldHandle }[] = [];
  private booted: Promise<void> | undefined;
  private readonly listeners: Listener[] = [];
  private nest: INestApplicationContext | undefined;
  /** The Nest application and the platform it was created on, when listeners serve the app's controllers. */
  private application: { platform: HttpPlatform; app: INestApplication } | undefined;
  /** The listeners that serve the app's controllers (the platform's own first). */
  private readonly platformListeners = new Set<string>();
  private readonly app: AppDefinition;
  private bindings: HandlerBinding[] = [];
  private readonly bootMessage: Promise<Extract<SupervisorMessage, { type: 'boot' }>>;
  private draining: Promise<DrainReport> | undefined;
  /** Set by a reload's drain: listeners may hand live connections to the replacement. */
  private handOffAllowed = false;
  /** Resolves once the hang reporter's thread runs (or failed to): the listeners open after it. */
  private readonly hangReporterStarted: Promise<void>;
  private version: string | undefined;
  /** Exclusive listeners adopted during a reload, waiting until the previous worker releases them. */
  private readonly awaitingRelease = new Map<string, Listener>();
  /** Releases that came before their listener was open (or after the predecessor vanished: every one). */
  private readonly released = new Map<string, unknown>();
  private predecessorGone = false;

  /** `packageDirs`: where optional packages (@shoal/redis) are looked for, the app's directories first. */
  constructor(
    app: Type<unknown> | AppDefinition,
    transports: readonly Transport[],
    private readonly options: ResolvedOptions,
    packageDirs: readonly string[],
    channel?: WorkerChannel,
  ) {
    this.app = appDefinitionOf(app);
    const slot = Number(process.env[WORKER_ENV.slot]);
    this.logger = createLogger(options.logLevel, { role: 'worker', service: options.name, slot }, options.logFormat);
    this.transports = new Map(transports.map((t) => [t.name, t]));
    // Listen at once: the supervisor sends held sockets while the app boots.
    this.channel = channel ?? openWorkerChannel();
    const fdPassing = transports.find((t) => t.fdPassing)?.fdPassing;
    const linkFd = process.env[WORKER_ENV.fdLink];
    if (fdPassing && linkFd !== undefined) this.channel.attachFdLink(fdPassing.open(Number(linkFd)), fdPassing);
    this.bootMessage = new Promise((resolve) => {
      this.channel.onMessage((message, handle) => {
        if (message.type === 'held-listener' && handle) {
          if (!message.inherited) this.held.set(message.name, handle);
          else if (this.booted) void this.booted.then(() => this.adoptInherited(message.name, handle));
          else this.inherited.push({ name: message.name, handle });
        } else if (message.type === 'boot') {
          resolve(message);
        } else if (message.type === 'adopt-connection' && handle) {
          void this.booted?.then(() => this.adoptConnection(message.listener, handle, Buffer.from(message.unread, 'base64'), message.state));
        } else if (message.type === 'broadcast') {
          this.services.broadcast.deliver(message.channel, message.message);
        } else if (message.type === 'listener-released') {
          this.resumeExclusive(message.name, message.state);
        } else if (message.type === 'predecessor-gone') {
          this.predecessorGone = true;
          for (const name of [...this.awaitingRelease.keys()]) this.resumeExclusive(name, undefined);
        }
      });
    });
    this.services = new WorkerServices(
      options,
      {
        store: (operation) => this.channel.request('store', operation, options.ipcTimeoutMs),
        broadcast: async (channel, message) => void (await this.channel.request('broadcast', { channel, message }, options.ipcTimeoutMs)),
      },
      this.metrics.registry,
      this.logger,
      packageDirs,
      slot,
    );
    this.channel.onRequest('metrics', () => this.metrics.registry.getMetricsAsJSON() as Promise<MetricsSnapshot>);
    this.channel.onRequest('stats', () => this.stats());
    this.channel.onRequest(
      'drain',
      async ({ deadline, handOff }) => {
        this.handOffAllowed = handOff;
        const report = await this.drain(deadline);
        return { report, metrics: (await this.metrics.registry.getMetricsAsJSON()) as MetricsSnapshot };
      },
      // The final counts have left with the answer: nothing keeps this process.
      () => process.exit(0),
    );
    process.on('disconnect', () => this.orphaned());
    this.hangReporterStarted = process.env[WORKER_ENV.hangReport] ? startHangReporter(this.logger) : Promise.resolve();
    // Ctrl-C reaches the whole process group; the supervisor decides how workers stop.
    process.on('SIGINT', () => undefined);
    process.on('SIGTERM', () => void this.drain(Date.now() + options.drainTimeoutMs).then(() => process.exit(0)));
  }

  start(): Promise<void> {
    this.booted = this.bootApplication();
    return this.booted;
  }

  private async bootApplication(): Promise<void> {
    try {
      this.nest = await this.createApplication();
      await this.services.start(this.nest, this.options.redis?.commandTimeoutMs ?? 0);
      this.bindings = discoverHandlers(this.nest);
      checkBindings(this.bindings, this.options.listeners, this.transports);
      const boot = await this.bootMessage;
      await this.hangReporterStarted;
      const ready: { name: string; port: number; adopted: boolean }[] = [];
      for (const configured of this.options.listeners) {
        const spec: ListenerSpec = Object.freeze({
          ...configured,
          host: boot.hosts?.[configured.name] ?? configured.host,
          port: boot.ports[configured.name] ?? configured.port,
        });
        const listener = await this.openListener(spec, boot.predecessor === true);
        this.listeners.push(listener);
        ready.push({ name: spec.name, port: listener.boundPort(), adopted: this.held.has(spec.name) });
      }
      for (const { name, handle } of this.inherited.splice(0)) await this.adoptInherited(name, handle);
      // What app.listen() would have told the app's providers (HttpAdapterHost.listen$).
      if (this.application) this.application.app.get(HttpAdapterHost).listening = true;
      await this.channel.post({ type: 'ready', listeners: ready });
      this.logger.info({ event: 'worker.booted', listeners: ready }, 'worker ready');
      // From ready on, the supervisor's watchdog expects a beat every interval.
      // (A supervisor of an older version sends options without `watchdog`.)
      new Heartbeat(this.options.watchdog?.intervalMs ?? DEFAULT_WATCHDOG.intervalMs, (beat) => void this.channel.post(beat).catch(() => undefined)).start();
    } catch (error) {
      const slot = Number(process.env[WORKER_ENV.slot]);
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.error({ event: 'worker.boot-failed', err: error }, 'worker failed to boot');
      await this.channel
        .post({ type: 'boot-failed', error: serializeError(new ERR_WORKER_BOOT_FAILED(slot, reason, { cause: error })) })
        .catch(() => undefined);
      process.exit(1);
    }
  }

  /**
   * Nest's application context, or, when a listener serves the app's
   * controllers on a Nest platform, a Nest application on that platform's
   * adapter; configured by the app's configure() and initialised.
   */
  private async createApplication(): Promise<INestApplicationContext> {
    const root = ShoalWorkerModule.forApp(this.app.module, new ShoalMetrics(this.metrics.registry), this.services);
    const shoalOptions = { logger: new NestLogBridge(this.logger), abortOnError: false };
    const platforms: HttpPlatform[] = [];
    for (const spec of this.options.listeners) {
      const platform = await this.transports.get(spec.transport)!.httpPlatform?.(spec);
      if (platform !== undefined) platforms.push(platform);
    }
    // One Nest application, one platform: several listeners (HTTP and HTTPS, say) may serve it.
    if (new Set(platforms.map((p) => p.name)).size > 1) throw new ERR_APP_PLATFORM_SEVERAL(platforms.map((p) => `${p.listener} (${p.name})`));
    for (const p of platforms) this.platformListeners.add(p.listener);
    const platform = platforms[0];
    if (platform === undefined) {
      const context = await NestFactory.createApplicationContext(root, shoalOptions);
      guardApplication(context);
      await this.app.configure?.(context as INestApplication);
      return context;
    }
    const app = await NestFactory.create<INestApplication>(root, platform.adapter as never, {
      ...this.app.options,
      ...platform.applicationOptions,
      ...shoalOptions,
    });
    guardApplication(app);
    await this.app.configure?.(app);
    await platform.configured?.(app);
    await app.init();
    this.application = { platform, app };
    this.logger.info({ event: 'worker.platform-ready', listener: platform.listener, platform: platform.name }, 'Nest application ready on its HTTP platform');
    return app;
  }

  private listenerContext(spec: ListenerSpec, predecessorServing = false): ListenerContext {
    const metrics = this.metrics.forListener(spec);
    const application = this.platformListeners.has(spec.name) ? this.application : undefined;
    return {
      application,
      spec,
      metrics,
      handlers: new HandlerTable(this.bindings.filter((b) => b.listener === spec.name), metrics),
      logger: this.logger.child({ listener: spec.name }),
      handOff: (handle, unread, state) => this.handOff(spec.name, handle, unread, state),
      predecessorServing,
      release: (state) => void this.channel.post({ type: 'listener-released', name: spec.name, state }).catch(() => undefined),
    };
  }

  /** The previous worker let go of an exclusive listener's socket: this worker reads it from now on. */
  private resumeExclusive(name: string, state: unknown): void {
    const listener = this.awaitingRelease.get(name);
    if (!listener) {
      this.released.set(name, state);
      return;
    }
    this.awaitingRelease.delete(name);
    this.logger.info({ event: 'worker.listener-resumed', listener: name }, 'the previous worker released the socket; serving it');
    listener.resume?.(state);
  }

  private async handOff(listener: string, handle: HeldHandle, unread: Buffer, state: unknown): Promise<boolean> {
    if (!this.handOffAllowed) return false;
    try {
      const params = { listener, unread: unread.toString('base64'), ...(state !== undefined && { state }) };
      const { accepted } = await this.channel.request('hand-off', params, this.options.ipcTimeoutMs, handle);
      return accepted;
    } catch (error) {
      this.logger.warn({ event: 'worker.handoff-failed', err: error, listener }, 'could not hand a connection off; draining it here');
      return false;
    }
  }

  /** A connection the previous worker of this slot handed off: the listener of that name serves it on. */
  private adoptConnection(name: string, handle: HeldHandle, unread: Buffer, state: unknown): void {
    const listener = this.listeners.find((l) => l.spec.name === name);
    if (listener?.adoptConnection) {
      listener.adoptConnection(handle, unread, state);
      return;
    }
    this.logger.error({ event: 'worker.handoff-refused', listener: name }, 'a handed-off connection arrived for a listener that cannot adopt it; closing it');
    closeHeld(handle);
  }

  private async openListener(spec: ListenerSpec, predecessor = false): Promise<Listener> {
    const transport = this.transports.get(spec.transport)!;
    const held = this.held.get(spec.name);
    const context = this.listenerContext(spec, held !== undefined && predecessor && !this.predecessorGone);
    if (held) {
      const adopted = await transport.adopt(context, held);
      if (adopted.exclusive && context.predecessorServing) {
        this.awaitingRelease.set(spec.name, adopted);
        if (this.predecessorGone || this.released.has(spec.name)) this.resumeExclusive(spec.name, this.released.get(spec.name));
      }
      return adopted;
    }
    const listener = await transport.open(context);
    // The supervisor keeps a duplicate, so the socket outlives this process.
    await this.channel.post({ type: 'listener-handle', name: spec.name, port: listener.boundPort() }, listener.heldHandle());
    return listener;
  }

  /** Serves, next to its own, the socket of a slot that no longer restarts (so its queue is not stranded). */
  private async adoptInherited(name: string, handle: HeldHandle): Promise<void> {
    const own = this.listeners.find((l) => l.spec.name === name);
    if (!own || this.draining) return;
    try {
      this.listeners.push(await this.transports.get(own.spec.transport)!.adopt(this.listenerContext(own.spec), handle));
      this.logger.info({ event: 'worker.socket-inherited', listener: name }, 'serving the socket of a slot that stopped restarting');
    } catch (error) {
      this.logger.error({ event: 'worker.socket-inherit-failed', err: error, listener: name }, 'could not adopt an inherited socket');
    }
  }

  private stats(): WorkerStats {
    const connections: Record<string, number> = {};
    for (const listener of this.listeners) {
      connections[listener.spec.name] = (connections[listener.spec.name] ?? 0) + listener.activeConnections();
    }
    this.version ??= codeVersion(process.env[WORKER_ENV.appFile] ?? require.main?.filename);
    return { version: this.version, rssBytes: process.memoryUsage.rss(), connections };
  }

  /** Stops accepting, lets work finish until `deadline`, then runs the app's shutdown hooks. */
  drain(deadline: number): Promise<DrainReport> {
    this.draining ??= (async () => {
      await Promise.all(this.listeners.map((l) => l.stopAccepting().catch(() => undefined)));
      // Offload tasks still running shortly before the deadline fail with a clear error, which the requests waiting on them can still answer.
      const offloadClosed = this.services.offload.close(deadline - Math.min(250, Math.max(0, (deadline - Date.now()) / 10)));
      const reports = await Promise.all(this.listeners.map((l) => l.drain(deadline).catch((): DrainReport => ({ completed: 0, forced: 0 }))));
      await offloadClosed;
      // As a Nest app stopped by its platform's signal sees it (onApplicationShutdown('SIGTERM')).
      await (this.nest as { close(signal?: string): Promise<void> } | undefined)?.close('SIGTERM').catch((error: unknown) => this.logger.error({ event: 'worker.shutdown-hook-failed', err: error }, 'application shutdown hook failed'));
      await this.services.closeConnections();
      const report = {
        completed: reports.reduce((n, r) => n + r.completed, 0),
        forced: reports.reduce((n, r) => n + r.forced, 0),
        handedOff: reports.reduce((n, r) => n + (r.handedOff ?? 0), 0),
      };
      this.logger.info({ event: 'worker.drained', ...report }, 'worker drained');
      return report;
    })();
    return this.draining;
  }

  /** The supervisor died (or closed IPC): no worker may outlive it. */
  private orphaned(): void {
    this.logger.warn({ event: 'worker.orphaned', drainMs: ORPHAN_DRAIN_MS, exitMs: ORPHAN_EXIT_MS }, 'supervisor is gone; draining and exiting');
    setTimeout(() => process.exit(0), ORPHAN_EXIT_MS).unref();
    void this.drain(Date.now() + ORPHAN_DRAIN_MS).finally(() => process.exit(0));
  }
}

export async function runWorker(
  app: Type<unknown> | AppDefinition,
  transports: readonly Transport[],
  options: ResolvedOptions,
  packageDirs: readonly string[],
  channel?: WorkerChannel,
): Promise<void> {
  await new WorkerRuntime(app, transports, options, packageDirs, channel).start();
}
