import type { ListenerMetrics } from '../metrics';
import { type DispatchOptions, Dispatcher, type Wire } from './dispatch';
import { type HandlerBinding, InstrumentedHandler } from './handler';

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

  /** The handler of an event bound to the transport's wire, or undefined when the app has none. */
  dispatcher<C>(event: string, wire: Wire<C>, options: DispatchOptions): Dispatcher<C> | undefined {
    const handler = this.byEvent.get(event)?.[0];
    return handler === undefined ? undefined : new Dispatcher(handler, wire, options);
  }

  /** Every handler of an event (HTTP routes may bind several), each bound to the wire. */
  dispatchers<C>(event: string, wire: Wire<C>, options: DispatchOptions): Dispatcher<C>[] {
    return this.all(event).map((handler) => new Dispatcher(handler, wire, options));
  }

  /** Every handler of an event. */
  all(event: string): readonly InstrumentedHandler[] {
    return this.byEvent.get(event) ?? [];
  }
}
