import { ERR_HANDLER_FAILED } from '../errors';

const CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;

/**
 * The code a handler failure is counted, logged and answered under: the
 * error's own `code` when it looks like one (`APP_REFUSED`, `ECONNRESET`),
 * else SHOAL_ERR_HANDLER_FAILED, so that metric labels stay bounded and no
 * message reaches a client.
 */
export function handlerErrorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CODE_PATTERN.test(code) ? code : ERR_HANDLER_FAILED.code;
}
