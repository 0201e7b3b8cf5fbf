import type { HistogramSeries, ListenerMetrics } from '../metrics';

/** One application method bound to an event of a listener (from a decorator). */
export interface HandlerBinding {
  readonly listener: string;
  readonly event: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** `ClassName.method`, for errors and logs. */
  readonly name: string;
  /**
   * What the dispatch path calls: the method bound to its instance, wrapped
   * once at discovery time when it has enhancers (see dispatch.ts).
   */
  readonly fn: (...args: any[]) => unknown;
}

/** A handler with its metrics: what a Dispatcher runs (dispatch.ts). */
export class InstrumentedHandler {
  readonly name: string;
  readonly event: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly fn: (...args: any[]) => unknown;
  /** shoal_handler_duration_seconds of this handler's event. */
  readonly duration: HistogramSeries;

  constructor(
    binding: HandlerBinding,
    private readonly metrics: ListenerMetrics,
  ) {
    this.name = binding.name;
    this.event = binding.event;
    this.options = binding.options;
    this.fn = binding.fn;
    this.duration = metrics.handlerDuration(binding.event);
  }

  /** Counts a failure under its code. */
  countError(code: string): void {
    this.metrics.handlerError(this.event, code);
  }
}
