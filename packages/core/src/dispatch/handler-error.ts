import { ERR_HANDLER_FAILED } from '../errors';

const CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;

/**
 * The HTTP status (400 to 599) of a Nest HttpException, or of anything with
 * a `getStatus()`, that failed a call: the error itself or its cause (as the
 * HTTP wire finds it). A guard's refusal is one (ForbiddenException, 403), a
 * pipe's rejection another (BadRequestException, 400).
 */
export function httpStatusOf(err: unknown): number | undefined {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 2; e = (e as { cause?: unknown }).cause, depth++) {
    const getStatus = (e as { getStatus?: unknown }).getStatus;
    if (typeof getStatus === 'function') {
      const status: unknown = getStatus.call(e);
      return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599 ? status : undefined;
    }
  }
  return undefined;
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
