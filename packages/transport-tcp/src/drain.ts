import type { DrainReport } from '@shoal/core';

export type DrainOutcome = 'completed' | 'forced' | 'handed-off';

/**
 * Counts the connections of a drain: those that close on their own before
 * the deadline are completed, those cut at the deadline are forced, those
 * passed alive to the replacement worker are handed off.
 */
export class Drain {
  readonly done: Promise<DrainReport>;
  private completed = 0;
  private forced = 0;
  private handedOff = 0;
  private remaining: number;
  private resolve!: (report: DrainReport) => void;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(open: number, deadline: number, cut: () => void) {
    this.remaining = open;
    this.done = new Promise((resolve) => (this.resolve = resolve));
    if (open === 0) {
      this.resolve({ completed: 0, forced: 0, handedOff: 0 });
      return;
    }
    this.timer = setTimeout(cut, Math.max(0, deadline - Date.now()));
  }

  /** One connection that was open when the drain started has closed. */
  closed(outcome: DrainOutcome): void {
    if (this.remaining === 0) return;
    if (outcome === 'forced') this.forced++;
    else if (outcome === 'handed-off') this.handedOff++;
    else this.completed++;
    if (--this.remaining === 0) {
      clearTimeout(this.timer);
      this.resolve({ completed: this.completed, forced: this.forced, handedOff: this.handedOff });
    }
  }
}
