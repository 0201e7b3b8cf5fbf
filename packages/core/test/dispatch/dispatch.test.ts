import { Dispatcher, type Wire } from '../../src/dispatch/dispatch';
import { HandlerTable } from '../../src/dispatch/handler-table';
import type { HandlerErrorPolicy } from '../../src/dispatch/handler-error-policy';
import { ForbiddenException, InternalServerErrorException } from '@nestjs/common';
import { ERR_HANDLER_REPLY_INVALID, ShoalError } from '../../src/errors';
import { WorkerMetrics } from '../../src/metrics/worker-metrics';
import { type Call, fakeLogger, histogramCount, metricValue, recordingWire, spec } from './helpers';

function setup(fn: (...args: any[]) => unknown, policy: HandlerErrorPolicy = 'reply', extra: Partial<Wire<Call>> = {}, enhanced = false) {
  const metrics = new WorkerMetrics();
  const table = new HandlerTable([{ listener: 'echo', event: 'message', options: {}, name: 'App.handle', fn, ...(enhanced && { enhanced })}], metrics.forListener(spec));
  const { wire, seen, errors } = recordingWire(extra);
  const { logger, lines } = fakeLogger();
  const dispatcher = table.dispatcher('message', wire, { onHandlerError: policy, logger })!;
  const errorCount = (code: string) => metricValue(metrics, 'shoal_handler_errors_total', { event: 'message', code });
  const durations = () => histogramCount(metrics, 'shoal_handler_duration_seconds', { event: 'message' });
  return { dispatcher, seen, errors, lines, errorCount, durations };
}

describe('Dispatcher: results', () => {
  it('a synchronous handler is answered before dispatch returns, with no promise, and timed once', async () => {
    const { dispatcher, seen, durations } = setup((frame: string, call: Call) => `${frame} for ${call.id}`);
    const call = { id: 1 };
    expect(dispatcher.dispatch(call, 'ping', call)).toBeUndefined();
    expect(seen).toEqual(['reply 1 ping for 1']);
    expect(await durations()).toBe(1);
  });

  it("an asynchronous handler's value is answered once its promise settles; the promise dispatch returns resolves after it", async () => {
    let resolve!: (v: string) => void;
    const { dispatcher, seen, durations } = setup(() => new Promise<string>((r) => (resolve = r)));
    const pending = dispatcher.dispatch({ id: 2 });
    expect(pending).toBeInstanceOf(Promise);
    await new Promise(setImmediate);
    expect(seen).toEqual([]);
    resolve('late');
    await pending;
    expect(seen).toEqual(['reply 2 late']);
    expect(await durations()).toBe(1);
  });

  it('a thenable that is not a native promise is awaited too', async () => {
    const { dispatcher, seen } = setup(() => ({ then: (ok: (v: string) => void) => ok('thenable') }));
    await dispatcher.dispatch({ id: 3 });
    expect(seen).toEqual(['reply 3 thenable']);
  });

  it('undefined and null go to the wire, which decides what no reply means', () => {
    const { dispatcher, seen } = setup((x: unknown) => x);
    dispatcher.dispatch({ id: 4 }, undefined);
    dispatcher.dispatch({ id: 5 }, null);
    expect(seen).toEqual(['reply 4 undefined', 'reply 5 null']);
  });

  it('an event without a reply (no wire.reply) ignores the value and checks nothing', () => {
    const checkReply = jest.fn(() => 'never');
    const { dispatcher, seen, lines } = setup(() => ({ not: 'a payload' }), 'close', { reply: undefined, checkReply });
    expect(dispatcher.dispatch({ id: 6 })).toBeUndefined();
    expect(checkReply).not.toHaveBeenCalled();
    expect([seen, lines]).toEqual([[], []]);
  });
});

