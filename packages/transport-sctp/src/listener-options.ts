// Options of an SCTP listener in a Shoal cluster (`transport: 'sctp'`): the
// Options type, its defaults in one constant, one validation function that
// names every bad field by its path and freezes the result.
import { isIP } from 'node:net';
import type { OptionsResult } from '@shoal/core';
import { SctpError } from '../errors';
import { validateOptions, type SctpOptionsInput } from '../options';

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
  /** Socket options of @shoal/transport-sctp (noDelay, buffers, rtoInfo, delayedSack, ...); reusePort is always on. */
  readonly socket: Readonly<SctpOptionsInput>;
}

export const SCTP_LISTENER_DEFAULTS: Readonly<SctpListenerOptions> = Object.freeze({
  style: 'one-to-one',
  addresses: Object.freeze([]) as readonly string[],
  streams: 16,
  maxMessageBytes: 1 << 20,
  handOffOnReload: true,
  maxQueuedMessages: 256,
  socket: Object.freeze({}),
});

const KNOWN = Object.keys(SCTP_LISTENER_DEFAULTS);
/** Socket options the listener sets itself. */
const MANAGED_SOCKET_OPTIONS: Record<string, string> = {
  reusePort: 'every worker of the cluster needs it, so it is always on',
  maxMessageBytes: 'set it at the listener level (options.maxMessageBytes)',
  initMsg: 'set the stream count with options.streams',
};

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

export function validateSctpListenerOptions(options: unknown, path: string): OptionsResult & { options: SctpListenerOptions } {
  const problems: string[] = [];
  let input: Record<string, unknown> = {};
  if (options !== undefined && options !== null) {
    if (typeof options !== 'object' || Array.isArray(options)) problems.push(`${path} must be an object, got ${describe(options)}`);
    else input = options as Record<string, unknown>;
  }
  for (const key of Object.keys(input)) {
    if (!KNOWN.includes(key)) problems.push(`${path}.${key} is not an option of the sctp transport (known: ${KNOWN.join(', ')})`);
  }
  const take = <T>(key: keyof SctpListenerOptions, ok: (v: unknown) => boolean, what: string): T => {
    const v = input[key];
    if (v === undefined) return SCTP_LISTENER_DEFAULTS[key] as T;
    if (!ok(v)) {
      problems.push(`${path}.${key} must be ${what}, got ${describe(v)}`);
      return SCTP_LISTENER_DEFAULTS[key] as T;
    }
    return v as T;
  };
  const intIn = (min: number, max: number) => (v: unknown) => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;

  const style = take<SctpListenerStyle>('style', (v) => v === 'one-to-one' || v === 'one-to-many', "'one-to-one' or 'one-to-many'");
  let addresses: readonly string[] = SCTP_LISTENER_DEFAULTS.addresses;
  if (input.addresses !== undefined) {
    if (!Array.isArray(input.addresses) || input.addresses.length > 16) {
      problems.push(`${path}.addresses must be an array of at most 16 IP address literals (extra local addresses besides host), got ${describe(input.addresses)}`);
    } else {
      const list: string[] = [];
      input.addresses.forEach((a: unknown, i: number) => {
        if (typeof a !== 'string' || isIP(a) === 0) problems.push(`${path}.addresses[${i}] must be an IPv4 or IPv6 address literal, got ${describe(a)}`);
        else if (list.includes(a)) problems.push(`${path}.addresses[${i}] repeats ${a}`);
        else list.push(a);
      });
      addresses = Object.freeze(list);
    }
  }
  const streams = take<number>('streams', intIn(1, 65535), 'an integer from 1 to 65535');
  const maxMessageBytes = take<number>('maxMessageBytes', intIn(1, 1 << 30), `an integer from 1 to ${1 << 30}`);
  const handOffOnReload = take<boolean>('handOffOnReload', (v) => typeof v === 'boolean', 'true or false');
  const maxQueuedMessages = take<number>('maxQueuedMessages', intIn(1, 1 << 20), `an integer from 1 to ${1 << 20}`);

  let socket: Readonly<SctpOptionsInput> = SCTP_LISTENER_DEFAULTS.socket;
  if (input.socket !== undefined) {
    if (typeof input.socket !== 'object' || input.socket === null || Array.isArray(input.socket)) {
      problems.push(`${path}.socket must be an object of SCTP socket options, got ${describe(input.socket)}`);
    } else {
      const raw = input.socket as Record<string, unknown>;
      for (const [key, value] of Object.entries(raw)) {
        if (MANAGED_SOCKET_OPTIONS[key]) {
          problems.push(`${path}.socket.${key} cannot be set: ${MANAGED_SOCKET_OPTIONS[key]}`);
          continue;
        }
        try {
          validateOptions({ [key]: value } as SctpOptionsInput);
        } catch (err) {
          // validateOptions names the field ("option delayedSack.freq must be ..."); put it under its path.
          const message = err instanceof SctpError ? err.message.replace(/^option /, '') : String(err);
          problems.push(`${path}.socket.${message}`);
        }
      }
      socket = Object.freeze({ ...(raw as SctpOptionsInput) });
    }
  }
  const result: SctpListenerOptions = { style, addresses, streams, maxMessageBytes, handOffOnReload, maxQueuedMessages, socket };
  return { options: Object.freeze(result), problems };
}
