/**
 * The running supervisor's look at its ports: every interval (and when
 * asked, by `shoal status`), the sockets of other processes on its
 * listeners' ports. Each one newly seen is logged once (a warning, or info
 * for a listener that shares on purpose), and once more when it is gone; the
 * gauge and the last result are what metrics, status and /readyz show.
 */
import type { Gauge } from 'prom-client';
import type { Logger } from '../logger';
import { describeForeignListener, findForeignListeners } from './foreign-listeners';
import type { ForeignListener, OwnedPort } from './foreign-listeners';

export interface ForeignListenerWatchOptions {
  readonly intervalMs: number;
  readonly logger: Logger;
  /** shoal_foreign_listeners{listener}. */
  readonly gauge: Gauge<'listener'>;
  /** The ports as bound now (a port 0 resolved), with the listeners' addresses. */
  readonly ports: () => Promise<readonly OwnedPort[]>;
  /** Our processes now: the supervisor and its workers. */
  readonly ours: () => readonly number[];
  /** Listeners configured with shareWithOthers: their foreign sockets are expected. */
  readonly shared: ReadonlySet<string>;
}

export class ForeignListenerWatch {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<readonly ForeignListener[]> | undefined;
  private known = new Map<number, ForeignListener>();
  /** The last check's result. */
  latest: readonly ForeignListener[] = [];

  constructor(private readonly options: ForeignListenerWatchOptions) {}

  /** `checkNow`: look at once too, not only after the first interval. */
  start({ checkNow = true }: { checkNow?: boolean } = {}): void {
    if (this.options.intervalMs === 0 || this.timer !== undefined) return;
    this.timer = setInterval(() => void this.check(), this.options.intervalMs);
    this.timer.unref();
    if (checkNow) void this.check();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Checks now (a check already running is shared). */
  check(): Promise<readonly ForeignListener[]> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<readonly ForeignListener[]> {
    const { logger, gauge, shared } = this.options;
    let found: ForeignListener[];
    try {
      const ports = await this.options.ports();
      found = await findForeignListeners(ports, this.options.ours());
      gauge.reset();
      for (const port of ports) gauge.set({ listener: port.listener }, found.filter((f) => f.listener === port.listener).length);
    } catch (error) {
      logger.warn({ event: 'ownership.check-failed', err: error }, 'could not look for other processes on the listeners\' ports');
      return this.latest;
    }
    const now = new Map(found.map((f) => [f.inode, f]));
    for (const [inode, foreign] of now) {
      if (this.known.has(inode)) continue;
      const fields = { event: 'ownership.foreign-listener', listener: foreign.listener, address: foreign.address, uid: foreign.uid, inode, pids: foreign.processes.map((p) => p.pid), shoal: foreign.shoal };
      const text = `listener ${foreign.listener}: another process listens on its port and takes a share of its traffic: ${describeForeignListener(foreign)}`;
      if (shared.has(foreign.listener)) logger.info({ ...fields, shared: true }, `${text} (shareWithOthers)`);
      else logger.warn(fields, `${text}; stop it, or set shareWithOthers if it belongs there (docs/port-ownership.md)`);
    }
    for (const [inode, foreign] of this.known) {
      if (!now.has(inode)) logger.info({ event: 'ownership.foreign-listener-gone', listener: foreign.listener, address: foreign.address, inode }, `listener ${foreign.listener}: the other socket on its port is gone (${foreign.address})`);
    }
    this.known = now;
    this.latest = found;
    return found;
  }
}
