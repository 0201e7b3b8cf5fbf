// Options of an SCTP listener in a Shoal cluster (`transport: 'sctp'`): the
// Options type, its defaults in one constant, and one validation (a zod
// schema through @shoal/common's validateOptions, the socket options through
// @shoal/sctp's) that names every bad field by its path and freezes the result.
//
// The schema is built, and zod loaded, on the first validation: a worker that
// opens listeners from options validated at config time never loads zod.
import { isIP } from 'node:net';
import type { z } from 'zod';
import type { HandlerErrorPolicies, HandlerErrorPolicy, OptionsResult } from '@shoal/core';
import { lazySchema, validateOptions } from '@shoal/common';
import { assumeValidOptions, validateSctpOptions, type SctpOptions, type SctpOptionsInput } from '@shoal/sctp';

export type SctpListenerStyle = 'one-to-one' | 'one-to-many';

export interface SctpListenerOptions {
  /** One-to-one (a socket per association, SOCK_STREAM) or one-to-many (one socket for all, SOCK_SEQPACKET). */
  readonly style: SctpListenerStyle;
  /** Local addresses besides the listener's `host` (multi-homing): every socket binds host + these. */
  readonly addresses: readonly string[];
  /** Outbound streams asked for, and most inbound streams accepted (SCTP_INITMSG). */
  readonly streams: number;
  /** Largest message reassembled; a bigger one aborts its association (counted as a protocol error). */
  readonly maxMessageBytes: number;
  /**
   * One-to-one: during a rolling reload, pass each established association,
   * at a message boundary, to the replacement worker (SCM_RIGHTS); false ends
   * it with a graceful SHUTDOWN instead. (One-to-many associations always carry on.)
   */
  readonly handOffOnReload: boolean;
  /** Messages waiting for a handler per association before reading pauses (the peer is flow-controlled). */
  readonly maxQueuedMessages: number;
  /**
   * What a failed message handler gets (HandlerErrorPolicy of @shoal/core; a
   * throw, a rejection or a reply that is not a Buffer, Uint8Array, string,
   * undefined or null): 'reply' a message `ERR <code>` on the message's stream
   * with its PPID, 'close' the association (graceful SHUTDOWN), 'ignore'
   * nothing (counted and logged only). Association and notification handlers
   * have nothing to answer on: their failures are always only counted and logged.
   */
  readonly onHandlerError: HandlerErrorPolicy;
  /** Socket options of @shoal/sctp (noDelay, buffers, rtoInfo, delayedSack, ...); reusePort is always on. */
  readonly socket: Readonly<SctpOptionsInput>;
}

/** What `onHandlerError` may be on an SCTP listener; the default only logs, as SCTP did before the option. */
export const SCTP_HANDLER_ERRORS: HandlerErrorPolicies = Object.freeze({ supported: Object.freeze(['reply', 'close', 'ignore'] as const), default: 'ignore' });

export const SCTP_LISTENER_DEFAULTS: Readonly<SctpListenerOptions> = Object.freeze({
  style: 'one-to-one',
  addresses: Object.freeze([]) as readonly string[],
  streams: 16,
  maxMessageBytes: 1 << 20,
  handOffOnReload: true,
  maxQueuedMessages: 256,
  onHandlerError: SCTP_HANDLER_ERRORS.default,
  socket: Object.freeze({}),
});

/** Socket options the listener sets itself, and why they cannot be given. */
const MANAGED_SOCKET_OPTIONS: Readonly<Record<string, string>> = Object.freeze({
  reusePort: 'every worker of the cluster needs it, so it is always on',
  maxMessageBytes: 'set it at the listener level (options.maxMessageBytes)',
  initMsg: 'set the stream count with options.streams',
});

const MAX_ADDRESSES = 16;

