import type { Wire } from '../../src/dispatch/dispatch';
import { payloadReply } from '../../src/dispatch/reply';
import type { Logger } from '../../src/logger';
import type { WorkerMetrics } from '../../src/metrics/worker-metrics';

export const spec = { name: 'echo', transport: 'tcp', host: '127.0.0.1', port: 0, options: {} };

/** The context of one call, as a transport's would be. */
export interface Call {
  id: number;
}

/** A wire that records what the dispatch path asked of it. */
export function recordingWire(extra: Partial<Wire<Call>> = {}) {
  const seen: string[] = [];
  const errors: unknown[] = [];
  const wire: Wire<Call> = {
    checkReply: payloadReply,
    reply: (value, call) => void seen.push(`reply ${call.id} ${String(value)}`),
    replyError: (code, error, call) => {
      errors.push(error);
      seen.push(`error ${call.id} ${code}`);
    },
    close: (call) => void seen.push(`close ${call.id}`),
    logFields: (call) => ({ call: call.id }),
    ...extra,
  };
  return { wire, seen, errors };
}

/** A logger that keeps its lines. */
export function fakeLogger() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const log = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, fields, message });
  return { logger: { error: log('error'), warn: log('warn') } as unknown as Logger, lines };
}

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
