/**
 * Nest's enhancers on Shoal handlers, with a real Nest application context:
 * discovery wraps what needs it, and the dispatch path runs the wrapper.
 */
import 'reflect-metadata';
import {
  BadRequestException,
  type ArgumentMetadata,
  type ArgumentsHost,
  type CallHandler,
  type CanActivate,
  Catch,
  type ExceptionFilter,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  type INestApplicationContext,
  Module,
  type NestInterceptor,
  ParseIntPipe,
  type PipeTransform,
  UseFilters,
  UseGuards,
  UseInterceptors,
  UsePipes,
  createParamDecorator,
} from '@nestjs/common';
import { EXCEPTION_FILTERS_METADATA, GUARDS_METADATA, INTERCEPTORS_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { APP_GUARD, APP_INTERCEPTOR, APP_PIPE, ApplicationConfig, DiscoveryModule, NestFactory } from '@nestjs/core';
import { EMPTY, type Observable, map, of, throwError } from 'rxjs';
import { OnEvent, OnMessage } from '../../src/app/decorators';
import { Ctx, JsonPayload, PARAM_ARGS_METADATA, Payload } from '../../src/app/param-decorators';
import { SHOAL_CONTEXT_TYPE, type ShoalCall, shoalCallOf } from '../../src/app/shoal-call';
import type { HandlerBinding } from '../../src/dispatch/handler';
import { HandlerTable } from '../../src/dispatch/handler-table';
import type { HandlerErrorPolicy } from '../../src/dispatch/handler-error-policy';
import { ERR_HANDLER_REPLY_INVALID, ERR_PAYLOAD_INVALID_JSON } from '../../src/errors';
import { WorkerMetrics } from '../../src/metrics/worker-metrics';
import { discoverHandlers } from '../../src/worker/discovery';
import { ENHANCER_METADATA } from '../../src/worker/enhancers';
import { type Call, fakeLogger, metricValue, recordingWire, spec } from '../dispatch/helpers';

// --- enhancers ---------------------------------------------------------------------------------

@Injectable()
class DenyGuard implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

/** What a guard saw of the call: the ExecutionContext of a Shoal handler. */
const seenByGuard: Record<string, unknown>[] = [];

@Injectable()
class InspectingGuard implements CanActivate {
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rpc = context.switchToRpc();
    seenByGuard.push({
      type: context.getType(),
      args: context.getArgs(),
      data: rpc.getData(),
      context: rpc.getContext(),
      class: context.getClass(),
      handler: context.getHandler(),
      call: shoalCallOf(context),
    });
    return true;
  }
}

@Injectable()
class UpperInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((value) => String(value).toUpperCase()));
  }
}

@Injectable()
class DropInterceptor implements NestInterceptor {
  intercept(): Observable<unknown> {
    return EMPTY;
  }
}

class Order {
  item!: string;
  qty!: number;
}

/** A pipe that validates against the parameter's declared type, as ValidationPipe does. */
@Injectable()
class OrderPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.metatype !== Order) return value;
    const order = value as Partial<Order> | null;
    if (typeof order?.item !== 'string' || typeof order.qty !== 'number') throw new BadRequestException('an order needs item and qty');
    return Object.assign(new Order(), order);
  }
}

@Catch(ForbiddenException)
class RefusalAsReply implements ExceptionFilter {
  catch(_error: ForbiddenException, host: ArgumentsHost): string {
    return `refused (${host.getType()}, ${String(host.getArgByIndex(0))})`;
  }
}

@Catch()
class ObservableFilter implements ExceptionFilter {
  catch(error: Error): Observable<unknown> {
    return error.message === 'soft' ? of('first', 'soft landing') : throwError(() => new BadRequestException());
  }
}

@Catch()
class WrongReplyFilter implements ExceptionFilter {
  catch(): unknown {
    return { not: 'bytes' };
  }
}

const Remote = createParamDecorator((_data: unknown, context: ExecutionContext) => `${context.getType()}:${shoalCallOf<Call>(context)?.context.id}`);

// --- handlers ----------------------------------------------------------------------------------

let refusedRan = 0;

