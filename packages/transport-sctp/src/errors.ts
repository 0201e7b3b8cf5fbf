/**
 * The failures of the SCTP transport itself, one code each, with a message
 * that says what to do; docs/errors.md lists them (a test checks it). Errors of
 * the sockets underneath (SHOAL_ERR_SCTP_UNSUPPORTED, _REUSEPORT_MISMATCH,
 * _MESSAGE_TOO_LARGE, ...) are @shoal/sctp's and keep their codes here.
 */
import { defineError } from '@shoal/core';

export const ERR_SCTP_REPLY_INVALID = defineError(
  'SHOAL_ERR_SCTP_REPLY_INVALID',
  (handler: string, got: string) =>
    `handler ${handler} returned ${got}; an SCTP reply must be a Buffer, a Uint8Array or a string ` +
    '(or undefined/null for no reply). Convert the value before returning it, or send with ctx.reply().',
);

export const ERR_SCTP_HANDLE_INVALID = defineError(
  'SHOAL_ERR_SCTP_HANDLE_INVALID',
  (listener: string, detail: string) =>
    `sctp listener "${listener}": ${detail}. adopt() takes the descriptor that heldHandle() of an sctp listener ` +
    'of the same style returned (passed on the worker\'s descriptor link, see sctpFdPassing).',
);