describe('Dispatcher: handlers with enhancers', () => {
  it("a binding marked enhanced gets the call's transport context first; a plain one only the handler's arguments", async () => {
    const plain = setup((...args: unknown[]) => JSON.stringify(args));
    plain.dispatcher.dispatch({ id: 1 }, 'frame');
    expect(plain.seen).toEqual(['reply 1 ["frame"]']);
    const enhanced = setup(async (...args: unknown[]) => JSON.stringify(args), 'reply', {}, true);
    await enhanced.dispatcher.dispatch({ id: 2 }, 'frame');
    expect(enhanced.seen).toEqual(['reply 2 [{"id":2},"frame"]']);
  });
});

describe('Dispatcher: failures', () => {
  const boom = () => {
    throw new Error('secret detail');
  };

  it('a throwing handler is counted under SHOAL_ERR_HANDLER_FAILED, logged with its error, and answered; dispatch does not throw', async () => {
    const { dispatcher, seen, errors, lines, errorCount, durations } = setup(boom);
    expect(dispatcher.dispatch({ id: 1 })).toBeUndefined();
    expect(seen).toEqual(['error 1 SHOAL_ERR_HANDLER_FAILED']);
    expect((errors[0] as Error).message).toBe('secret detail');
    expect(lines).toEqual([
      { level: 'error', message: 'handler failed', fields: { err: errors[0], handler: 'App.handle', event: 'message', code: 'SHOAL_ERR_HANDLER_FAILED', call: 1 } },
    ]);
    expect(await errorCount('SHOAL_ERR_HANDLER_FAILED')).toBe(1);
    expect(await durations()).toBe(1);
  });

  it("a rejection is counted under the error's own code; the promise dispatch returns resolves", async () => {
    const { dispatcher, seen, errorCount } = setup(async () => Promise.reject(Object.assign(new Error('secret'), { code: 'APP_DOWN' })));
    await expect(dispatcher.dispatch({ id: 2 })).resolves.toBeUndefined();
    expect(seen).toEqual(['error 2 APP_DOWN']);
    expect(await errorCount('APP_DOWN')).toBe(1);
  });

  it('an invalid reply, sync or async, is a handler error under SHOAL_ERR_HANDLER_REPLY_INVALID and is not sent', async () => {
    const { dispatcher, seen, errors, errorCount } = setup((async: boolean) => (async ? Promise.resolve({ an: 'object' }) : 42));
    dispatcher.dispatch({ id: 1 }, false);
    await dispatcher.dispatch({ id: 2 }, true);
    expect(seen).toEqual(['error 1 SHOAL_ERR_HANDLER_REPLY_INVALID', 'error 2 SHOAL_ERR_HANDLER_REPLY_INVALID']);
    expect(errors[0]).toBeInstanceOf(ERR_HANDLER_REPLY_INVALID);
    expect((errors[0] as ShoalError).message).toBe(
      'handler App.handle returned a reply that cannot be sent: a number is not a Buffer, a Uint8Array or a string. ' +
        "Return what the listener's transport sends (see its README), or undefined/null for no reply.",
    );
    expect((errors[1] as ShoalError).message).toContain('an object (Object) is not a Buffer');
    expect(await errorCount('SHOAL_ERR_HANDLER_REPLY_INVALID')).toBe(2);
  });

  it("a reply the wire refuses while sending fails like the handler", async () => {
    const { dispatcher, seen, errorCount } = setup(() => 'ok', 'reply', {
      reply: () => {
        throw Object.assign(new Error('stream out of range'), { code: 'APP_BAD_STREAM' });
      },
    });
    dispatcher.dispatch({ id: 7 });
    expect(seen).toEqual(['error 7 APP_BAD_STREAM']);
    expect(await errorCount('APP_BAD_STREAM')).toBe(1);
  });

  it("policy 'close' closes, 'ignore' only counts and logs", async () => {
    const closing = setup(boom, 'close');
    closing.dispatcher.dispatch({ id: 1 });
    expect(closing.seen).toEqual(['close 1']);
    const ignoring = setup(boom, 'ignore');
    ignoring.dispatcher.dispatch({ id: 3 });
    expect(ignoring.seen).toEqual([]);
    expect(ignoring.lines.map((l) => l.message)).toEqual(['handler failed']);
    expect(await ignoring.errorCount('SHOAL_ERR_HANDLER_FAILED')).toBe(1);
  });

  it('each policy applies to rejections too', async () => {
    for (const [policy, expected] of [['reply', ['error 1 SHOAL_ERR_HANDLER_FAILED']], ['close', ['close 1']], ['ignore', []]] as const) {
      const { dispatcher, seen, errorCount } = setup(() => Promise.reject(new Error('no')), policy);
      await dispatcher.dispatch({ id: 1 });
      expect(seen).toEqual(expected);
      expect(await errorCount('SHOAL_ERR_HANDLER_FAILED')).toBe(1);
    }
  });

  it('the wire chooses the log level and adds its fields', () => {
    const { dispatcher, lines } = setup(boom, 'ignore', { logLevel: () => 'warn', logFields: (call) => ({ remote: `peer-${call.id}` }) });
    dispatcher.dispatch({ id: 9 });
    expect(lines[0]).toMatchObject({ level: 'warn', fields: { remote: 'peer-9', code: 'SHOAL_ERR_HANDLER_FAILED' } });
  });

  it('an answer that throws is logged, and the dispatch still returns', () => {
    const { dispatcher, lines } = setup(boom, 'reply', {
      replyError: () => {
        throw new Error('socket gone');
      },
    });
    expect(() => dispatcher.dispatch({ id: 1 })).not.toThrow();
    expect(lines.map((l) => l.message)).toEqual(['handler failed', 'could not answer a failed handler']);
  });

  it("an HttpException counts and answers under HTTP_<status>; one with a 4xx status is logged as a warning", async () => {
    const { dispatcher, seen, lines, errorCount } = setup((status: number) => {
      throw status === 403 ? new ForbiddenException() : new InternalServerErrorException();
    });
    dispatcher.dispatch({ id: 1 }, 403);
    dispatcher.dispatch({ id: 2 }, 500);
    expect(seen).toEqual(['error 1 HTTP_403', 'error 2 HTTP_500']);
    expect(lines.map((l) => [l.level, l.fields.code])).toEqual([
      ['warn', 'HTTP_403'],
      ['error', 'HTTP_500'],
    ]);
    expect(await errorCount('HTTP_403')).toBe(1);
  });

  it('a policy the wire cannot carry out is refused when the dispatcher is built', () => {
    const { wire } = recordingWire({ replyError: undefined, close: undefined });
    const table = new HandlerTable([{ listener: 'echo', event: 'message', options: {}, name: 'App.handle', fn: () => 1 }], new WorkerMetrics().forListener(spec));
    const { logger } = fakeLogger();
    expect(() => table.dispatcher('message', wire, { onHandlerError: 'reply', logger })).toThrow(/SHOAL_ERR_HANDLER_POLICY_UNSUPPORTED|cannot run with onHandlerError 'reply'/);
    expect(() => table.dispatcher('message', wire, { onHandlerError: 'close', logger })).toThrow(/close\(\)/);
    expect(table.dispatcher('message', wire, { onHandlerError: 'ignore', logger })).toBeInstanceOf(Dispatcher);
  });
});

describe('HandlerTable', () => {
  it('binds the handlers of an event to a wire: one, every one, or none', () => {
    const metrics = new WorkerMetrics().forListener(spec);
    const fn = () => undefined;
    const table = new HandlerTable(
      [
        { listener: 'web', event: 'request', options: { path: '/a' }, name: 'A.a', fn },
        { listener: 'web', event: 'request', options: { path: '/b' }, name: 'A.b', fn },
      ],
      metrics,
    );
    const { wire } = recordingWire();
    const options = { onHandlerError: 'reply' as const, logger: fakeLogger().logger };
    expect(table.dispatchers('request', wire, options).map((d) => [d.handler.name, d.handler.options, d.policy])).toEqual([
      ['A.a', { path: '/a' }, 'reply'],
      ['A.b', { path: '/b' }, 'reply'],
    ]);
    expect(table.dispatcher('request', wire, options)?.handler.name).toBe('A.a');
    expect(table.dispatcher('message', wire, options)).toBeUndefined();
    expect(table.dispatchers('message', wire, options)).toEqual([]);
  });
});