@Injectable()
class Handlers {
  @OnMessage('echo')
  @UseGuards(DenyGuard)
  refused(): string {
    refusedRan++;
    return 'never';
  }

  @OnMessage('echo')
  @UseGuards(InspectingGuard)
  inspected(payload: Buffer, ctx: Call): string {
    return `${payload} for ${ctx.id}`;
  }

  @OnMessage('echo')
  @UseInterceptors(UpperInterceptor)
  upper(payload: Buffer): string {
    return `hello ${payload}`;
  }

  @OnMessage('echo')
  @UseInterceptors(UpperInterceptor)
  observable(): Observable<string> {
    return of('a', 'b', 'last');
  }

  @OnMessage('echo')
  observableWithoutValue(@Payload() _payload: Buffer): Observable<string> {
    return EMPTY;
  }

  @OnMessage('echo')
  @UseInterceptors(DropInterceptor)
  dropped(): string {
    return 'not sent';
  }

  @OnMessage('echo')
  double(@JsonPayload('n', ParseIntPipe) n: number): string {
    return String(n * 2);
  }

  @OnMessage('echo')
  @UsePipes(OrderPipe)
  order(@JsonPayload() order: Order, @Ctx() ctx: Call): string {
    return `${order instanceof Order} ${order.qty} x ${order.item} for ${ctx.id}`;
  }

  @OnMessage('echo')
  raw(@Payload() payload: Buffer, @Ctx() ctx: Call, @Remote() remote: string): string {
    return `${Buffer.isBuffer(payload)} ${payload} ${ctx.id} ${remote}`;
  }

  @OnMessage('echo')
  @UseGuards(DenyGuard)
  @UseFilters(RefusalAsReply)
  filtered(): string {
    return 'never';
  }

  @OnMessage('echo')
  @UseFilters(ObservableFilter)
  soft(payload: Buffer): string {
    throw new Error(payload.toString());
  }

  @OnMessage('echo')
  @UseFilters(WrongReplyFilter)
  wrongReply(): string {
    throw new Error('boom');
  }

  @OnMessage('echo')
  @UseGuards(InspectingGuard)
  wrongValue(): number {
    return 42;
  }

  /** An event whose handler takes only the context, as connect or an HTTP request. */
  @OnEvent('echo', 'connect')
  connected(@Ctx() ctx: Call): string {
    return `connected ${ctx.id}`;
  }

  @OnMessage('echo')
  plain(payload: Buffer): Buffer {
    return payload;
  }
}

@UseGuards(InspectingGuard)
@Injectable()
class ClassGuarded {
  @OnMessage('echo')
  handle(payload: Buffer): string {
    return `class ${payload}`;
  }
}

@Module({ imports: [DiscoveryModule], providers: [Handlers, ClassGuarded] })
class AppModule {}

// --- harness -----------------------------------------------------------------------------------

async function boot(module: unknown): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(module as never, { logger: false });
  apps.push(app);
  return app;
}

