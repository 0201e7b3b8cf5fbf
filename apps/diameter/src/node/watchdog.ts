// The device watchdog of RFC 3539 section 3.4.1 for one connection: after Tw
// (jittered) without a message from the peer, send a DWR; Tw more without its
// DWA makes the connection SUSPECT; one more silent Tw takes it DOWN (the
// caller closes it). Any message from the peer re-arms the timer; a DWA ends
// the wait for it and makes a SUSPECT connection OKAY again.

export type WatchdogState = 'okay' | 'suspect' | 'down';

export interface WatchdogActions {
  /** Sends a DWR; returns false when the connection can no longer send (the watchdog stops). */
  sendDwr(): boolean;
  /** The connection became SUSPECT or DOWN. */
  changed(state: WatchdogState): void;
}

/** RFC 3539: Tw is jittered by a uniform random amount of up to 2 s either way. */
export const WATCHDOG_JITTER_MS = 2_000;

export class Watchdog {
  private timer: NodeJS.Timeout | undefined;
  private pending = false;
  state: WatchdogState = 'okay';

  constructor(
    private readonly twMs: number,
    private readonly actions: WatchdogActions,
    private readonly random: () => number = Math.random,
  ) {}

  /** A DWR of ours is outstanding (e.g. one sent by the previous worker of a handed-off association). */
  get awaitingAnswer(): boolean {
    return this.pending;
  }

  start(): void {
    this.arm();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A message arrived from the peer (`dwa`: the answer to our DWR). */
  heard(dwa: boolean): void {
    if (this.state === 'down') return;
    if (dwa) {
      this.pending = false;
      this.state = 'okay';
    }
    this.arm();
  }

  private arm(): void {
    this.stop();
    const jitter = (this.random() * 2 - 1) * WATCHDOG_JITTER_MS;
    this.timer = setTimeout(this.expired, Math.max(1, this.twMs + jitter));
    this.timer.unref();
  }

  private readonly expired = (): void => {
    this.timer = undefined;
    if (this.state === 'suspect') {
      this.state = 'down';
      this.actions.changed('down');
      return;
    }
    if (this.pending) {
      this.state = 'suspect';
      this.actions.changed('suspect');
      this.arm();
      return;
    }
    if (!this.actions.sendDwr()) return;
    this.pending = true;
    this.arm();
  };
}
