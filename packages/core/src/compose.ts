/**
 * Where a supervisor process is put together: the supervisor, and the parts
 * it is composed of (fleet, service hub, control socket, admin endpoint),
 * each given the narrow view of the supervisor it needs. run() and
 * `shoal start` both build their supervisor here. The fleet is this host
 * alone, or, with a `redis` section, the one @shoal/redis makes: that
 * package (and ioredis) is loaded here, and only then. Under systemd
 * (NOTIFY_SOCKET, LISTEN_FDS), so is @shoal/systemd: the supervisor takes the
 * passed sockets and tells systemd when it is ready, reloading or stopping.
 */
import { AdminServer, ControlServer, controlSocketPath } from './control';
import type { ControlTarget } from './control';
import { loadRedisPackage, packageDirs } from './config';
import type { ResolvedOptions } from './config';
import { EmbeddedFleet, LocalHost, ServiceHub } from './fleet';
import type { Fleet, FleetBackend, FleetHost, FleetPart } from './fleet';
import type { Logger } from './logger';
import { Supervisor } from './supervisor';
import { SystemdNotifier, loadSystemdBackend, readSystemdEnvironment, takePassedSockets } from './systemd';
import type { NotifierHost } from './systemd';
import type { WorkerEntry } from './supervisor';
import { upgradeSupervisor } from './upgrade';

export interface ComposeOptions {
  logger?: Logger;
  /** Where optional packages (@shoal/redis) are looked for; default: the main script's directory, then the working directory. */
  packageDirs?: readonly string[];
  /** Where systemd's variables are read (NOTIFY_SOCKET, LISTEN_FDS...); default: process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Throws SHOAL_ERR_REDIS_NOT_INSTALLED when the options have a `redis` section and @shoal/redis cannot be found;
 * SHOAL_ERR_SYSTEMD_NOT_INSTALLED under systemd without @shoal/systemd; a SHOAL_ERR_SOCKET_ACTIVATION_ error
 * when a passed socket does not fit its listener.
 */
export function composeSupervisor(
  options: ResolvedOptions,
  entry: WorkerEntry,
  { logger, packageDirs: dirs = packageDirs(require.main?.filename, null), env = process.env }: ComposeOptions = {},
): Supervisor {
  // Before anything starts or registers metrics: a missing package fails here, at once.
  const backend = options.redis ? loadRedisPackage<FleetBackend>(dirs, ['createFleet']) : undefined;
  const systemdEnvironment = readSystemdEnvironment(env);
  const systemd = loadSystemdBackend(systemdEnvironment, dirs);
  const passed = systemd ? takePassedSockets(systemdEnvironment.passed, options.listeners, systemd, options.fdPassing) : [];
  const supervisor = new Supervisor(options, entry, logger).usePassedSockets(passed);
  const { notifySocket } = systemdEnvironment;
  if (systemd && notifySocket !== null) {
    supervisor.use(new SystemdNotifier(systemd, { ...systemdEnvironment, notifySocket }, notifierHostOf(supervisor), supervisor.logger));
  }
  const hub = new ServiceHub(() => supervisor.slots.flatMap((slot) => [slot.worker, slot.replacing]).filter((w) => w !== undefined));
  supervisor.on('worker-created', (_slot, worker) => hub.attachWorker(worker));
  supervisor.use({ close: () => hub.close() });

  const local = new LocalHost(fleetHostOf(supervisor), supervisor.metricsRegistry, supervisor.logger, options.redis?.hostId ?? null);
  const fleet: FleetPart = backend && options.redis ? backend.createFleet(options.redis, local) : new EmbeddedFleet(local);
  supervisor.use(fleet);
  if (options.control) {
    supervisor.use(new ControlServer(controlTargetOf(supervisor, fleet), controlSocketPath(options.name, options.control.path), supervisor.logger));
  }
  if (options.admin) supervisor.use(new AdminServer(supervisor, options.admin, supervisor.logger));
  return supervisor;
}

function fleetHostOf(supervisor: Supervisor): FleetHost {
  return {
    status: () => supervisor.status(),
    isReloading: () => supervisor.isReloading(),
    reload: (options) => supervisor.reload(options),
    onReloadProgress: (listener) => {
      supervisor.on('reload-progress', listener);
      return () => supervisor.off('reload-progress', listener);
    },
    onReloadDone: (listener) => supervisor.on('reload-done', () => listener()),
  };
}

function notifierHostOf(supervisor: Supervisor): NotifierHost {
  return {
    workers: () => supervisor.slots.length,
    readyWorkers: () => supervisor.slots.filter((slot) => slot.state === 'ready').length,
    onWorkerReady: (listener) => supervisor.on('worker-ready', () => listener()),
    onReloadStarted: (listener) => supervisor.on('reload-started', listener),
    onReloadProgress: (listener) => supervisor.on('reload-progress', (progress) => listener(progress.slot, progress.phase)),
    onReloadFinished: (listener) => supervisor.on('reload-finished', listener),
    onStopping: (listener) => supervisor.on('stopping', listener),
    onCrashLoop: (listener) => supervisor.on('crash-loop', (slot) => listener(slot)),
  };
}

function controlTargetOf(supervisor: Supervisor, fleet: Fleet): ControlTarget {
  return {
    ping: () => ({ pid: process.pid, name: supervisor.options.name }),
    inspect: () => supervisor.inspect(),
    metrics: async () => ({ contentType: supervisor.metricsContentType, text: await supervisor.renderMetrics() }),
    reload: async (surge, onProgress) => {
      supervisor.on('reload-progress', onProgress);
      try {
        return await supervisor.reload({ surge });
      } finally {
        supervisor.off('reload-progress', onProgress);
      }
    },
    scale: (workers) => supervisor.scale(workers),
    upgrade: (onProgress) => upgradeSupervisor(supervisor, onProgress),
    stop: () => ({ pid: process.pid, drainTimeoutMs: supervisor.options.drainTimeoutMs, shutdownDelayMs: supervisor.options.shutdownDelayMs }),
    requestStop: (reason) => supervisor.requestStop(reason),
    fleetStatus: async () => ({ mode: fleet.mode, hostId: fleet.hostId, members: await fleet.members() }),
    fleetReload: (resume, onProgress) => fleet.reload(onProgress, { resume }),
  };
}
