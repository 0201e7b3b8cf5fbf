/**
 * Nest's enhancers on Shoal handlers: guards, interceptors, pipes and
 * exception filters (a method's, its class's and the global ones) run
 * through Nest's own machinery for handlers outside its router,
 * `ExternalContextCreator` (as @nestjs/graphql uses it; @nestjs/microservices
 * builds the same from the same parts), with the context type 'shoal'. Only
 * a method that needs it is wrapped, once per binding; the dispatch path
 * (dispatch/dispatch.ts) calls the wrapper like any handler, with the call's
 * transport context first.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { ApplicationConfig, ExternalContextCreator, type ParamsFactory } from '@nestjs/core';
import { isObservable, lastValueFrom } from 'rxjs';
import { PARAM_ARGS_METADATA, SHOAL_CONTEXT_TYPE, SHOAL_PARAM, type ShoalCall, currentShoalCall, runShoalCall } from '../app';
import { ERR_PAYLOAD_INVALID_JSON } from '../errors';

type Method = (...args: unknown[]) => unknown;

/**
 * The metadata keys @UseGuards, @UseInterceptors and @UseFilters write (those
 * of @nestjs/common/constants, which is no public entry point; a test checks
 * that they agree).
 */
export const ENHANCER_METADATA = Object.freeze({ guards: '__guards__', interceptors: '__interceptors__', filters: '__exceptionFilters__' });

/** What one binding of a method is: its listener, event and name. */
export interface EnhancedBinding {
  readonly listener: string;
  readonly event: string;
  readonly name: string;
}

/** An Observable's last value (a promise of it, undefined when it completes without one); any other value as it is. */
function lastValue(value: unknown): unknown {
  return isObservable(value) ? lastValueFrom(value, { defaultValue: undefined }) : value;
}

function pick(value: unknown, property: unknown): unknown {
  return typeof property === 'string' && property.length > 0 ? (value as Record<string, unknown> | null | undefined)?.[property] : value;
}

function parseJson(value: unknown): unknown {
  if (!(value instanceof Uint8Array) && typeof value !== 'string') return value;
  const text = typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    const reason = text.length === 0 ? 'it is empty' : (err as Error).message;
    throw new ERR_PAYLOAD_INVALID_JSON(currentShoalCall()?.handler ?? 'a handler', reason, { cause: err });
  }
}

/** What @Payload(), @JsonPayload() and @Ctx() (app/param-decorators.ts) give a handler's parameter. */
const SHOAL_PARAMS: ParamsFactory = {
  exchangeKeyForValue(type: number, data: unknown, args: unknown[]): unknown {
    switch (type) {
      case SHOAL_PARAM.PAYLOAD:
        return pick(args[0], data);
      case SHOAL_PARAM.JSON_PAYLOAD:
        return pick(parseJson(args[0]), data);
      case SHOAL_PARAM.CONTEXT:
        return currentShoalCall()?.context;
      default:
        return undefined;
    }
  },
};

const nonEmpty = (value: unknown): boolean =>
  Array.isArray(value) ? value.length > 0 : value !== null && typeof value === 'object' && Object.keys(value).length > 0;

/**
 * Wraps the handler methods of one Nest application (an application context,
 * as the worker boots, or a full application) that need Nest's enhancers.
 */
export class HandlerEnhancers {
  private readonly config: ApplicationConfig;
  private readonly creator: ExternalContextCreator;

  constructor(app: INestApplicationContext) {
    // Every module provides the container's ApplicationConfig: the APP_GUARD,
    // APP_INTERCEPTOR, APP_PIPE and APP_FILTER providers, and a full
    // application's useGlobalGuards() and the like, all end up there.
    this.config = app.get(ApplicationConfig, { strict: false });
    // Nest's own creator, with one change seen only here: an Observable that
    // completes without a value (an interceptor's EMPTY) is no reply rather
    // than rxjs's EmptyError.
    this.creator = Object.create(app.get(ExternalContextCreator, { strict: false }), {
      transformToResult: { value: lastValue },
    }) as ExternalContextCreator;
  }

  /**
   * The function the dispatch path calls for `binding` of `method` (the
   * method `methodName` of `instance`'s class), or undefined when the method
   * has no guard, interceptor or exception filter (its own, its class's, or
   * global) and no decorated parameter: then it keeps the plain bound method.
   * Pipes alone do not wrap a method, since Nest applies pipes to decorated
   * parameters only.
   *
   * The wrapper takes the call's transport context, then the handler's
   * arguments (which guards and interceptors see as `getArgs()`), and runs
   * the call as a ShoalCall (`shoalCallOf(host)`, `@Ctx()`). Its promise
   * resolves to the reply (an exception filter's return value included,
   * Observables reduced to their last value) or rejects with what a guard,
   * pipe, handler or filter threw.
   */
  wrap(instance: object, method: Method, methodName: string, binding: EnhancedBinding): ((context: unknown, ...args: unknown[]) => Promise<unknown>) | undefined {
    const declared = (key: string) => nonEmpty(Reflect.getMetadata(key, method)) || nonEmpty(Reflect.getMetadata(key, instance.constructor));
    const config = this.config;
    const guards = declared(ENHANCER_METADATA.guards) || config.getGlobalGuards().length > 0;
    const interceptors = declared(ENHANCER_METADATA.interceptors) || config.getGlobalInterceptors().length > 0;
    const filters = declared(ENHANCER_METADATA.filters) || config.getGlobalFilters().length > 0;
    const params = nonEmpty(Reflect.getMetadata(PARAM_ARGS_METADATA, instance.constructor, methodName));
    if (!guards && !interceptors && !filters && !params) return undefined;

    // Without filters, Nest's fallback filter would log every failure before
    // rethrowing it; the dispatch path logs it once.
    const run = this.creator.create(instance, method, methodName, PARAM_ARGS_METADATA, SHOAL_PARAMS, undefined, undefined, { guards: true, interceptors: true, filters }, SHOAL_CONTEXT_TYPE);
    const { listener, event, name } = binding;
    // Only a filter's return value may still be an Observable here (Nest reduced the handler's and the interceptors').
    const settle = filters ? (args: unknown[]): Promise<unknown> => run(...args).then(lastValue) : (args: unknown[]): Promise<unknown> => run(...args);
    return (context: unknown, ...args: unknown[]) => {
      const call: ShoalCall = { listener, event, handler: name, context };
      return runShoalCall(call, settle, args);
    };
  }
}
