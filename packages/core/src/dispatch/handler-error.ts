import { ERR_HANDLER_FAILED } from '../errors';

const CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;

/** What Nest's HttpException offers (duck-typed: Shoal's dispatch path loads no Nest). */
export interface HttpExceptionLike {
  getStatus(): unknown;
  getResponse?(): unknown;
}

/**
 * The Nest HttpException (or anything with a `getStatus()`) that failed a
 * call, with its status (400 to 599): the error itself or its cause. A
 * guard's refusal is one (ForbiddenException, 403), a pipe's rejection
 * another (BadRequestException, 400).
 */
export function httpExceptionOf(err: unknown): { exception: HttpExceptionLike; status: number } | undefined {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 2; e = (e as { cause?: unknown }).cause, depth++) {
    if (typeof (e as Partial<HttpExceptionLike>).getStatus === 'function') {
      const status: unknown = (e as HttpExceptionLike).getStatus();
      const valid = typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599;
      return valid ? { exception: e as HttpExceptionLike, status } : undefined;
    }
  }
  return undefined;
}

/** The status of httpExceptionOf(err). */
export function httpStatusOf(err: unknown): number | undefined {
  return httpExceptionOf(err)?.status;
}

/**
 * The code a handler failure is counted, logged and answered under: the
 * error's own `code` when it looks like one (`APP_REFUSED`, `ECONNRESET`);
 * else, for an HttpException, `HTTP_<status>` (`HTTP_403` for a guard that
 * refused, `HTTP_400` for a pipe's BadRequestException); else
 * SHOAL_ERR_HANDLER_FAILED. Metric labels stay bounded and no message
 * reaches a client.
 */
export function handlerErrorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CODE_PATTERN.test(code)) return code;
  const status = httpStatusOf(err);
  return status === undefined ? ERR_HANDLER_FAILED.code : `HTTP_${status}`;
}

/**
 * The level a failure is logged at when the wire does not choose: 'warn' for
 * what the client caused (an HttpException with a 4xx status: a refused
 * guard, a payload a pipe rejected), else 'error'.
 */
export function handlerErrorLevel(err: unknown): 'error' | 'warn' {
  const status = httpStatusOf(err);
  return status !== undefined && status < 500 ? 'warn' : 'error';
}
