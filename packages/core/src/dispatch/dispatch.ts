/**
 * The one path every Shoal handler call takes, whatever the transport (the
 * model of @nestjs/microservices: a base normalises what handlers return once,
 * and each transport only adapts its wire):
 *
 *   1. run the handler; await its promise only when it returned one (a
 *      synchronous handler costs no promise, no microtask, no allocation);
 *   2. record its duration (`shoal_handler_duration_seconds`);
 *   3. check the reply with the transport's ReplyCheck and hand it to the
 *      transport's Wire to send;
 *   4. on a throw, a rejection or an invalid reply: count it by code
 *      (`shoal_handler_errors_total`), log it, and answer by the listener's
 *      `onHandlerError` policy (handler-error-policy.ts) through the Wire.
 *
 * A transport builds one Dispatcher per handler when its listener starts
 * (`context.handlers.dispatcher(event, wire, options)`) and calls
 * `dispatch(context, ...args)` for each message, connection or request.
 *
 * Nest's enhancers (guards, interceptors, pipes, exception filters) run on
 * this same path, not a second one. The seam is `InstrumentedHandler.fn`:
 * discovery (worker/discovery.ts) gives the method bound to its instance, and
 * for a method that has enhancers (its own, its class's, global ones) or
 * decorated parameters it gives instead, once per binding, a wrapper around
 * what Nest's `ExternalContextCreator.create(..., 'shoal')` returns
 * (worker/enhancers.ts), and marks the binding `enhanced`. Only then does
 * dispatch pass the call's transport context first (for `@Ctx()` and
 * `shoalCallOf`); a handler without enhancers keeps the plain bound method
 * and the call it always had. A wrapper returns a promise (guards are
 * asynchronous), awaited below like any handler's; it resolves to the
 * handler's value, an interceptor's last one (an Observable that completes
 * empty gives undefined), or what an exception filter returned, which is
 * checked and sent like any reply. What a guard, pipe or filter throws (a
 * ForbiddenException, a BadRequestException) rejects it and meets the
 * policy like any failure, under `HTTP_<status>` (handler-error.ts). This
 * file knows nothing of Nest or rxjs.
 */
import { ERR_HANDLER_POLICY_UNSUPPORTED, ERR_HANDLER_REPLY_INVALID } from '../errors';
import type { Logger } from '../logger';
import type { HistogramSeries } from '../metrics';
import type { InstrumentedHandler } from './handler';
import { handlerErrorCode, handlerErrorLevel } from './handler-error';
import type { HandlerErrorPolicy } from './handler-error-policy';
import type { ReplyCheck } from './reply';

/**
 * What a transport gives the dispatch path: how its wire sends a reply and
 * answers a failure. `C` is the transport's context for one call (a TCP
 * connection, a UDP datagram, an HTTP request, an SCTP association), passed
 * back to each method, so that one Wire object serves every call of a listener
 * and no closure is made per call.
 */
export interface Wire<C> {
  /**
   * Sends what the handler returned, once `checkReply` accepted it. Without it
   * the event has no reply (connect, disconnect, notifications) and the value
   * is ignored.
   */
  reply?(value: unknown, context: C): void;
  /** What a reply may be (reply.ts); without it every value goes to `reply`. */
  readonly checkReply?: ReplyCheck<C>;
  /** For `onHandlerError: 'reply'`: answers with the transport's error form, which names `code` and never the message. */
  replyError?(code: string, error: unknown, context: C): void;
  /** For `onHandlerError: 'close'`: closes the connection or association of `context`. */
  close?(context: C): void;
  /** Fields of the failure's log line besides handler, event and code (a connection id, a remote address). */
  logFields?(context: C): Record<string, unknown>;
  /** The level a failure is logged at; default handlerErrorLevel: 'warn' for an HttpException with a 4xx status, else 'error'. */
  logLevel?(error: unknown): 'error' | 'warn';
}

