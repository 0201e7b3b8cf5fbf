/**
 * Tells systemd where the supervisor is (sd_notify(3), Type=notify):
 * READY=1 once every slot has a ready worker, RELOADING=1 (with
 * MONOTONIC_USEC, which systemd >= 253 asks for) when a reload starts and
 * READY=1 when it ends, STOPPING=1 when a stop begins, STATUS= lines, and
 * WATCHDOG=1 every half WatchdogSec= from the supervisor's own event loop
 * (a supervisor stuck in a loop stops pinging, and systemd restarts it).
 */
import type { Logger } from '../logger';
import type { SystemdBackend } from './systemd-backend';
import type { SystemdEnvironment } from './systemd-env';

/** What the notifier needs to see of the supervisor (wired in compose.ts). */
export interface NotifierHost {
  readonly workers: () => number;
  readonly readyWorkers: () => number;
  onWorkerReady(listener: () => void): void;
  onReloadStarted(listener: () => void): void;
  onReloadProgress(listener: (slot: number, phase: string) => void): void;
  onReloadFinished(listener: (outcome: { ok: boolean; error?: string }) => void): void;
  onStopping(listener: () => void): void;
  onCrashLoop(listener: (slot: number) => void): void;
}

type Fields = Record<string, string | number>;

/** CLOCK_MONOTONIC in µs: libuv's hrtime reads that very clock. */
function monotonicUsec(): string {
  return String(process.hrtime.bigint() / 1000n);
}

export class SystemdNotifier {
  private watchdogTimer: NodeJS.Timeout | undefined;
  private running = false;
  private failures = 0;

  constructor(
    private readonly backend: SystemdBackend,
    private readonly environment: SystemdEnvironment & { readonly notifySocket: string },
    private readonly host: NotifierHost,
    private readonly logger: Logger,
  ) {
    host.onWorkerReady(() => {
      if (!this.running) this.send({ STATUS: `starting: ${host.readyWorkers()}/${host.workers()} workers ready` });
    });
    host.onReloadStarted(() => this.send({ RELOADING: 1, MONOTONIC_USEC: monotonicUsec(), STATUS: 'reloading' }));
    host.onReloadProgress((slot, phase) => this.send({ STATUS: `reloading: slot ${slot} ${phase}` }));
    host.onReloadFinished(({ ok, error }) =>
      this.send({ READY: 1, STATUS: ok ? this.serving() : `reload failed (${oneLine(error ?? 'unknown')}); ${this.serving()}` }),
    );
    host.onStopping(() => {
      this.running = false;
      this.send({ STOPPING: 1, STATUS: 'stopping: draining workers' });
    });
    host.onCrashLoop((slot) => this.send({ STATUS: `slot ${slot} is in a crash loop; ${this.serving()}` }));
  }

  /** Before the first worker starts: the watchdog pings from now on (a long boot must not trip it). */
  open(): Promise<void> {
    const usec = this.environment.watchdogUsec;
    if (usec !== null) {
      const intervalMs = Math.max(1, Math.floor(usec / 2000));
      this.watchdogTimer = setInterval(() => this.send({ WATCHDOG: 1 }), intervalMs);
      this.watchdogTimer.unref();
      this.logger.info({ event: 'systemd.watchdog', intervalMs }, `pinging the systemd watchdog every ${intervalMs} ms`);
    }
    this.send({ STATUS: `starting ${this.host.workers()} workers` });
    return Promise.resolve();
  }

  /** Every slot has a ready worker: systemd may start what depends on us. After an upgrade, it follows this process. */
  started(): Promise<void> {
    this.running = true;
    const upgrade = this.environment.upgradeFrom !== null && this.environment.upgradeFrom !== process.pid;
    this.send({ READY: 1, ...(upgrade ? { MAINPID: process.pid } : {}), STATUS: this.serving() });
    return Promise.resolve();
  }

  close(): Promise<void> {
    clearInterval(this.watchdogTimer);
    return Promise.resolve();
  }

  private serving(): string {
    return `serving: ${this.host.readyWorkers()}/${this.host.workers()} workers ready`;
  }

  /** A notification that fails is logged, never fatal: the service itself is fine. */
  private send(fields: Fields): void {
    try {
      this.backend.notify(this.environment.notifySocket, fields);
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      // Once per run of failures (a watchdog ping every few seconds would flood the log).
      if (this.failures === 1) this.logger.error({ event: 'systemd.notify-failed', err: error, fields: Object.keys(fields) }, (error as Error).message);
    }
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').slice(0, 200);
}
