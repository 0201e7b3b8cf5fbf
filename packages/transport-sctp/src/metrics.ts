// SCTP metrics of a listener, in the worker's registry (the supervisor sums
// them over workers): associations, messages and bytes per stream (streams
// above MAX_STREAM_LABEL share the label "other", so cardinality stays
// bounded), notifications by type; and the kernel's SCTP statistics.
import { Counter, Gauge, type Registry } from 'prom-client';
import { sctpKernelMetrics } from '@shoal/sctp';

export const MAX_STREAM_LABEL = 15;
const STREAM_LABELS = [...Array.from({ length: MAX_STREAM_LABEL + 1 }, (_, i) => String(i)), 'other'];

type Labels = 'listener' | 'style';

interface Families {
  associations: Gauge<Labels>;
  messagesIn: Counter<Labels | 'stream'>;
  messagesOut: Counter<Labels | 'stream'>;
  bytesIn: Counter<Labels | 'stream'>;
  bytesOut: Counter<Labels | 'stream'>;
  notifications: Counter<Labels | 'type'>;
  handedOff: Counter<Labels>;
  listeners: SctpListenerMetrics[];
}

const families = new WeakMap<Registry, Families>();

function familiesOf(registry: Registry): Families {
  let f = families.get(registry);
  if (f) return f;
  const registers = [registry];
  const listeners: SctpListenerMetrics[] = [];
  const perStream = (name: string, help: string, pick: (m: SctpListenerMetrics) => Float64Array): Counter<Labels | 'stream'> =>
    new Counter({
      name,
      help,
      labelNames: ['listener', 'style', 'stream'],
      registers,
      collect() {
        for (const m of listeners) {
          const counts = pick(m);
          for (let i = 0; i < counts.length; i++) {
            if (counts[i] === 0) continue;
            this.inc({ ...m.labels, stream: STREAM_LABELS[i] }, counts[i]);
            counts[i] = 0;
          }
        }
      },
    });
  f = {
    listeners,
    associations: new Gauge({
      name: 'shoal_sctp_associations',
      help: 'SCTP associations this listener serves now.',
      labelNames: ['listener', 'style'],
      registers,
      collect() {
        // A worker may serve two sockets of one listener (its own and one inherited from a crash-looping slot).
        const sums = new Map<string, { labels: { listener: string; style: string }; value: number }>();
        for (const m of listeners) {
          const key = `${m.labels.listener}\0${m.labels.style}`;
          const entry = sums.get(key) ?? { labels: m.labels, value: 0 };
          entry.value += m.associations();
          sums.set(key, entry);
        }
        for (const { labels, value } of sums.values()) this.set(labels, value);
      },
    }),
    messagesIn: perStream('shoal_sctp_messages_received_total', 'SCTP messages received, by stream ("other" above 15).', (m) => m.messagesIn),
    messagesOut: perStream('shoal_sctp_messages_sent_total', 'SCTP messages sent, by stream ("other" above 15).', (m) => m.messagesOut),
    bytesIn: perStream('shoal_sctp_bytes_received_total', 'SCTP payload bytes received, by stream.', (m) => m.bytesIn),
    bytesOut: perStream('shoal_sctp_bytes_sent_total', 'SCTP payload bytes sent, by stream.', (m) => m.bytesOut),
    notifications: new Counter({
      name: 'shoal_sctp_notifications_total',
      help: 'SCTP notifications received, by type.',
      labelNames: ['listener', 'style', 'type'],
      registers,
    }),
    handedOff: new Counter({
      name: 'shoal_sctp_associations_handed_off_total',
      help: 'One-to-one associations this worker passed alive to its replacement during a reload.',
      labelNames: ['listener', 'style'],
      registers,
    }),
  };
  registerKernelMetrics(registry);
  families.set(registry, f);
  return f;
}

/**
 * The kernel's SCTP statistics (/proc/net/sctp/snmp, assocs, eps) as
 * shoal_sctp_kernel_*. Every worker reads the same kernel, so they are
 * gauges aggregated with "max" (a counter would be summed over workers).
 */
function registerKernelMetrics(registry: Registry): void {
  let snapshot: ReturnType<typeof sctpKernelMetrics>;
  try {
    snapshot = sctpKernelMetrics();
  } catch {
    return; // no /proc/net/sctp: the kernel has no SCTP loaded
  }
  let cached: { at: number; metrics: ReturnType<typeof sctpKernelMetrics> } = { at: Date.now(), metrics: snapshot };
  const read = (): ReturnType<typeof sctpKernelMetrics> => {
    if (Date.now() - cached.at > 200) {
      try {
        cached = { at: Date.now(), metrics: sctpKernelMetrics() };
      } catch {
        // keep the last values
      }
    }
    return cached.metrics;
  };
  for (const metric of snapshot) {
    const name = metric.name;
    registry.registerMetric({
      name,
      help: `${metric.help}${metric.type === 'counter' ? ' (a kernel counter, shown as a gauge: the max over workers)' : ''}`,
      type: 'gauge',
      aggregator: 'max',
      get: () => {
        const m = read().find((x) => x.name === name);
        return { name, help: metric.help, type: 'gauge', aggregator: 'max', values: m ? m.values : [] };
      },
      reset: () => undefined,
    } as never);
  }
}

/** Plain counts of one listener in one worker; prom-client reads them at collection. */
export class SctpListenerMetrics {
  readonly labels: { listener: string; style: string };
  readonly messagesIn = new Float64Array(STREAM_LABELS.length);
  readonly messagesOut = new Float64Array(STREAM_LABELS.length);
  readonly bytesIn = new Float64Array(STREAM_LABELS.length);
  readonly bytesOut = new Float64Array(STREAM_LABELS.length);
  private readonly f: Families;

  constructor(registry: Registry, listener: string, style: string, readonly associations: () => number) {
    this.labels = { listener, style };
    this.f = familiesOf(registry);
    this.f.listeners.push(this);
  }

  received(stream: number, bytes: number): void {
    const i = stream > MAX_STREAM_LABEL ? MAX_STREAM_LABEL + 1 : stream;
    this.messagesIn[i]++;
    this.bytesIn[i] += bytes;
  }

  sent(stream: number, bytes: number): void {
    const i = stream > MAX_STREAM_LABEL ? MAX_STREAM_LABEL + 1 : stream;
    this.messagesOut[i]++;
    this.bytesOut[i] += bytes;
  }

  notification(type: string): void {
    this.f.notifications.inc({ ...this.labels, type });
  }

  handedOff(): void {
    this.f.handedOff.inc(this.labels);
  }

  /** A listener that stopped (its counts were collected at the drain's last snapshot) leaves the gauge. */
  remove(): void {
    const i = this.f.listeners.indexOf(this);
    if (i >= 0) this.f.listeners.splice(i, 1);
  }
}
