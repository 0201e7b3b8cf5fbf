/**
 * What a listener does when one of its handlers throws, rejects or returns a
 * reply that cannot be sent: the option `onHandlerError`, with the same name
 * and meaning on every transport. In every case the failure is counted
 * (`shoal_handler_errors_total` by code) and logged with its message, and the
 * worker carries on.
 *
 * - `'reply'`: answer with the transport's error form, which names the code
 *   and never the message (TCP: an error frame `ERR <code>`; UDP: a datagram
 *   `ERR <code>`; HTTP: JSON `{"error":{"code":...}}` with status 500, or the
 *   status of an HttpException).
 * - `'close'`: close the connection or association the failure happened on.
 * - `'ignore'`: nothing more than counting and logging.
 */
export type HandlerErrorPolicy = 'reply' | 'close' | 'ignore';

export const HANDLER_ERROR_POLICIES: readonly HandlerErrorPolicy[] = Object.freeze(['reply', 'close', 'ignore']);

/**
 * Which policies a transport can carry out and the one it uses when the
 * option is not set; each transport declares this once and builds its
 * `onHandlerError` option from it.
 */
export interface HandlerErrorPolicies {
  readonly supported: readonly HandlerErrorPolicy[];
  readonly default: HandlerErrorPolicy;
}