const listenerSchema = lazySchema(() => {
  const { z: zod } = require('zod') as typeof import('zod');
  const D = SCTP_LISTENER_DEFAULTS;
  const int = (min: number, max: number): z.ZodInt => zod.int({ error: `an integer from ${min} to ${max}` }).min(min).max(max);
  const ADDRESS = 'an IPv4 or IPv6 address literal';
  const address = zod.string({ error: ADDRESS }).refine((a) => isIP(a) !== 0, { error: ADDRESS });
  const addresses = zod
    .array(address, { error: `an array of at most ${MAX_ADDRESSES} IP address literals (local addresses besides host)` })
    .max(MAX_ADDRESSES)
    .superRefine((list, ctx) => {
      list.forEach((a, i) => {
        const first = list.indexOf(a);
        if (first < i) ctx.addIssue({ code: 'custom', path: [i], message: `an address not listed before (${a} is addresses.${first})` });
      });
    });
  return zod.strictObject(
    {
      style: zod.enum(['one-to-one', 'one-to-many'], { error: "'one-to-one' or 'one-to-many'" }).default(D.style),
      addresses: addresses.default([]),
      streams: int(1, 65535).default(D.streams),
      maxMessageBytes: int(1, 1 << 30).default(D.maxMessageBytes),
      handOffOnReload: zod.boolean({ error: 'true or false' }).default(D.handOffOnReload),
      maxQueuedMessages: int(1, 1 << 20).default(D.maxQueuedMessages),
      onHandlerError: zod
        .enum(SCTP_HANDLER_ERRORS.supported as [HandlerErrorPolicy, ...HandlerErrorPolicy[]], {
          error: `one of ${SCTP_HANDLER_ERRORS.supported.map((p) => `'${p}'`).join(', ')}`,
        })
        .default(D.onHandlerError),
      socket: zod.record(zod.string(), zod.unknown(), { error: 'an object of SCTP socket options (see @shoal/sctp)' }).default({}),
    },
    { error: 'an object of sctp listener options' },
  );
});

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The socket options: those the listener sets itself are refused, the others checked by @shoal/sctp. */
function socketProblems(socket: Record<string, unknown>, path: string): string[] {
  const problems: string[] = [];
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(socket)) {
    if (Object.hasOwn(MANAGED_SOCKET_OPTIONS, key)) problems.push(`${path}.${key} cannot be set: ${MANAGED_SOCKET_OPTIONS[key]}`);
    else rest[key] = value;
  }
  return [...problems, ...validateSctpOptions(rest, path).problems];
}

/**
 * Fills defaults, checks every field and freezes the result. Every problem is
 * one line naming its field path (`listeners.sig.options.socket.delayedSack.freq
 * must be ...`); with problems, `options` are the defaults.
 */
export function validateSctpListenerOptions(options: unknown, path: string): OptionsResult & { options: SctpListenerOptions } {
  const input = options ?? {};
  if (isPlainObject(input) && Object.keys(input).length === 0) return { options: SCTP_LISTENER_DEFAULTS, problems: [] };
  const { value, problems } = validateOptions(listenerSchema(), input, path);
  if (isPlainObject(input) && isPlainObject(input.socket)) problems.push(...socketProblems(input.socket, `${path}.socket`));
  if (value === undefined || problems.length > 0) return { options: SCTP_LISTENER_DEFAULTS, problems };
  return { options: value as Readonly<SctpListenerOptions>, problems };
}

/**
 * The socket options every socket of the listener gets: the user's `socket`
 * options, reusePort on, and the listener's message size and stream count.
 * `o` was validated (at config time: the core's contract for spec.options),
 * so nothing is checked again here and zod is not loaded.
 */
export function listenerSocketOptions(o: SctpListenerOptions): Readonly<SctpOptions> {
  return assumeValidOptions({
    ...o.socket,
    reusePort: true,
    maxMessageBytes: o.maxMessageBytes,
    initMsg: { outStreams: o.streams, maxInStreams: o.streams },
  });
}
