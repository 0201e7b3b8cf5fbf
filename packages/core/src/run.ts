import type { Type } from '@nestjs/common';
import type { AppDefinition } from './app';
import { ERR_RELOAD_IN_PROGRESS, ShoalError } from './errors';
import { createLogger } from './logger';
import { assertNodeVersion, packageDirs, resolveOptions } from './config';
import type { ResolvedOptions, ShoalOptions } from './config';
import { composeSupervisor } from './compose';
import type { Supervisor } from './supervisor';
import type { Transport } from './transport';
import { isWorkerProcess } from './ipc';
import type { WorkerEntry } from './supervisor';
import { keepServiceAlive, needsKeeper, reportUpgradeFailure, takeOver, upgradeSupervisor, upgradingFrom } from './upgrade';

export interface ShoalApplication {
  /**
   * The application's root Nest module, or a defineApp() definition, loaded
   * in workers only: the supervisor never runs application code (nor pays
   * for its memory).
   */
  loadModule: () => Type<unknown> | AppDefinition | Promise<Type<unknown> | AppDefinition>;
  /** Transports the listeners use, e.g. `tcpTransports()` from @shoal/transport-tcp. */
  transports: readonly Transport[];
  config: ShoalOptions;
  /** The program workers run; default: this process's own entry script and arguments. */
  workerEntry?: WorkerEntry;
}

/**
 * The one entry point of a Shoal service, called from its main script as
 * node:cluster programs are: in the supervisor it forks the workers (which
 * run the same script) and stops gracefully on SIGTERM/SIGINT; in a worker it
 * boots the application.
 */
export async function run(app: ShoalApplication): Promise<Supervisor | undefined> {
  let options: ResolvedOptions;
  try {
    assertNodeVersion();
    options = resolveOptions(app.config, app.transports);
  } catch (error) {
    fail(error);
  }
  // Optional packages (@shoal/redis) are looked for from the main script's directory, as the transports the app imports.
  const dirs = packageDirs(require.main?.filename ?? process.argv[1], null);
  if (isWorkerProcess()) {
    const { runWorker } = await import('./worker');
    await runWorker(await app.loadModule(), app.transports, options, dirs);
    return undefined;
  }

  let supervisor: Supervisor;
  try {
    supervisor = composeSupervisor(options, app.workerEntry ?? defaultWorkerEntry(), { packageDirs: dirs });
  } catch (error) {
    fail(error);
  }
  return superviseUntilStopped(supervisor);
}

/**
 * Runs a supervisor in the foreground until it is stopped: SIGTERM/SIGINT or
 * `shoal stop` turn /readyz to 503, serve on for shutdownDelayMs, drain and
 * exit 0; SIGHUP reloads, SIGTTIN/SIGTTOU add or remove a worker. A failed
 * start exits 1. Each further stop signal moves the stop one step on: during
 * the shutdown delay it starts the drain at once (nothing is cut, and a
 * hurried operator or orchestrator need not wait); during the drain it kills
 * the workers and exits 1. SIGUSR2 upgrades (a new supervisor takes over;
 * this process exits 0 once drained). A process started by an upgrade takes
 * its predecessor's sockets instead of binding.
 */
export async function superviseUntilStopped(supervisor: Supervisor): Promise<Supervisor> {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      if (supervisor.cutShutdownDelay()) {
        supervisor.logger.info({ event: 'supervisor.delay-cut', signal }, 'another stop signal: the drain starts now');
        return;
      }
      supervisor.logger.warn({ event: 'supervisor.kill-workers', signal }, 'stop signal during the drain: killing workers now');
      for (const slot of supervisor.slots) slot.worker?.kill('SIGKILL');
      process.exit(1);
    }
    supervisor.logger.info({ event: 'supervisor.stop-requested', signal }, 'graceful stop requested');
    void supervisor.stop().then(() => process.exit(0));
  };
  supervisor.on('stop-requested', () => onSignal('SIGTERM'));
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', () => reloadOnSignal(supervisor));
  // One worker more or less, as gunicorn does.
  process.on('SIGTTIN', () => scaleOnSignal(supervisor, +1));
  process.on('SIGTTOU', () => scaleOnSignal(supervisor, -1));
  process.on('SIGUSR2', () => upgradeOnSignal(supervisor));
  // The new supervisor serves and this one has drained: nothing is left here, unless it must keep the process (PID 1, a terminal).
  supervisor.on('superseded', (successor) => {
    if (!needsKeeper()) process.exit(0);
    void keepServiceAlive({ successor, controlPath: supervisor.status().control, logger: supervisor.logger }).then((code) => process.exit(code));
  });
  try {
    if (upgradingFrom() !== undefined) await takeOver(supervisor);
    else await supervisor.start();
  } catch (error) {
    supervisor.logger.fatal({ event: 'supervisor.start-failed', err: error }, (error as Error).message);
    process.exit(1);
  }
  return supervisor;
}

let reloadAgain = false;

/** SIGHUP: reload; one that arrives during a reload runs once more after it (the code may have changed again). */
function reloadOnSignal(supervisor: Supervisor): void {
  supervisor.reload().then(
    () => {
      if (!reloadAgain) return;
      reloadAgain = false;
      reloadOnSignal(supervisor);
    },
    (error: ShoalError) => {
      if (error.code === ERR_RELOAD_IN_PROGRESS.code) {
        reloadAgain = true;
        supervisor.logger.info({ event: 'reload.queued' }, 'SIGHUP during a reload: another reload follows this one');
      } else {
        supervisor.logger.error({ event: 'reload.refused', err: error }, error.message);
      }
    },
  );
}

/** SIGUSR2: an in-place upgrade, as `shoal upgrade` (the outcome is in the log: upgrade.ready or upgrade.failed). */
function upgradeOnSignal(supervisor: Supervisor): void {
  upgradeSupervisor(supervisor).catch((error: Error) => supervisor.logger.error({ event: 'upgrade.refused', err: error }, error.message));
}

function scaleOnSignal(supervisor: Supervisor, change: number): void {
  const target = supervisor.slots.length + change;
  if (target < 1) {
    supervisor.logger.warn({ event: 'scale.refused', to: target }, 'SIGTTOU ignored: one worker is the minimum');
    return;
  }
  supervisor.scale(target).catch((error: Error) => supervisor.logger.error({ event: 'scale.refused', to: target, err: error }, error.message));
}

export function defaultWorkerEntry(): WorkerEntry {
  return { file: process.argv[1], args: process.argv.slice(2), execArgv: process.execArgv };
}

/** Configuration and version errors: one clear message, no stack trace. */
function fail(error: unknown): never {
  const message = error instanceof ShoalError ? `${error.code}: ${error.message}` : String(error);
  const logger = createLogger('error', { role: isWorkerProcess() ? 'worker' : 'supervisor' });
  logger.fatal({ event: 'config.invalid', code: (error as ShoalError)?.code }, message);
  process.stderr.write(`shoal: ${message}\n`);
  // A new supervisor started by an upgrade: the old one tells `shoal upgrade` why.
  reportUpgradeFailure(error);
  process.exit(1);
}
