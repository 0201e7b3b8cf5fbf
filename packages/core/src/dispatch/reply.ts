/**
 * What a handler may reply, per transport. The dispatch path checks each
 * value a handler returns (or resolves to) before the transport sends it; a
 * value that fails the check is a handler error under one code,
 * SHOAL_ERR_HANDLER_REPLY_INVALID, whatever the transport.
 */

/**
 * Checks a reply before it is sent: undefined when the value can be sent,
 * else what is wrong with it, as a clause for the error message ("an object
 * (Object) is not a Buffer, a Uint8Array or a string"). It gets the context
 * too, so that a transport may keep what it computed for the send (HTTP keeps
 * the JSON text, serialising once).
 */
export type ReplyCheck<C = unknown> = (value: unknown, context: C) => string | undefined;

/** How a wrong reply is named in errors and logs: its type, never its content. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'no prototype'})`;
  return `a ${typeof value}`;
}

/**
 * The reply of byte transports (TCP, UDP, SCTP): a Buffer, a Uint8Array or a
 * string, or undefined/null for no reply.
 */
export const payloadReply: ReplyCheck = (value) =>
  value === undefined || value === null || typeof value === 'string' || value instanceof Uint8Array
    ? undefined
    : `${describeValue(value)} is not a Buffer, a Uint8Array or a string`;
