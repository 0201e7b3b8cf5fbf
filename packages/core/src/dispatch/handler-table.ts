import { ERR_HANDLER_FAILED, ShoalError } from '../errors';
import type { HistogramSeries, ListenerMetrics } from '../metrics';

/** One application method bound to an event of a listener (from a decorator). */
export interface HandlerBinding {
  readonly listener: string;
  readonly event: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** `ClassName.method`, for errors and logs. */
  readonly name: string;
  readonly fn: (...args: any[]) => unknown;
}

const CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;

/** The error code a handler failure is counted and answered under. */
export function handlerErrorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CODE_PATTERN.test(code) ? code : ERR_HANDLER_FAILED.code;
}

/**
 * A handler with its metrics: `invoke` returns the handler's value (or a
 * promise of it) and times it; a throw or rejection is counted under its
 * code and re-raised as a ShoalError for the transport to answer.
 */
export class InstrumentedHandler {
  readonly name: string;
  readonly options: Readonly<Record<string, unknown>>;
  private readonly fn: (...args: any[]) => unknown;
  private readonly duration: HistogramSeries;

  constructor(
    binding: HandlerBinding,
    private readonly metrics: ListenerMetrics,
  ) {
    this.name = binding.name;
    this.options = binding.options;
    this.fn = binding.fn;
    this.event = binding.event;
    this.duration = metrics.handlerDuration(binding.event);
  }

  readonly event: string;

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

  private observe(start: number): void {
    this.duration.observe((performance.now() - start) / 1000);
  }

  private failed(err: unknown, start: number): ShoalError {
    this.observe(start);
    const code = handlerErrorCode(err);
    this.metrics.handlerError(this.event, code);
    if (err instanceof ShoalError) return err;
    const message = err instanceof Error ? err.message : String(err);
    const wrapped = new ERR_HANDLER_FAILED(this.name, message, { cause: err });
    if (code !== ERR_HANDLER_FAILED.code) (wrapped as { code: string }).code = code;
    return wrapped;
  }
}

/** The handlers of one listener, by event. */
export class HandlerTable {
  private readonly byEvent = new Map<string, InstrumentedHandler[]>();

  constructor(bindings: readonly HandlerBinding[], metrics: ListenerMetrics) {
    for (const binding of bindings) {
      const list = this.byEvent.get(binding.event) ?? [];
      list.push(new InstrumentedHandler(binding, metrics));
      this.byEvent.set(binding.event, list);
    }
  }

  /** The handler of an event, or undefined when the app has none. */
  get(event: string): InstrumentedHandler | undefined {
    return this.byEvent.get(event)?.[0];
  }

  /** Every handler of an event (HTTP routes may bind several). */
  all(event: string): readonly InstrumentedHandler[] {
    return this.byEvent.get(event) ?? [];
  }
}