const apps: INestApplicationContext[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

/** A dispatcher for the binding of `name` (`Class.method`), as a transport builds it, with a recording wire. */
function dispatcherOf(bindings: HandlerBinding[], name: string, policy: HandlerErrorPolicy = 'reply') {
  const binding = bindings.find((b) => b.name === name);
  if (binding === undefined) throw new Error(`no binding ${name}`);
  const metrics = new WorkerMetrics();
  const table = new HandlerTable([binding], metrics.forListener(spec));
  const recorded = recordingWire();
  const { logger, lines } = fakeLogger();
  const dispatcher = table.dispatcher(binding.event, recorded.wire, { onHandlerError: policy, logger })!;
  const errorCount = (code: string) => metricValue(metrics, 'shoal_handler_errors_total', { code });
  return { binding, dispatcher, ...recorded, lines, errorCount };
}

let bindings: HandlerBinding[];
beforeAll(async () => {
  bindings = discoverHandlers(await boot(AppModule));
});

// --- tests -------------------------------------------------------------------------------------

describe('discovery', () => {
  it('wraps a method with guards, interceptors, filters or decorated parameters, and keeps the plain bound method otherwise', () => {
    const plain = bindings.find((b) => b.name === 'Handlers.plain')!;
    expect(plain.enhanced).toBeUndefined();
    expect(plain.fn.name).toBe('bound plain');
    const payload = Buffer.from('x');
    expect(plain.fn(payload)).toBe(payload);
    const wrapped = bindings.filter((b) => b.enhanced === true).map((b) => b.name);
    expect(wrapped.sort()).toEqual(bindings.filter((b) => b.name !== 'Handlers.plain').map((b) => b.name).sort());
  });

  it("uses Nest's metadata keys for parameter decorators and enhancers", () => {
    expect(PARAM_ARGS_METADATA).toBe(ROUTE_ARGS_METADATA);
    expect(ENHANCER_METADATA).toEqual({ guards: GUARDS_METADATA, interceptors: INTERCEPTORS_METADATA, filters: EXCEPTION_FILTERS_METADATA });
  });
});

describe('guards', () => {
  it('a guard that refuses: the method never runs, the call fails with HTTP_403, counted, logged as a warning, answered by the policy', async () => {
    const { dispatcher, seen, errors, lines, errorCount } = dispatcherOf(bindings, 'Handlers.refused');
    await dispatcher.dispatch({ id: 1 }, Buffer.from('x'), { id: 1 });
    expect(refusedRan).toBe(0);
    expect(seen).toEqual(['error 1 HTTP_403']);
    expect(errors[0]).toBeInstanceOf(ForbiddenException);
    expect(lines.map((l) => [l.level, l.message, l.fields.code])).toEqual([['warn', 'handler failed', 'HTTP_403']]);
    expect(await errorCount('HTTP_403')).toBe(1);
    // The listener carries on: the next call is answered the same way, and close/ignore apply too.
    await dispatcher.dispatch({ id: 2 }, Buffer.from('y'), { id: 2 });
    expect(seen).toEqual(['error 1 HTTP_403', 'error 2 HTTP_403']);
    const closing = dispatcherOf(bindings, 'Handlers.refused', 'close');
    await closing.dispatcher.dispatch({ id: 3 }, Buffer.from('z'), { id: 3 });
    expect(closing.seen).toEqual(['close 3']);
  });

  it("sees a 'shoal' ExecutionContext: the handler's arguments, switchToRpc() as payload and context, the class and method, and the Shoal call", async () => {
    seenByGuard.length = 0;
    const { dispatcher, seen } = dispatcherOf(bindings, 'Handlers.inspected');
    const ctx = { id: 7 };
    await dispatcher.dispatch(ctx, Buffer.from('ping'), ctx);
    expect(seen).toEqual(['reply 7 ping for 7']);
    const call: ShoalCall = { listener: 'echo', event: 'message', handler: 'Handlers.inspected', context: ctx };
    expect(seenByGuard).toEqual([
      { type: SHOAL_CONTEXT_TYPE, args: [Buffer.from('ping'), ctx], data: Buffer.from('ping'), context: ctx, class: Handlers, handler: Handlers.prototype.inspected, call },
    ]);
    expect(seenByGuard[0].context).toBe(ctx);
  });

  it("a class's guard applies to its methods", async () => {
    seenByGuard.length = 0;
    const { dispatcher, seen } = dispatcherOf(bindings, 'ClassGuarded.handle');
    await dispatcher.dispatch({ id: 1 }, Buffer.from('c'), { id: 1 });
    expect(seen).toEqual(['reply 1 class c']);
    expect(seenByGuard.map((s) => s.class)).toEqual([ClassGuarded]);
  });
});

describe('interceptors', () => {
  it("map a synchronous handler's reply", async () => {
    const { dispatcher, seen } = dispatcherOf(bindings, 'Handlers.upper');
    await dispatcher.dispatch({ id: 1 }, Buffer.from('shoal'), { id: 1 });
    expect(seen).toEqual(['reply 1 HELLO SHOAL']);
  });

  it("reduce an Observable to its last value; one that completes empty is no reply (undefined), not an error", async () => {
    const observable = dispatcherOf(bindings, 'Handlers.observable');
    await observable.dispatcher.dispatch({ id: 1 }, Buffer.from('x'), { id: 1 });
    expect(observable.seen).toEqual(['reply 1 LAST']);
    const dropped = dispatcherOf(bindings, 'Handlers.dropped');
    await dropped.dispatcher.dispatch({ id: 2 }, Buffer.from('x'), { id: 2 });
    expect(dropped.seen).toEqual(['reply 2 undefined']);
    const empty = dispatcherOf(bindings, 'Handlers.observableWithoutValue');
    await empty.dispatcher.dispatch({ id: 3 }, Buffer.from('x'), { id: 3 });
    expect(empty.seen).toEqual(['reply 3 undefined']);
    expect(empty.lines).toEqual([]);
  });

});

describe('replies', () => {
  it("a reply the transport cannot send keeps SHOAL_ERR_HANDLER_REPLY_INVALID, whether the handler's or a filter's", async () => {
    const guarded = dispatcherOf(bindings, 'Handlers.wrongValue');
    await guarded.dispatcher.dispatch({ id: 1 }, Buffer.from('x'), { id: 1 });
    const filtered = dispatcherOf(bindings, 'Handlers.wrongReply');
    await filtered.dispatcher.dispatch({ id: 2 }, Buffer.from('x'), { id: 2 });
    expect([...guarded.seen, ...filtered.seen]).toEqual(['error 1 SHOAL_ERR_HANDLER_REPLY_INVALID', 'error 2 SHOAL_ERR_HANDLER_REPLY_INVALID']);
    expect(guarded.errors[0]).toBeInstanceOf(ERR_HANDLER_REPLY_INVALID);
    expect((filtered.errors[0] as Error).message).toContain('an object (Object) is not a Buffer');
    expect(await guarded.errorCount('SHOAL_ERR_HANDLER_REPLY_INVALID')).toBe(1);
    expect(await filtered.errorCount('SHOAL_ERR_HANDLER_REPLY_INVALID')).toBe(1);
  });
});

describe('pipes and parameter decorators', () => {
  it('@JsonPayload parses the payload before the pipes: ParseIntPipe on a property', async () => {
    const { dispatcher, seen, errorCount } = dispatcherOf(bindings, 'Handlers.double');
    await dispatcher.dispatch({ id: 1 }, Buffer.from('{"n":"21"}'), { id: 1 });
    await dispatcher.dispatch({ id: 2 }, Buffer.from('{"n":"many"}'), { id: 2 });
    expect(seen).toEqual(['reply 1 42', 'error 2 HTTP_400']);
    expect(await errorCount('HTTP_400')).toBe(1);
  });

  it("a @UsePipes pipe validates and transforms the parsed payload against the parameter's type; @Ctx() is the transport context", async () => {
    const { dispatcher, seen, errors } = dispatcherOf(bindings, 'Handlers.order');
    await dispatcher.dispatch({ id: 1 }, Buffer.from('{"item":"tea","qty":2}'), { id: 1 });
    await dispatcher.dispatch({ id: 2 }, Buffer.from('{"item":"tea"}'), { id: 2 });
    expect(seen).toEqual(['reply 1 true 2 x tea for 1', 'error 2 HTTP_400']);
    expect((errors[0] as BadRequestException).getResponse()).toMatchObject({ message: 'an order needs item and qty' });
  });

  it('invalid JSON fails the call with SHOAL_ERR_PAYLOAD_INVALID_JSON', async () => {
    const { dispatcher, seen, errors, errorCount } = dispatcherOf(bindings, 'Handlers.order');
    await dispatcher.dispatch({ id: 1 }, Buffer.from('{"item":'), { id: 1 });
    expect(seen).toEqual(['error 1 SHOAL_ERR_PAYLOAD_INVALID_JSON']);
    expect(errors[0]).toBeInstanceOf(ERR_PAYLOAD_INVALID_JSON);
    expect((errors[0] as Error).message).toMatch(/^the payload of a call to Handlers\.order is not valid JSON/);
    expect(await errorCount('SHOAL_ERR_PAYLOAD_INVALID_JSON')).toBe(1);
  });

  it('@Payload() passes the Buffer as it came; custom parameter decorators see the shoal context', async () => {
    const { dispatcher, seen } = dispatcherOf(bindings, 'Handlers.raw');
    await dispatcher.dispatch({ id: 5 }, Buffer.from('bytes'), { id: 5 });
    expect(seen).toEqual(['reply 5 true bytes 5 shoal:5']);
  });

  it("@Ctx() is the transport context for an event whose handler takes no payload", async () => {
    const { dispatcher, seen } = dispatcherOf(bindings, 'Handlers.connected');
    await dispatcher.dispatch({ id: 9 }, { id: 9 });
    expect(seen).toEqual(['reply 9 connected 9']);
  });
});

describe('exception filters', () => {
  it("a filter's return value is the reply, checked and sent like any", async () => {
    const { dispatcher, seen, lines } = dispatcherOf(bindings, 'Handlers.filtered');
    await dispatcher.dispatch({ id: 1 }, Buffer.from('p'), { id: 1 });
    expect(seen).toEqual(['reply 1 refused (shoal, p)']);
    expect(lines).toEqual([]);
  });

  it("a filter's Observable is reduced to its last value; one that errors fails the call", async () => {
    const { dispatcher, seen, errorCount } = dispatcherOf(bindings, 'Handlers.soft');
    await dispatcher.dispatch({ id: 1 }, Buffer.from('soft'), { id: 1 });
    await dispatcher.dispatch({ id: 2 }, Buffer.from('hard'), { id: 2 });
    expect(seen).toEqual(['reply 1 soft landing', 'error 2 HTTP_400']);
    expect(await errorCount('HTTP_400')).toBe(1);
  });
});

describe('global enhancers', () => {
  @Injectable()
  class PayloadGuard implements CanActivate {
    canActivate(context: ExecutionContext): boolean {
      return String(context.switchToRpc().getData()) !== 'deny';
    }
  }

  @Injectable()
  class Echo {
    @OnMessage('echo')
    echo(payload: Buffer): string {
      return `echo ${payload}`;
    }
  }

  it('APP_GUARD and APP_INTERCEPTOR providers apply to every handler', async () => {
    @Module({
      imports: [DiscoveryModule],
      providers: [Echo, { provide: APP_GUARD, useClass: PayloadGuard }, { provide: APP_INTERCEPTOR, useClass: UpperInterceptor }],
    })
    class GlobalModule {}
    const found = discoverHandlers(await boot(GlobalModule));
    expect(found.map((b) => [b.name, b.enhanced])).toEqual([['Echo.echo', true]]);
    const { dispatcher, seen, errorCount } = dispatcherOf(found, 'Echo.echo');
    await dispatcher.dispatch({ id: 1 }, Buffer.from('hi'), { id: 1 });
    await dispatcher.dispatch({ id: 2 }, Buffer.from('deny'), { id: 2 });
    expect(seen).toEqual(['reply 1 ECHO HI', 'error 2 HTTP_403']);
    expect(await errorCount('HTTP_403')).toBe(1);
  });

  it("global guards set as a full application's useGlobalGuards() sets them (its ApplicationConfig) apply too", async () => {
    @Module({ imports: [DiscoveryModule], providers: [Echo] })
    class BareModule {}
    const app = await boot(BareModule);
    expect(discoverHandlers(app)[0].enhanced).toBeUndefined();
    app.get(ApplicationConfig).useGlobalGuards(new DenyGuard());
    const found = discoverHandlers(app);
    const { dispatcher, seen } = dispatcherOf(found, 'Echo.echo');
    await dispatcher.dispatch({ id: 1 }, Buffer.from('hi'), { id: 1 });
    expect(seen).toEqual(['error 1 HTTP_403']);
  });

  it('a global pipe alone leaves a handler without decorated parameters plain (Nest pipes only decorated parameters)', async () => {
    @Module({ imports: [DiscoveryModule], providers: [Echo, { provide: APP_PIPE, useClass: OrderPipe }] })
    class PipeModule {}
    const [binding] = discoverHandlers(await boot(PipeModule));
    expect([binding.enhanced, binding.fn.name]).toEqual([undefined, 'bound echo']);
  });
});
