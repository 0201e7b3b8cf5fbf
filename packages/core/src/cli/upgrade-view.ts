import type { UpgradeProgress, UpgradeReport } from '../control';

/** One plain line per step of `shoal upgrade` (the steps are few; no redrawing). */
export function describeUpgradeProgress(progress: UpgradeProgress): string {
  switch (progress.phase) {
    case 'starting':
      return `starting a new supervisor from the code on disk${progress.pid ? ` (pid ${progress.pid})` : ''}`;
    case 'slot-ready':
      return `  slot ${progress.slot}: new worker ready (pid ${progress.workerPid})`;
    case 'ready':
      return `new supervisor ready (pid ${progress.pid})`;
    case 'serving':
      return `new supervisor (pid ${progress.pid}) serves; the old one drains its workers`;
    case 'failed':
      return `failed: ${progress.error ?? 'unknown error'}`;
  }
}

export function summarizeUpgrade(report: UpgradeReport): string {
  const seconds = (report.durationMs / 1000).toFixed(1);
  if (report.ok) return `upgrade done in ${seconds} s: supervisor ${report.newPid} took over from ${report.oldPid}, nothing dropped`;
  return `upgrade FAILED after ${seconds} s: ${report.error?.message ?? 'unknown error'}`;
}
