import type { DrainReport } from '@shoal/core';

/**
 * Counts the connections of a drain: those that close on their own before
 * the deadline are completed, those cut at the deadline are forced.
 */
export class Drain {
  readonly done: Promise<DrainReport>;
  private completed = 0;
  private forced = 0;
  private remaining: number;
  private resolve!: (report: DrainReport) => void;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(open: number, deadline: number, cut: () => void) {
    this.remaining = open;
    this.done = new Promise((resolve) => (this.resolve = resolve));
    if (open === 0) {
      this.resolve({ completed: 0, forced: 0 });
      return;
    }
    this.timer = setTimeout(cut, Math.max(0, deadline - Date.now()));
  }

  /** One connection that was open when the drain started has closed. */
  closed(forced: boolean): void {
    if (this.remaining === 0) return;
    if (forced) this.forced++;
    else this.completed++;
    if (--this.remaining === 0) {
      clearTimeout(this.timer);
      this.resolve({ completed: this.completed, forced: this.forced });
    }
  }
}
