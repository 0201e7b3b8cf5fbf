import type { HistogramSeries, ListenerMetrics } from '../metrics';

/** One application method bound to an event of a listener (from a decorator). */
export interface HandlerBinding {
  readonly listener: string;
  readonly event: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** `ClassName.method`, for errors and logs. */
  readonly name: string;
  /**
   * What the dispatch path calls: the method bound to its instance, or, for a
   * method with Nest enhancers, the wrapper discovery made for this binding
   * (see dispatch.ts and `enhanced`).
   */
  readonly fn: (...args: any[]) => unknown;
  /**
   * True when `fn` runs Nest's enhancers around the method: it takes the
   * call's transport context before the handler's arguments, and returns a
   * promise. Absent for a plain bound method.
   */
  readonly enhanced?: boolean;
}

/** A handler with its metrics: what a Dispatcher runs (dispatch.ts). */
export class InstrumentedHandler {
  readonly name: string;
  readonly event: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly fn: (...args: any[]) => unknown;
  /** `fn` runs Nest's enhancers and takes the transport context first (HandlerBinding.enhanced). */
  readonly enhanced: boolean;
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
    this.enhanced = binding.enhanced === true;
    this.duration = metrics.handlerDuration(binding.event);
  }

  /** Counts a failure under its code. */
  countError(code: string): void {
    this.metrics.handlerError(this.event, code);
  }
}
