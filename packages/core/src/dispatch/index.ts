/**
 * Room `dispatch`: the one path every Shoal handler call takes (dispatch.ts:
 * result or promise, reply check, metrics, the handler-error policy; the seam
 * for Nest's enhancers), and the handler table of a listener.
 */
export type { HandlerBinding } from './handler';
export { InstrumentedHandler } from './handler';
export type { DispatchOptions, Wire } from './dispatch';
export { Dispatcher } from './dispatch';
export { HandlerTable } from './handler-table';
export { handlerErrorCode, httpExceptionOf } from './handler-error';
export type { HttpExceptionLike } from './handler-error';
export type { HandlerErrorPolicy, HandlerErrorPolicies } from './handler-error-policy';
export { HANDLER_ERROR_POLICIES } from './handler-error-policy';
export type { ReplyCheck } from './reply';
export { describeValue, payloadReply } from './reply';
