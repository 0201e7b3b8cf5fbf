import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { ERR_HANDLER_DUPLICATE, ERR_HANDLER_UNKNOWN_LISTENER, ERR_HANDLER_UNSUPPORTED_EVENT } from '../errors';
import { broadcastChannelsOf, handlerMetadataOf } from '../app';
import type { HandlerBinding } from '../dispatch';
import type { ListenerSpec, Transport } from '../transport';
import { HandlerEnhancers } from './enhancers';

/**
 * Finds every method marked with a Shoal decorator on the providers and
 * controllers Nest instantiated, bound to its instance; or, for a method
 * with Nest enhancers (guards, interceptors, exception filters, decorated
 * parameters; see enhancers.ts), wrapped once per binding to run them. `app`
 * is the worker's application context or a full Nest application; global
 * enhancers registered before this call apply.
 */
export function discoverHandlers(app: INestApplicationContext): HandlerBinding[] {
  const discovery = app.get(DiscoveryService);
  const scanner = app.get(MetadataScanner);
  const enhancers = new HandlerEnhancers(app);
  const seen = new Set<object>();
  const bindings: HandlerBinding[] = [];
  for (const wrapper of [...discovery.getProviders(), ...discovery.getControllers()]) {
    const instance = wrapper.instance as Record<string, unknown> | undefined;
    if (!instance || typeof instance !== 'object' || seen.has(instance)) continue;
    seen.add(instance);
    const prototype = Object.getPrototypeOf(instance) as object;
    for (const method of scanner.getAllMethodNames(prototype)) {
      const fn = (prototype as Record<string, unknown>)[method];
      for (const meta of handlerMetadataOf(fn)) {
        const name = `${instance.constructor.name}.${method}`;
        const enhanced = enhancers.wrap(instance, fn as (...args: unknown[]) => unknown, method, { listener: meta.listener, event: meta.event, name });
        bindings.push({
          listener: meta.listener,
          event: meta.event,
          options: meta.options,
          name,
          ...(enhanced === undefined ? { fn: (fn as (...args: unknown[]) => unknown).bind(instance) } : { fn: enhanced, enhanced: true }),
        });
      }
    }
  }
  return bindings;
}

/** Every binding must name a configured listener and an event its transport emits, once. */
export function checkBindings(
  bindings: readonly HandlerBinding[],
  listeners: readonly ListenerSpec[],
  transports: ReadonlyMap<string, Transport>,
): void {
  const specs = new Map(listeners.map((spec) => [spec.name, spec]));
  const claimed = new Map<string, string>();
  for (const binding of bindings) {
    const spec = specs.get(binding.listener);
    if (!spec) throw new ERR_HANDLER_UNKNOWN_LISTENER(binding.name, binding.listener, [...specs.keys()]);
    const transport = transports.get(spec.transport)!;
    if (!transport.events.includes(binding.event)) {
      throw new ERR_HANDLER_UNSUPPORTED_EVENT(binding.name, binding.event, spec.name, transport.name, transport.events);
    }
    const key = `${binding.listener}\0${binding.event}\0${JSON.stringify(binding.options)}`;
    const first = claimed.get(key);
    if (first) throw new ERR_HANDLER_DUPLICATE(binding.event, binding.listener, first, binding.name);
    claimed.set(key, binding.name);
  }
}

/** A provider method marked with @OnBroadcast, bound to its instance. */
export interface BroadcastSubscriber {
  readonly channel: string;
  readonly fn: (message: unknown, channel: string) => unknown;
}

/** Every @OnBroadcast method of the providers and controllers Nest instantiated. */
export function discoverBroadcastSubscribers(app: INestApplicationContext): BroadcastSubscriber[] {
  const discovery = app.get(DiscoveryService);
  const scanner = app.get(MetadataScanner);
  const seen = new Set<object>();
  const subscribers: BroadcastSubscriber[] = [];
  for (const wrapper of [...discovery.getProviders(), ...discovery.getControllers()]) {
    const instance = wrapper.instance as Record<string, unknown> | undefined;
    if (!instance || typeof instance !== 'object' || seen.has(instance)) continue;
    seen.add(instance);
    const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
    for (const method of scanner.getAllMethodNames(prototype)) {
      const fn = prototype[method];
      for (const channel of broadcastChannelsOf(fn)) subscribers.push({ channel, fn: (fn as (m: unknown, c: string) => unknown).bind(instance) });
    }
  }
  return subscribers;
}