export interface DispatchOptions {
  /** What a failure gets; one the transport supports (its options validation checks it). */
  readonly onHandlerError: HandlerErrorPolicy;
  /** The listener's logger, for failures. */
  readonly logger: Logger;
}

/** One handler bound to a transport's wire and a handler-error policy. */
export class Dispatcher<C> {
  readonly handler: InstrumentedHandler;
  readonly policy: HandlerErrorPolicy;
  private readonly fn: (...args: unknown[]) => unknown;
  /** fn runs Nest's enhancers and takes the transport context first. */
  private readonly enhanced: boolean;
  private readonly duration: HistogramSeries;
  private readonly wire: Wire<C>;
  private readonly logger: Logger;

  constructor(handler: InstrumentedHandler, wire: Wire<C>, options: DispatchOptions) {
    const policy = options.onHandlerError;
    if (policy === 'reply' && wire.replyError === undefined) throw new ERR_HANDLER_POLICY_UNSUPPORTED(handler.name, policy, 'replyError()');
    if (policy === 'close' && wire.close === undefined) throw new ERR_HANDLER_POLICY_UNSUPPORTED(handler.name, policy, 'close()');
    this.handler = handler;
    this.policy = policy;
    this.fn = handler.fn;
    this.enhanced = handler.enhanced;
    this.duration = handler.duration;
    this.wire = wire;
    this.logger = options.logger;
  }

  /**
   * Calls the handler with `args` for a call whose transport context is
   * `context`. Returns undefined when everything is done already (a
   * synchronous handler: its reply or error went out), else a promise that
   * resolves once the handler settled and its reply or error went out. It
   * never rejects: a failure is counted, logged and answered here.
   */
  dispatch(context: C, ...args: unknown[]): Promise<void> | undefined {
    const start = performance.now();
    let result: unknown;
    try {
      result = this.enhanced ? this.fn(context, ...args) : this.fn(...args);
    } catch (err) {
      this.duration.observe((performance.now() - start) / 1000);
      this.failed(err, context);
      return undefined;
    }
    if (typeof result === 'object' && result !== null && typeof (result as PromiseLike<unknown>).then === 'function') {
      return this.settle(result as PromiseLike<unknown>, context, start);
    }
    this.duration.observe((performance.now() - start) / 1000);
    this.deliver(result, context);
    return undefined;
  }

  private settle(pending: PromiseLike<unknown>, context: C, start: number): Promise<void> {
    return Promise.resolve(pending).then(
      (value) => {
        this.duration.observe((performance.now() - start) / 1000);
        this.deliver(value, context);
      },
      (err: unknown) => {
        this.duration.observe((performance.now() - start) / 1000);
        this.failed(err, context);
      },
    );
  }

  private deliver(value: unknown, context: C): void {
    const wire = this.wire;
    if (wire.reply === undefined) return;
    const problem = wire.checkReply === undefined ? undefined : wire.checkReply(value, context);
    if (problem !== undefined) {
      this.failed(new ERR_HANDLER_REPLY_INVALID(this.handler.name, problem), context);
      return;
    }
    try {
      wire.reply(value, context);
    } catch (err) {
      // A reply the transport refused while sending (an SCTP stream out of range, say) fails like the handler.
      this.failed(err, context);
    }
  }

  private failed(err: unknown, context: C): void {
    const { wire, handler } = this;
    const code = handlerErrorCode(err);
    handler.countError(code);
    const level = wire.logLevel === undefined ? handlerErrorLevel(err) : wire.logLevel(err);
    this.logger[level]({ err, handler: handler.name, event: handler.event, code, ...wire.logFields?.(context) }, 'handler failed');
    try {
      if (this.policy === 'reply') wire.replyError!(code, err, context);
      else if (this.policy === 'close') wire.close!(context);
    } catch (answerError) {
      // Never let the answer to one failure take the worker down.
      this.logger.error({ err: answerError, handler: handler.name, event: handler.event, code }, 'could not answer a failed handler');
    }
  }
}
