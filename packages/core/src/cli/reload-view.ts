import type { ReloadProgress, ReloadReport } from '../control';

const SYMBOL: Record<ReloadProgress['phase'] | 'waiting', string> = {
  waiting: '·',
  starting: '…',
  ready: '…',
  draining: '…',
  done: '✓',
  failed: '✗',
  skipped: '-',
};

function describe(progress: ReloadProgress): string {
  switch (progress.phase) {
    case 'starting':
      return `starting a new worker${progress.pid ? ` (pid ${progress.pid})` : ''}`;
    case 'ready':
      return `new worker ready (pid ${progress.pid})`;
    case 'draining':
      return `draining the old worker${progress.pid ? ` (pid ${progress.pid})` : ''}`;
    case 'done':
      return `replaced${progress.pid ? ` (now pid ${progress.pid})` : ''}`;
    case 'failed':
      return `failed: ${progress.error ?? 'unknown error'}`;
    case 'skipped':
      return `skipped${progress.error ? ` (${progress.error})` : ''}`;
  }
}

/**
 * Shows a reload's progress. On a terminal: one line per slot, redrawn in
 * place as phases change. Otherwise (logs, CI, pipes): one plain line per
 * event, so nothing is lost and nothing needs a terminal to read.
 */
export class ReloadView {
  private readonly lines = new Map<number, string>();
  private drawn = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly slots: number,
    private readonly live = out.isTTY === true,
  ) {
    for (let slot = 0; slot < slots; slot++) this.lines.set(slot, `${SYMBOL.waiting} slot ${slot}: waiting`);
    if (this.live) this.redraw();
  }

  update(progress: ReloadProgress): void {
    const line = `${SYMBOL[progress.phase]} slot ${progress.slot}: ${describe(progress)}`;
    if (!this.live) {
      this.out.write(`slot ${progress.slot}: ${describe(progress)}\n`);
      return;
    }
    this.lines.set(progress.slot, line);
    this.redraw();
  }

  private redraw(): void {
    // Move up over what was drawn, then rewrite every line (clearing leftovers).
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A`);
    const lines = [...this.lines.entries()].sort(([a], [b]) => a - b).map(([, line]) => `\x1b[2K${line}\n`);
    this.out.write(lines.join(''));
    this.drawn = lines.length;
  }

  finish(report: ReloadReport): string {
    const replaced = report.slots.filter((s) => s.phase === 'done').length;
    const seconds = (report.durationMs / 1000).toFixed(1);
    if (report.ok) return `reload done in ${seconds} s: ${replaced} of ${this.slots} slots replaced, nothing dropped`;
    return `reload FAILED after ${seconds} s: ${report.error?.message ?? 'unknown error'} (${replaced} of ${this.slots} slots were replaced)`;
  }
}
