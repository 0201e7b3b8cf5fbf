import type { WorkerMetrics } from '../../src/metrics/worker-metrics';

export const spec = { name: 'echo', transport: 'tcp', host: '127.0.0.1', port: 0, options: {} };

/** The sum of a metric's series whose labels include `labels` (for a histogram: its _count and _sum too). */
export async function metricValue(metrics: WorkerMetrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)!;
  return metric.values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((s, v) => s + v.value, 0);
}

/** The number of observations of a histogram's series. */
export async function histogramCount(metrics: WorkerMetrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)!;
  const values = metric.values as { labels: Record<string, unknown>; value: number; metricName?: string }[];
  return values
    .filter((v) => v.metricName === `${name}_count` && Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((s, v) => s + v.value, 0);
}
