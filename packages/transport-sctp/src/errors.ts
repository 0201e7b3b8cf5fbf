/**
 * The failures of the SCTP transport itself, one code each, with a message
 * that says what to do; docs/errors.md lists them (a test checks it). Errors of
 * the sockets underneath (SHOAL_ERR_SCTP_UNSUPPORTED, _REUSEPORT_MISMATCH,
 * _MESSAGE_TOO_LARGE, ...) are @shoal/sctp's and keep their codes here; a
 * reply a handler cannot send is @shoal/core's SHOAL_ERR_HANDLER_REPLY_INVALID,
 * as on every transport.
 */
import { defineError } from '@shoal/core';

export const ERR_SCTP_HANDLE_INVALID = defineError(
  'SHOAL_ERR_SCTP_HANDLE_INVALID',
  (listener: string, detail: string) =>
    `sctp listener "${listener}": ${detail}. adopt() takes the descriptor that heldHandle() of an sctp listener ` +
    'of the same style returned (passed on the worker\'s descriptor link, see sctpFdPassing).',
);
