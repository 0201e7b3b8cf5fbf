import type { SupervisorStatus } from '../control';
import { describeForeignListener } from '../ownership';

export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '-';
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Columns padded to their widest cell, two spaces apart. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}

/** The human form of `shoal status`: a header, then one row per slot. */
export function renderStatus(status: SupervisorStatus): string {
  const listeners = Object.entries(status.listeners).map(([name, port]) => `${name}:${port}`).join(' ');
  const header = [
    `${status.name} (supervisor pid ${status.pid}) ${status.state}, ${status.ready}/${status.workers} workers ready`,
    ...(status.upgradedFrom ? [`  upgraded from supervisor pid ${status.upgradedFrom.pid} at ${status.upgradedFrom.at}`] : []),
    `  listeners ${listeners || '-'}   admin ${status.admin ?? 'off'}   control ${status.control ?? 'off'}`,
  ];
  const rows = [['SLOT', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'HUNG/MEM', 'LAG', 'CONNS', 'RSS', 'VERSION']];
  for (const slot of status.slots) {
    rows.push([
      String(slot.slot),
      slot.state,
      slot.pid === null ? '-' : String(slot.pid),
      formatDuration(slot.uptimeMs),
      String(slot.restarts),
      // Workers killed hung by the watchdog / replaced for passing maxMemoryBytes.
      `${slot.hangs ?? 0}/${slot.memoryReplacements ?? 0}`,
      slot.lagMs === null || slot.lagMs === undefined ? '-' : `${slot.lagMs}ms${slot.degraded ? ` degraded (worst ${slot.worstLagMs}ms)` : ''}`,
      slot.activeConnections === null || slot.activeConnections === undefined ? '-' : String(slot.activeConnections),
      formatBytes(slot.rssBytes),
      slot.version ?? '-',
    ]);
  }
  const notes = status.slots.filter((s) => s.lastError).map((s) => `  slot ${s.slot}: ${s.lastError}${s.lastHangReport ? ` (report: ${s.lastHangReport})` : ''}`);
  // Older supervisors (before the ownership check) send no foreignListeners.
  const foreign = (status.foreignListeners ?? []).map((f) => `  listener ${f.listener}: ${describeForeignListener(f)}`);
  return [
    ...header,
    '',
    table(rows),
    ...(foreign.length ? ['', 'other processes listening on these ports (they take a share of the traffic; docs/port-ownership.md):', ...foreign] : []),
    ...(notes.length ? ['', 'last errors:', ...notes] : []),
  ].join('\n');
}
