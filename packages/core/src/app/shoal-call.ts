import { AsyncLocalStorage } from 'node:async_hooks';
import type { ArgumentsHost } from '@nestjs/common';

/**
 * What `host.getType()` answers in a guard, interceptor, pipe's custom
 * decorator or exception filter that runs around a Shoal handler (HTTP
 * controllers answer 'http', microservices 'rpc'):
 * `if (host.getType<ShoalContextType>() === 'shoal') ...`.
 */
export type ShoalContextType = 'shoal';
export const SHOAL_CONTEXT_TYPE: ShoalContextType = 'shoal';

/** One call of a Shoal handler whose enhancers are running, as `shoalCallOf(host)` gives it. */
export interface ShoalCall<C = unknown> {
  /** The listener's name from the configuration. */
  readonly listener: string;
  /** The transport's event: 'message', 'datagram', 'request', 'connect', ... */
  readonly event: string;
  /** `ClassName.method`. */
  readonly handler: string;
  /**
   * The transport's context of this call (TcpContext, UdpContext,
   * HttpContext, an SCTP association), whatever position it has among the
   * handler's arguments.
   */
  readonly context: C;
}

/**
 * The calls whose enhancers run, kept with each call's asynchronous work.
 * One store per process even when two copies of @shoal/core are loaded (the
 * CLI's and the app's), so that the app's `shoalCallOf` sees the runtime's
 * calls. Created on the first call of a handler that has enhancers: an app
 * without any never makes one.
 */
const CALLS = Symbol.for('@shoal/core:shoal-calls');
type Registry = { [CALLS]?: AsyncLocalStorage<ShoalCall> };

/** Runs `fn(...args)` as part of `call` (the worker's enhancer wrapper does this for each call). */
export function runShoalCall<A extends unknown[], R>(call: ShoalCall, fn: (...args: A) => R, ...args: A): R {
  const registry = globalThis as Registry;
  return (registry[CALLS] ??= new AsyncLocalStorage<ShoalCall>()).run(call, fn, ...args);
}

/** The Shoal call running now, if any (the `@Ctx()` parameter reads its context). */
export function currentShoalCall(): ShoalCall | undefined {
  return (globalThis as Registry)[CALLS]?.getStore();
}

/**
 * The Shoal call an ExecutionContext or ArgumentsHost belongs to: its
 * listener, event, handler name and the transport's context; undefined when
 * the host is not a Shoal handler's (an HTTP controller's, say), so that one
 * global guard can serve both.
 *
 * ```ts
 * canActivate(context: ExecutionContext) {
 *   const call = shoalCallOf<TcpContext>(context);
 *   return call === undefined || call.context.remoteAddress === '127.0.0.1';
 * }
 * ```
 */
export function shoalCallOf<C = unknown>(host: ArgumentsHost): ShoalCall<C> | undefined {
  if (host.getType<string>() !== SHOAL_CONTEXT_TYPE) return undefined;
  return currentShoalCall() as ShoalCall<C> | undefined;
}
