/**
 * The fleet without a `redis` section: this host alone, with the same API as
 * a fleet of many (a fleet reload is this host's rolling reload).
 */
import { randomUUID } from 'node:crypto';
import { Gauge } from 'prom-client';
import { ERR_FLEET_RELOAD_FAILED, ERR_FLEET_RELOAD_IN_PROGRESS, ERR_RELOAD_IN_PROGRESS, ERR_SUPERVISOR_BUSY, isShoalError } from '../errors';
import type { FleetHostReport, FleetMember, FleetReloadProgress, FleetReloadReport, ReloadReport } from '../control';
import type { FleetContext, FleetPart } from './fleet';

export class EmbeddedFleet implements FleetPart {
  readonly mode = 'embedded' as const;
  readonly hostId: string;
  private running: { id: string; startedAt: string } | undefined;

  constructor(private readonly host: FleetContext) {
    this.hostId = host.hostId;
    new Gauge({ name: 'shoal_fleet_members', help: 'Hosts in the fleet (live members).', registers: [host.registry], collect() { this.set(1); } });
  }

  async members(): Promise<FleetMember[]> {
    return [this.host.member()];
  }

  async reload(onProgress: (progress: FleetReloadProgress) => void = () => undefined): Promise<FleetReloadReport> {
    if (this.running) {
      this.host.countReload('refused');
      throw new ERR_FLEET_RELOAD_IN_PROGRESS(this.hostId, this.running.startedAt);
    }
    const id = randomUUID();
    const started = Date.now();
    this.running = { id, startedAt: new Date(started).toISOString() };
    try {
      onProgress({ id, hostId: this.hostId, phase: 'reloading' });
      let report: ReloadReport;
      try {
        report = await this.host.reloadHere((slot) => onProgress({ id, hostId: this.hostId, phase: 'slot', slot }), () => true);
      } catch (error) {
        if (isShoalError(error, ERR_RELOAD_IN_PROGRESS.code) || isShoalError(error, ERR_SUPERVISOR_BUSY.code)) {
          this.host.countReload('refused');
          throw new ERR_FLEET_RELOAD_IN_PROGRESS(this.hostId, this.running.startedAt, { cause: error });
        }
        throw error;
      }
      const host: FleetHostReport = {
        hostId: this.hostId,
        phase: report.ok ? 'done' : 'failed',
        token: null,
        durationMs: report.durationMs,
        slots: report.slots,
        ...(report.error && { error: report.error.message }),
      };
      onProgress({ id, hostId: this.hostId, phase: host.phase, ...(host.error && { error: host.error }) });
      const failure = report.ok ? undefined : new ERR_FLEET_RELOAD_FAILED(this.hostId, report.error?.message ?? 'the rolling reload failed');
      this.host.countReload(report.ok ? 'ok' : 'failed');
      return {
        ok: report.ok,
        id,
        resumedFrom: null,
        startedAt: this.running.startedAt,
        durationMs: Date.now() - started,
        hosts: [host],
        ...(failure && { error: { code: failure.code, message: failure.message } }),
      };
    } finally {
      this.running = undefined;
    }
  }
}
