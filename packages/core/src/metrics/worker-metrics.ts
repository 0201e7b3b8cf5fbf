import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CounterConfiguration, GaugeConfiguration, HistogramConfiguration } from 'prom-client';
/** What metrics need to know of a listener. */
export interface MeteredListener {
  readonly name: string;
  readonly transport: string;
}

const HANDLER_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * A histogram kept in plain numbers and shown to prom-client's registry in
 * its own JSON form: observing costs a few additions, where prom-client's
 * Histogram hashes its labels on every call. It aggregates across workers
 * like prom-client's (buckets, sum and count are summed).
 */
export class LocalHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly entries: { labels: Record<string, string>; buckets: Float64Array; sum: number; count: number }[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly upperBounds: readonly number[],
  ) {}

  /** One series; `observe` on what it returns is the hot path. */
  series(labels: Record<string, string>): HistogramSeries {
    const entry = { labels, buckets: new Float64Array(this.upperBounds.length), sum: 0, count: 0 };
    this.entries.push(entry);
    const bounds = this.upperBounds;
    return {
      observe(seconds: number): void {
        for (let i = 0; i < bounds.length; i++) {
          if (seconds <= bounds[i]) {
            entry.buckets[i]++;
            break;
          }
        }
        entry.sum += seconds;
        entry.count++;
      },
    };
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: { labels: Record<string, string | number>; value: number; metricName: string }[] } {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const series of this.entries) {
      let cumulative = 0;
      this.upperBounds.forEach((le, i) => {
        cumulative += series.buckets[i];
        values.push({ labels: { ...series.labels, le }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...series.labels, le: '+Inf' }, value: series.count, metricName: `${this.name}_bucket` });
      values.push({ labels: series.labels, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: series.labels, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const series of this.entries) {
      series.buckets.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}

export interface HistogramSeries {
  observe(seconds: number): void;
}

type ListenerLabels = 'listener' | 'transport';

/**
 * The framework's metrics in one worker: one registry that the supervisor
 * collects over IPC and aggregates across workers. Per-message counts are
 * plain numbers on each ListenerMetrics, handed to prom-client when the
 * registry is read, so the hot path never hashes labels.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly handlerDuration = new LocalHistogram(
    'shoal_handler_duration_seconds',
    'Time spent in application handlers, until their promise settles.',
    HANDLER_BUCKETS,
  );
  readonly handlerErrors: Counter<'listener' | 'transport' | 'event' | 'code'>;
  readonly protocolErrors: Counter<'listener' | 'transport' | 'code'>;
  private readonly listeners: ListenerMetrics[] = [];

  constructor() {
    const registers = [this.registry];
    const labelNames = ['listener', 'transport'] as const;
    const listeners = this.listeners;
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    new Gauge({
      name: 'shoal_connections_active',
      help: 'Connections open now.',
      labelNames,
      registers,
      collect() {
        for (const l of listeners) this.set(l.labels, l.active);
      },
    });
    const counter = (name: string, help: string, take: (l: ListenerMetrics) => number): void => {
      new Counter<ListenerLabels>({
        name,
        help,
        labelNames,
        registers,
        collect() {
          for (const l of listeners) this.inc(l.labels, take(l));
        },
      });
    };
    counter('shoal_connections_total', 'Connections accepted.', (l) => l.take('accepted'));
    counter('shoal_messages_received_total', 'Messages (frames, datagrams, requests) received.', (l) => l.take('messagesIn'));
    counter('shoal_messages_sent_total', 'Messages (frames, datagrams, responses) sent.', (l) => l.take('messagesOut'));
    counter('shoal_bytes_received_total', 'Payload bytes received.', (l) => l.take('bytesIn'));
    counter('shoal_bytes_sent_total', 'Payload bytes sent.', (l) => l.take('bytesOut'));
    this.registry.registerMetric(this.handlerDuration as never);
    this.handlerErrors = new Counter({ name: 'shoal_handler_errors_total', help: 'Handlers that threw or rejected, by error code.', labelNames: ['listener', 'transport', 'event', 'code'], registers });
    this.protocolErrors = new Counter({ name: 'shoal_protocol_errors_total', help: 'Connections or messages refused by the transport (bad or oversized frames, ...), by error code.', labelNames: ['listener', 'transport', 'code'], registers });
  }

  forListener(spec: MeteredListener): ListenerMetrics {
    const metrics = new ListenerMetrics(this, spec);
    this.listeners.push(metrics);
    return metrics;
  }
}

type Pending = 'accepted' | 'messagesIn' | 'messagesOut' | 'bytesIn' | 'bytesOut';

/** The framework metrics of one listener: plain counts, read into prom-client at collection. */
export class ListenerMetrics {
  readonly labels: { listener: string; transport: string };
  active = 0;
  private pending: Record<Pending, number> = { accepted: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 };
  private readonly durations = new Map<string, HistogramSeries>();

  constructor(private readonly metrics: WorkerMetrics, spec: MeteredListener) {
    this.labels = { listener: spec.name, transport: spec.transport };
  }

  /** The worker's registry, for a transport's own metrics (SCTP streams, notifications). */
  get registry(): Registry {
    return this.metrics.registry;
  }

  connectionOpened(): void {
    this.active++;
    this.pending.accepted++;
  }

  connectionClosed(): void {
    this.active--;
  }

  received(bytes: number): void {
    this.pending.messagesIn++;
    this.pending.bytesIn += bytes;
  }

  sent(bytes: number): void {
    this.pending.messagesOut++;
    this.pending.bytesOut += bytes;
  }

  /** What was counted since the last collection (which adds it to the prom-client counter). */
  take(which: Pending): number {
    const value = this.pending[which];
    this.pending[which] = 0;
    return value;
  }

  protocolError(code: string): void {
    this.metrics.protocolErrors.inc({ ...this.labels, code });
  }

  handlerDuration(event: string): HistogramSeries {
    let series = this.durations.get(event);
    if (!series) {
      series = this.metrics.handlerDuration.series({ ...this.labels, event });
      this.durations.set(event, series);
    }
    return series;
  }

  handlerError(event: string, code: string): void {
    this.metrics.handlerErrors.inc({ ...this.labels, event, code });
  }
}

/**
 * Injectable into application providers: the app's own metrics live in the
 * worker's registry and so appear, summed over workers, in the supervisor's
 * /metrics. Asking twice for the same name returns the same metric.
 */
export class ShoalMetrics {
  constructor(readonly registry: Registry) {}

  counter<T extends string>(config: CounterConfiguration<T>): Counter<T> {
    return (this.registry.getSingleMetric(config.name) as Counter<T>) ?? new Counter({ ...config, registers: [this.registry] });
  }

  gauge<T extends string>(config: GaugeConfiguration<T>): Gauge<T> {
    return (this.registry.getSingleMetric(config.name) as Gauge<T>) ?? new Gauge({ ...config, registers: [this.registry] });
  }

  histogram<T extends string>(config: HistogramConfiguration<T>): Histogram<T> {
    return (this.registry.getSingleMetric(config.name) as Histogram<T>) ?? new Histogram({ ...config, registers: [this.registry] });
  }
}
