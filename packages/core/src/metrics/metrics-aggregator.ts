import { AggregatorRegistry, Registry } from 'prom-client';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';

/** A worker registry's metrics as JSON, as they travel over IPC. */
export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

/**
 * The counters a new supervisor continues from after an upgrade: cumulative
 * metrics only (counters, histograms), so that sums stay monotonic.
 */
export interface CarriedMetricsSnapshot {
  /** Every worker's counters so far, summed (live, retired, and those carried from before). */
  workers: MetricsSnapshot;
  /** The supervisor's own counters (restarts, reloads, upgrades...). */
  supervisor: MetricsSnapshot;
}

/** Metric types whose values only grow, so a retired worker's last values stay in the sum. */
const CUMULATIVE_TYPES = new Set(['counter', 'histogram']);

/**
 * Sums the workers' registries into one exposition. Counters and histograms
 * of workers that exited are folded into a "retired" snapshot, so the sum
 * never goes down when a worker is replaced or crashes. (What a crashed
 * worker counted after its last snapshot is lost; the supervisor refreshes
 * snapshots periodically to keep that small.)
 */
export class MetricsAggregator {
  private retired: MetricsSnapshot = [];
  private folding: Promise<void> = Promise.resolve();
  /** What the supervisor this one took over from had counted (an upgrade). */
  private inherited: CarriedMetricsSnapshot = { workers: [], supervisor: [] };

  /** Upgrade, new side: the old supervisor's counters; a later copy replaces an earlier one (they only grow). */
  inherit(carried: CarriedMetricsSnapshot): void {
    this.inherited = carried;
  }

  /** Upgrade, old side: everything counted so far, for the new supervisor to continue from. */
  async carry(live: readonly MetricsSnapshot[], own: Registry<any>): Promise<CarriedMetricsSnapshot> {
    await this.folding;
    const workers = await sum([...live, this.retired, this.inherited.workers]);
    const supervisor = await sum([(await own.getMetricsAsJSON()) as MetricsSnapshot, this.inherited.supervisor]);
    return { workers: cumulative(workers), supervisor: cumulative(supervisor) };
  }

  /** Folds a worker's last snapshot into the retired sums. */
  retire(snapshot: MetricsSnapshot | undefined): Promise<void> {
    if (!snapshot) return this.folding;
    const counted = cumulative(snapshot);
    this.folding = this.folding.then(async () => {
      this.retired = await sum([this.retired, counted]);
    });
    return this.folding;
  }

  /** Live workers' snapshots plus the retired sums, plus the supervisor's own registry (and what was carried over). */
  async render(live: readonly MetricsSnapshot[], own: Registry<any>): Promise<string> {
    await this.folding;
    const snapshots = [...live, this.retired, this.inherited.workers].filter((s) => s.length > 0);
    const aggregated: Registry<any> = AggregatorRegistry.aggregate(snapshots as any);
    if (this.inherited.supervisor.length === 0) return Registry.merge([aggregated, own]).metrics();
    // The old supervisor's counters add to this one's own (gauges are not carried: they stay this one's).
    const ownWithCarried: Registry<any> = AggregatorRegistry.aggregate([(await own.getMetricsAsJSON()) as MetricsSnapshot, this.inherited.supervisor] as any);
    return Registry.merge([aggregated, ownWithCarried]).metrics();
  }
}

function cumulative(snapshot: MetricsSnapshot): MetricsSnapshot {
  return snapshot.filter((metric) => CUMULATIVE_TYPES.has(String(metric.type)));
}

async function sum(snapshots: readonly MetricsSnapshot[]): Promise<MetricsSnapshot> {
  const merged: Registry<any> = AggregatorRegistry.aggregate(snapshots.filter((s) => s.length > 0) as any);
  return (await merged.getMetricsAsJSON()) as MetricsSnapshot;
}
