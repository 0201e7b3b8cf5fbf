import { AggregatorRegistry, Registry } from 'prom-client';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';

/** A worker registry's metrics as JSON, as they travel over IPC. */
export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

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

  /** Folds a worker's last snapshot into the retired sums. */
  retire(snapshot: MetricsSnapshot | undefined): Promise<void> {
    if (!snapshot) return this.folding;
    const cumulative = snapshot.filter((metric) => CUMULATIVE_TYPES.has(String(metric.type)));
    this.folding = this.folding.then(async () => {
      const merged: Registry<any> = AggregatorRegistry.aggregate([this.retired, cumulative] as any);
      this.retired = (await merged.getMetricsAsJSON()) as MetricsSnapshot;
    });
    return this.folding;
  }

  /** Live workers' snapshots plus the retired sums, plus the supervisor's own registry. */
  async render(live: readonly MetricsSnapshot[], own: Registry<any>): Promise<string> {
    await this.folding;
    const snapshots = this.retired.length > 0 ? [...live, this.retired] : [...live];
    const aggregated: Registry<any> = AggregatorRegistry.aggregate(snapshots as any);
    return Registry.merge([aggregated, own]).metrics();
  }
}
