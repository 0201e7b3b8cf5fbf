import 'reflect-metadata';
import type { PipeTransform, Type } from '@nestjs/common';

/**
 * Nest's key for parameter decorators (`ROUTE_ARGS_METADATA` of
 * @nestjs/common, spelt out so that this room does not load Nest). Using
 * Nest's key is what lets `createParamDecorator` decorators, and
 * @nestjs/microservices' own `@Payload()` and `@Ctx()`, work on Shoal
 * handlers too.
 */
export const PARAM_ARGS_METADATA = '__routeArguments__';

/**
 * The parameter types of Shoal's parameter decorators. PAYLOAD and CONTEXT
 * are @nestjs/microservices' RpcParamtype values, so that its decorators mean
 * the same here; JSON_PAYLOAD is Shoal's own.
 */
export const SHOAL_PARAM = Object.freeze({ PAYLOAD: 3, CONTEXT: 6, JSON_PAYLOAD: 31 });

type Pipe = Type<PipeTransform> | PipeTransform;

function paramDecorator(decorator: string, type: number, dataOrPipe: string | Pipe | undefined, pipes: Pipe[]): ParameterDecorator {
  const hasData = dataOrPipe === undefined || dataOrPipe === null || typeof dataOrPipe === 'string';
  const data = hasData ? dataOrPipe : undefined;
  const all = hasData ? pipes : [dataOrPipe, ...pipes];
  return (target, key, index) => {
    if (key === undefined) throw new TypeError(`@${decorator}() marks a parameter of a handler method, not of a constructor`);
    const args: Record<string, unknown> = Reflect.getMetadata(PARAM_ARGS_METADATA, target.constructor, key) ?? {};
    Reflect.defineMetadata(PARAM_ARGS_METADATA, { ...args, [`${type}:${index}`]: { index, data, pipes: all } }, target.constructor, key);
  };
}

/**
 * The handler's first argument: the payload of a message or datagram (a
 * Buffer on TCP, UDP and SCTP), as the transport gives it, through the given
 * pipes and those of `@UsePipes` and the global ones; with a property name,
 * that property of it. As @nestjs/microservices' `@Payload()`. Once one
 * parameter of a handler is decorated, the handler gets only decorated
 * parameters: mark the context with `@Ctx()`.
 *
 * `handle(@Payload(new ParseIntPipe()) n: number, @Ctx() ctx: TcpContext)`
 */
export function Payload(): ParameterDecorator;
export function Payload(...pipes: Pipe[]): ParameterDecorator;
export function Payload(property?: string, ...pipes: Pipe[]): ParameterDecorator;
export function Payload(dataOrPipe?: string | Pipe, ...pipes: Pipe[]): ParameterDecorator {
  return paramDecorator('Payload', SHOAL_PARAM.PAYLOAD, dataOrPipe, pipes);
}

/**
 * The handler's first argument parsed as JSON (UTF-8) before any pipe runs,
 * so that a `ValidationPipe` (global, `@UsePipes` or given here) validates
 * and transforms the object, not the bytes. A Buffer, Uint8Array or string is
 * parsed; any other value is passed on as it is. Invalid JSON fails the call
 * with SHOAL_ERR_PAYLOAD_INVALID_JSON, answered by the listener's
 * `onHandlerError`. With a property name, that property of the parsed value.
 *
 * `create(@JsonPayload() order: CreateOrder)` with `@UsePipes(new ValidationPipe())`
 */
export function JsonPayload(): ParameterDecorator;
export function JsonPayload(...pipes: Pipe[]): ParameterDecorator;
export function JsonPayload(property?: string, ...pipes: Pipe[]): ParameterDecorator;
export function JsonPayload(dataOrPipe?: string | Pipe, ...pipes: Pipe[]): ParameterDecorator {
  return paramDecorator('JsonPayload', SHOAL_PARAM.JSON_PAYLOAD, dataOrPipe, pipes);
}

/**
 * The transport's context of the call (TcpContext, UdpContext, HttpContext,
 * an SCTP association), whichever argument of the handler it is. As
 * @nestjs/microservices' `@Ctx()`.
 */
export function Ctx(): ParameterDecorator {
  return paramDecorator('Ctx', SHOAL_PARAM.CONTEXT, undefined, []);
}
