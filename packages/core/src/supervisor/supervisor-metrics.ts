/**
 * The supervisor's own metrics: slots, restarts, exits, reloads and drains.
 * Workers' metrics come over IPC and are aggregated next to these.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the gauges read when scraped. */
export interface SlotCounts {
  configured(): number;
  ready(): number;
}

export class SupervisorMetrics {
  readonly registry = new Registry();
  readonly restarts: Counter<'slot'>;
  readonly exits: Counter<'slot' | 'reason'>;
  readonly crashLoop: Gauge<'slot'>;
  readonly reloads: Counter<'result'>;
  readonly reloadDuration: Histogram;
  readonly slotReplaceDuration: Histogram;
  readonly drainedConnections: Counter<'outcome'>;
  readonly handedOff: Counter;
  readonly hangs: Counter<'slot'>;
  readonly degraded: Gauge<'slot'>;
  readonly degradedEpisodes: Counter<'slot'>;
  readonly eventLoopLag: Gauge<'slot'>;
  readonly memoryReplacements: Counter<'slot'>;
  readonly upgrades: Counter<'result'>;
  readonly foreignListeners: Gauge<'listener'>;
  readonly reuseportSelector: Gauge<'listener'>;

  constructor(slots: SlotCounts, workers: number) {
    const registers = [this.registry];
    new Gauge({ name: 'shoal_workers_configured', help: 'Worker slots configured.', registers, collect() { this.set(slots.configured()); } });
    new Gauge({
      name: 'shoal_workers_ready',
      help: 'Workers ready and serving.',
      registers,
      collect() { this.set(slots.ready()); },
    });
    this.restarts = new Counter({ name: 'shoal_worker_restarts_total', help: 'Workers started again in a slot after an exit.', labelNames: ['slot'], registers });
    this.exits = new Counter({ name: 'shoal_worker_exits_total', help: 'Worker exits by reason (crash, boot-failed, hung: killed by the watchdog, stopped).', labelNames: ['slot', 'reason'], registers });
    this.crashLoop = new Gauge({ name: 'shoal_slot_crash_loop', help: '1 when a slot crashed too often and is no longer restarted.', labelNames: ['slot'], registers });
    this.reloads = new Counter({ name: 'shoal_reloads_total', help: 'Rolling reloads, by result (ok, failed).', labelNames: ['result'], registers });
    this.reloadDuration = new Histogram({ name: 'shoal_reload_duration_seconds', help: 'Duration of whole rolling reloads.', buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300], registers });
    this.slotReplaceDuration = new Histogram({
      name: 'shoal_slot_replace_duration_seconds',
      help: 'From forking a replacement to the old worker having drained and exited.',
      buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    });
    this.drainedConnections = new Counter({
      name: 'shoal_drain_connections_total',
      help: 'Connections open when a replaced worker began to drain: finished on their own (completed), cut at the deadline (forced), or passed alive to the replacement (handed-off).',
      labelNames: ['outcome'],
      registers,
    });
    this.handedOff = new Counter({
      name: 'shoal_connections_handed_off_total',
      help: 'Live connections a draining worker passed to its replacement during a reload.',
      registers,
    });
    this.hangs = new Counter({
      name: 'shoal_worker_hangs_total',
      help: 'Workers whose event loop sent no heartbeat within watchdog.timeoutMs: reported, killed and replaced.',
      labelNames: ['slot'],
      registers,
    });
    this.degraded = new Gauge({
      name: 'shoal_worker_degraded',
      help: '1 while the slot\'s worker is degraded: it still beats, but its event loop was blocked past watchdog.degradedLagMs within the last watchdog.recoverAfterMs.',
      labelNames: ['slot'],
      registers,
    });
    this.degradedEpisodes = new Counter({
      name: 'shoal_worker_degraded_total',
      help: 'Times the slot\'s worker became degraded (a block past watchdog.degradedLagMs while not degraded already).',
      labelNames: ['slot'],
      registers,
    });
    this.eventLoopLag = new Gauge({
      name: 'shoal_worker_event_loop_block_seconds',
      help: 'The longest the slot\'s worker\'s event loop was blocked within its last heartbeat interval.',
      labelNames: ['slot'],
      registers,
    });
    this.memoryReplacements = new Counter({
      name: 'shoal_worker_memory_replacements_total',
      help: 'Workers replaced (replacement first, then drain) because their memory passed maxMemoryBytes.',
      labelNames: ['slot'],
      registers,
    });
    this.upgrades = new Counter({
      name: 'shoal_supervisor_upgrades_total',
      help: 'In-place upgrades of the supervisor (shoal upgrade, SIGUSR2), by result: ok (a new supervisor took over), failed (the old one goes on).',
      labelNames: ['result'],
      registers,
    });
    this.foreignListeners = new Gauge({
      name: 'shoal_foreign_listeners',
      help: 'Sockets of other processes listening on the listener\'s port, which the kernel gives a share of its traffic (docs/port-ownership.md).',
      labelNames: ['listener'],
      registers,
    });
    this.reuseportSelector = new Gauge({
      name: 'shoal_reuseport_selector',
      help: '1 while a reuseport BPF program keeps the listener\'s traffic on the service\'s own sockets, so that a late joiner on the port gets none (docs/port-ownership.md).',
      labelNames: ['listener'],
      registers,
    });
    for (const result of ['ok', 'failed']) {
      this.reloads.inc({ result }, 0);
      this.upgrades.inc({ result }, 0);
    }
    for (const outcome of ['completed', 'forced', 'handed-off']) this.drainedConnections.inc({ outcome }, 0);
    // Every slot's series exists from the start, so dashboards see 0 rather than nothing.
    for (let slot = 0; slot < workers; slot++) {
      this.restarts.inc({ slot: String(slot) }, 0);
      this.crashLoop.set({ slot: String(slot) }, 0);
      this.hangs.inc({ slot: String(slot) }, 0);
      this.memoryReplacements.inc({ slot: String(slot) }, 0);
      this.degraded.set({ slot: String(slot) }, 0);
      this.degradedEpisodes.inc({ slot: String(slot) }, 0);
    }
  }
}
