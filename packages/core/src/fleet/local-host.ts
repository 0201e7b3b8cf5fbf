/**
 * This host as every fleet sees it (the FleetContext core gives both the
 * embedded fleet and a fleet backend): its id, the membership record it
 * publishes, its rolling reload on behalf of a fleet reload, and the
 * `shoal_fleet_reloads_total` counter.
 */
import { hostname } from 'node:os';
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import { codeVersion } from '../config';
import type { FleetMember, ReloadProgress, ReloadReport } from '../control';
import { WORKER_ENV } from '../ipc';
import type { Logger } from '../logger';
import type { FleetContext, FleetHost, FleetReloadResult } from './fleet';

const SHOAL_VERSION: string = (() => {
  try {
    return (require('../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

export class LocalHost implements FleetContext {
  readonly hostId: string;
  private readonly reloads: Counter<'result'>;
  private reloading = false;
  /** What `shoal status` shows per worker; read from disk once, and again after each reload (new code). */
  private version: string | undefined;

  /** `hostId`: the configured one (redis.hostId), or null for `<hostname>:<pid>`. */
  constructor(
    private readonly supervisor: FleetHost,
    readonly registry: Registry,
    readonly logger: Logger,
    hostId: string | null,
  ) {
    this.hostId = hostId ?? `${hostname()}:${process.pid}`;
    this.reloads = new Counter({ name: 'shoal_fleet_reloads_total', help: 'Fleet reloads started on this host, by result (ok, failed, refused).', labelNames: ['result'], registers: [registry] });
    for (const result of ['ok', 'failed', 'refused']) this.reloads.inc({ result }, 0);
    supervisor.onReloadDone(() => (this.version = undefined));
  }

  member(): FleetMember {
    const status = this.supervisor.status();
    return {
      hostId: this.hostId,
      pid: status.pid,
      version: (this.version ??= codeVersion(process.env[WORKER_ENV.appFile] ?? require.main?.filename)),
      shoalVersion: SHOAL_VERSION,
      state: status.state,
      workers: status.workers,
      readyWorkers: status.ready,
      ready: status.state === 'running' && status.ready === status.workers,
      reloading: this.reloading || this.supervisor.isReloading(),
      slots: status.slots.map((s) => ({ slot: s.slot, state: s.state, pid: s.pid })),
      listeners: status.listeners,
      admin: status.admin,
      startedAt: status.startedAt,
      heartbeatAt: new Date().toISOString(),
    };
  }

  async reloadHere(onSlot: (progress: ReloadProgress) => void, shouldContinue: () => boolean): Promise<ReloadReport> {
    this.reloading = true;
    const stop = this.supervisor.onReloadProgress(onSlot);
    try {
      return await this.supervisor.reload({ shouldContinue });
    } finally {
      stop();
      this.reloading = false;
    }
  }

  countReload(result: FleetReloadResult): void {
    this.reloads.inc({ result });
  }
}
