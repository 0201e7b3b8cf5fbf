import type { FleetMember, FleetReloadProgress, FleetReloadReport } from '../control';
import { table } from './status';

/** `shoal status --fleet`: one row per live host. */
export function renderFleet(fleet: { mode: string; hostId: string; members: FleetMember[] }, now = Date.now()): string {
  const header = fleet.mode === 'redis' ? `fleet of ${fleet.members.length} host(s) (Redis); this host: ${fleet.hostId}` : `one host, no redis section (embedded); this host: ${fleet.hostId}`;
  const rows = [['HOST', 'STATE', 'READY', 'RELOADING', 'VERSION', 'PID', 'HEARTBEAT']];
  for (const member of fleet.members) {
    rows.push([
      member.hostId,
      member.state,
      `${member.readyWorkers}/${member.workers}`,
      member.reloading ? 'yes' : 'no',
      member.version,
      String(member.pid),
      `${Math.max(0, Math.round((now - Date.parse(member.heartbeatAt)) / 100) / 10)}s ago`,
    ]);
  }
  return [header, '', table(rows)].join('\n');
}

/** One plain line per fleet reload event. */
export function describeFleetProgress(progress: FleetReloadProgress): string {
  const token = progress.token === undefined ? '' : ` (lease token ${progress.token})`;
  if (progress.phase === 'slot' && progress.slot) {
    const slot = progress.slot;
    return `host ${progress.hostId}: slot ${slot.slot} ${slot.phase}${slot.pid ? ` (pid ${slot.pid})` : ''}${slot.error ? `: ${slot.error}` : ''}`;
  }
  return `host ${progress.hostId}: ${progress.phase}${token}${progress.error ? `: ${progress.error}` : ''}`;
}

export function summarizeFleetReload(report: FleetReloadReport): string {
  const seconds = (report.durationMs / 1000).toFixed(1);
  const hosts = report.hosts.map((h) => `${h.hostId} ${h.phase}`).join(', ');
  const resumed = report.resumedFrom ? `, resuming ${report.resumedFrom}` : '';
  if (report.ok) return `fleet reload done in ${seconds} s${resumed}: ${hosts || 'no hosts'}`;
  return `fleet reload FAILED after ${seconds} s${resumed}: ${report.error?.message ?? 'unknown error'} (${hosts}); \`shoal reload --fleet --resume\` reloads the hosts left`;
}
