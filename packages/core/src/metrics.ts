import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CounterConfiguration, GaugeConfiguration, HistogramConfiguration } from 'prom-client';
import type { ListenerSpec } from './transport';

const HANDLER_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The framework's metrics in one worker: one registry that the supervisor
 * collects over IPC and aggregates across workers.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly connectionsActive: Gauge<'listener' | 'transport'>;
  readonly connectionsTotal: Counter<'listener' | 'transport'>;
  readonly messagesReceived: Counter<'listener' | 'transport'>;
  readonly messagesSent: Counter<'listener' | 'transport'>;
  readonly bytesReceived: Counter<'listener' | 'transport'>;
  readonly bytesSent: Counter<'listener' | 'transport'>;
  readonly handlerDuration: Histogram<'listener' | 'transport' | 'event'>;
  readonly handlerErrors: Counter<'listener' | 'transport' | 'event' | 'code'>;
  readonly protocolErrors: Counter<'listener' | 'transport' | 'code'>;

  constructor() {
    const registers = [this.registry];
    const perListener = ['listener', 'transport'] as const;
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    this.connectionsActive = new Gauge({ name: 'shoal_connections_active', help: 'Connections open now.', labelNames: perListener, registers });
    this.connectionsTotal = new Counter({ name: 'shoal_connections_total', help: 'Connections accepted.', labelNames: perListener, registers });
    this.messagesReceived = new Counter({ name: 'shoal_messages_received_total', help: 'Messages (frames, datagrams, requests) received.', labelNames: perListener, registers });
    this.messagesSent = new Counter({ name: 'shoal_messages_sent_total', help: 'Messages (frames, datagrams, responses) sent.', labelNames: perListener, registers });
    this.bytesReceived = new Counter({ name: 'shoal_bytes_received_total', help: 'Payload bytes received.', labelNames: perListener, registers });
    this.bytesSent = new Counter({ name: 'shoal_bytes_sent_total', help: 'Payload bytes sent.', labelNames: perListener, registers });
    this.handlerDuration = new Histogram({
      name: 'shoal_handler_duration_seconds',
      help: 'Time spent in application handlers, until their promise settles.',
      labelNames: ['listener', 'transport', 'event'],
      buckets: HANDLER_BUCKETS,
      registers,
    });
    this.handlerErrors = new Counter({ name: 'shoal_handler_errors_total', help: 'Handlers that threw or rejected, by error code.', labelNames: ['listener', 'transport', 'event', 'code'], registers });
    this.protocolErrors = new Counter({ name: 'shoal_protocol_errors_total', help: 'Connections or messages refused by the transport (bad or oversized frames, ...), by error code.', labelNames: ['listener', 'transport', 'code'], registers });
  }

  forListener(spec: ListenerSpec): ListenerMetrics {
    return new ListenerMetrics(this, spec);
  }
}

/** The framework metrics of one listener, with its labels bound once. */
export class ListenerMetrics {
  private readonly labels: { listener: string; transport: string };
  private readonly active: ReturnType<Gauge['labels']>;
  private readonly accepted: ReturnType<Counter['labels']>;
  private readonly inMessages: ReturnType<Counter['labels']>;
  private readonly outMessages: ReturnType<Counter['labels']>;
  private readonly inBytes: ReturnType<Counter['labels']>;
  private readonly outBytes: ReturnType<Counter['labels']>;

  constructor(private readonly metrics: WorkerMetrics, spec: ListenerSpec) {
    this.labels = { listener: spec.name, transport: spec.transport };
    this.active = metrics.connectionsActive.labels(this.labels);
    this.accepted = metrics.connectionsTotal.labels(this.labels);
    this.inMessages = metrics.messagesReceived.labels(this.labels);
    this.outMessages = metrics.messagesSent.labels(this.labels);
    this.inBytes = metrics.bytesReceived.labels(this.labels);
    this.outBytes = metrics.bytesSent.labels(this.labels);
    // Series exist from the start, so a scrape shows 0 rather than nothing.
    this.active.set(0);
    this.accepted.inc(0);
    this.inMessages.inc(0);
    this.outMessages.inc(0);
    this.inBytes.inc(0);
    this.outBytes.inc(0);
  }

  connectionOpened(): void {
    this.active.inc();
    this.accepted.inc();
  }

  connectionClosed(): void {
    this.active.dec();
  }

  received(bytes: number): void {
    this.inMessages.inc();
    this.inBytes.inc(bytes);
  }

  sent(bytes: number): void {
    this.outMessages.inc();
    this.outBytes.inc(bytes);
  }

  protocolError(code: string): void {
    this.metrics.protocolErrors.inc({ ...this.labels, code });
  }

  handlerDuration(event: string): ReturnType<Histogram['labels']> {
    return this.metrics.handlerDuration.labels({ ...this.labels, event });
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
