import { ERR_HANDLER_FAILED, ShoalError } from '../errors';
import type { HistogramSeries, ListenerMetrics } from '../metrics';
import { handlerErrorCode } from './handler-error';

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

  /** Records the handler's time, from `start` (performance.now()) until now. */
  observe(start: number): void {
    this.duration.observe((performance.now() - start) / 1000);
  }

  /** Counts a failure under its code. */
  countError(code: string): void {
    this.metrics.handlerError(this.event, code);
  }

  /**
   * @deprecated Run handlers through a Dispatcher (`HandlerTable.dispatcher`),
   * which also checks the reply and answers errors by the listener's policy.
   * Kept until @shoal/transport-sctp moves onto it.
   *
   * Returns the handler's value (or a promise of it) and times it; a throw or
   * rejection is counted under its code and re-raised as a ShoalError.
   */
  invoke(...args: any[]): unknown {
    const start = performance.now();
    let result: unknown;
    try {
      result = this.fn(...args);
    } catch (err) {
      throw this.failed(err, start);
    }
    if (result !== null && typeof (result as Promise<unknown>)?.then === 'function') {
      return (result as Promise<unknown>).then(
        (value) => {
          this.observe(start);
          return value;
        },
        (err: unknown) => {
          throw this.failed(err, start);
        },
      );
    }
    this.observe(start);
    return result;
  }

  private failed(err: unknown, start: number): ShoalError {
    this.observe(start);
    const code = handlerErrorCode(err);
    this.countError(code);
    if (err instanceof ShoalError) return err;
    const message = err instanceof Error ? err.message : String(err);
    const wrapped = new ERR_HANDLER_FAILED(this.name, message, { cause: err });
    if (code !== ERR_HANDLER_FAILED.code) (wrapped as { code: string }).code = code;
    return wrapped;
  }
}
