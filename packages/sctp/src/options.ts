// Socket options: the Options type, its defaults in one constant, one
// validation (a zod schema through @shoal/common's validateOptions) that lists
// every bad field by its path and freezes the result, and the code that
// applies them to a socket and reads them back.
//
// zod is loaded only when something is validated: the schema is built on
// first use, so a process that only uses options validated before (a Shoal
// worker) never loads it.
import type { z } from 'zod';
import { describe, lazySchema, validateOptions as validateWith, type Validated } from '@shoal/common';
import * as os from 'node:os';
import { ERR_SCTP_INVALID_OPTION } from './errors';
import { optionError } from './kernel-features';
import { native, OPT } from './native';

export interface SctpEventOptions {
  /** Association up/down/restart. Always on: the API needs it. */
  assocChange: boolean;
  peerAddrChange: boolean;
  remoteError: boolean;
  sendFailed: boolean;
  shutdown: boolean;
  senderDry: boolean;
  partialDelivery: boolean;
  adaptation: boolean;
  /** SCTP_AUTHENTICATION_EVENT (RFC 4895 keys: NEW_KEY, FREE_KEY, NO_AUTH). Off by default: NO_AUTH comes with every association to a peer without AUTH. */
  authentication: boolean;
  /** SCTP_STREAM_RESET_EVENT (RFC 6525). */
  streamReset: boolean;
  /** SCTP_ASSOC_RESET_EVENT (RFC 6525). */
  assocReset: boolean;
  /** SCTP_STREAM_CHANGE_EVENT (RFC 6525: streams added). */
  streamChange: boolean;
}

/** Which RFC 6525 requests this end sends and grants (SCTP_ENABLE_STREAM_RESET). */
export interface SctpStreamResetOptions {
  /** Reset streams (SCTP_ENABLE_RESET_STREAM_REQ). */
  resetStreams: boolean;
  /** Reset the whole association's TSNs and SSNs (SCTP_ENABLE_RESET_ASSOC_REQ). */
  resetAssociation: boolean;
  /** Add streams (SCTP_ENABLE_CHANGE_ASSOC_REQ). */
  addStreams: boolean;
}

/** A PR-SCTP policy by name: none, timed (ms), retransmission count, priority. */
export type SctpPrPolicyName = 'none' | 'ttl' | 'rtx' | 'prio';

/** SCTP_DEFAULT_PRINFO: the PR-SCTP policy of messages sent without one. */
export interface SctpDefaultPrInfo {
  policy: SctpPrPolicyName;
  /** ms (ttl), retransmissions (rtx) or priority, 0 highest (prio); 0 for none. */
  value: number;
}

/** SCTP_PEER_ADDR_THLDS_V2 (RFC 7829) for every path. */
export interface SctpPeerAddrThresholds {
  /** Retransmissions before a path is INACTIVE (as peerAddrParams.pathMaxRetrans). */
  pathMaxRetrans: number;
  /** Retransmissions before a path is Potentially Failed (PF); 0 = straight to PF on the first timeout. */
  pfThreshold: number;
  /** Retransmissions before the association goes Primary Path Switchover (PS); 65535 = never. */
  psThreshold: number;
}

/** SCTP_STREAM_SCHEDULER: which stream sends next (Linux: fcfs, prio, rr). */
export type SctpStreamScheduler = 'fcfs' | 'prio' | 'rr';

export interface SctpInitMsg {
  /** Streams we ask for, outbound (SCTP_INITMSG sinit_num_ostreams). */
  outStreams: number;
  /** Most inbound streams we accept (sinit_max_instreams). */
  maxInStreams: number;
  /** INIT retransmissions before giving up; 0 = kernel default. */
  maxAttempts: number;
  /** Largest INIT timeout in ms; 0 = kernel default. */
  maxInitTimeoutMs: number;
}

export interface SctpRtoInfo { initialMs: number; maxMs: number; minMs: number }
export interface SctpAssocInfo { maxRetrans: number; cookieLifeMs: number }
export interface SctpPeerAddrParams {
  /** Heartbeat interval in ms (SPP_HB_ENABLE is set with it). */
  hbIntervalMs: number;
  /** Retransmissions before a path is marked unreachable. */
  pathMaxRetrans: number;
}
export interface SctpDelayedSack { delayMs: number; freq: number }
export interface SctpSendInfoDefaults { stream: number; ppid: number; unordered: boolean; context: number }

export interface SctpOptions {
  /** SCTP_NODELAY: send at once, no Nagle-like bundling delay. */
  noDelay: boolean;
  /** SO_SNDBUF in bytes (the kernel doubles it and caps it at net.core.wmem_max * 2). */
  sendBufferSize: number;
  /** SO_RCVBUF in bytes (the kernel doubles it and caps it at net.core.rmem_max * 2). */
  receiveBufferSize: number;
  initMsg: SctpInitMsg;
  /** SCTP_RTOINFO; null keeps the kernel's (net.sctp.rto_*). */
  rtoInfo: SctpRtoInfo | null;
  /** SCTP_ASSOCINFO; null keeps the kernel's. */
  assocInfo: SctpAssocInfo | null;
  /** SCTP_PEER_ADDR_PARAMS for every path; null keeps the kernel's. */
  peerAddrParams: SctpPeerAddrParams | null;
  /** SCTP_DELAYED_SACK; null keeps the kernel's (200 ms, every 2nd packet). */
  delayedSack: SctpDelayedSack | null;
  /** SCTP_DEFAULT_SNDINFO; null keeps stream 0, ppid 0, ordered. */
  defaultSendInfo: SctpSendInfoDefaults | null;
  /** SCTP_DISABLE_FRAGMENTS: a message larger than the path MTU fails with EMSGSIZE. */
  disableFragments: boolean;
  /** SCTP_MAXSEG in bytes; 0 keeps the kernel's (path MTU). */
  maxSegment: number;
  /** SO_REUSEPORT: several sockets (processes) on one address set and port. */
  reusePort: boolean;
  /** SCTP_AUTOCLOSE in seconds for one-to-many endpoints: idle associations end; 0 = never. */
  autoCloseSeconds: number;
  /** Largest message we reassemble; a bigger one aborts its association. */
  maxMessageBytes: number;
  /**
   * Bytes queued in user space (the kernel's send buffer full) from which
   * send() returns false, as net.Socket's write() does; 'drain' follows once
   * the queue is empty. Also how many bytes of messages an async iterator
   * buffers before it pauses the socket.
   */
  highWaterMark: number;
  /** SCTP_ADAPTATION_LAYER indication sent to peers; null sends none. */
  adaptationIndication: number | null;
  /** listen() backlog. */
  backlog: number;
  /** SCTP_PARTIAL_DELIVERY_POINT in bytes: deliver a large message in parts from this size; 0 keeps the kernel's. */
  partialDeliveryPoint: number;
  /** Notifications subscribed with SCTP_EVENT. */
  events: SctpEventOptions;
  /** SCTP_RECONFIG_SUPPORTED (RFC 6525) for new associations; null keeps the kernel's (net.sctp.reconf_enable). */
  reconfig: boolean | null;
  /** SCTP_ENABLE_STREAM_RESET: which reconfiguration requests are sent and granted; null keeps the kernel's (none). */
  streamReset: SctpStreamResetOptions | null;
  /**
   * RFC 8260 message interleaving (I-DATA) for new associations:
   * SCTP_FRAGMENT_INTERLEAVE 2 then SCTP_INTERLEAVING_SUPPORTED. Needs
   * net.sctp.intl_enable=1. null keeps the kernel's (off).
   */
  interleaving: boolean | null;
  /** SCTP_STREAM_SCHEDULER; null keeps the kernel's (fcfs). With interleaving, rr lets a small message pass a large one. */
  streamScheduler: SctpStreamScheduler | null;
  /** SCTP_AUTH_SUPPORTED (RFC 4895) for new associations; null keeps the kernel's (net.sctp.auth_enable). */
  authSupported: boolean | null;
  /** SCTP_AUTH_CHUNK: chunk types the peer must authenticate (0 DATA, 64 I-DATA, 130 RE-CONFIG, ...); needs authSupported. */
  authChunks: readonly number[];
  /** SCTP_ASCONF_SUPPORTED (RFC 5061, dynamic addresses and setPeerPrimary); null keeps the kernel's (net.sctp.addip_enable). */
  asconf: boolean | null;
  /** SCTP_DEFAULT_PRINFO; null keeps the kernel's (none). */
  defaultPrInfo: SctpDefaultPrInfo | null;
  /** SCTP_PEER_ADDR_THLDS_V2 (RFC 7829 PF and PS thresholds); null keeps the kernel's. */
  peerAddrThresholds: SctpPeerAddrThresholds | null;
}

type Partialish<T> = { [K in keyof T]?: T[K] extends object | null ? Partial<NonNullable<T[K]>> | null : T[K] };
export type SctpOptionsInput = Partialish<SctpOptions>;

/**
 * Defaults, chosen for speed on Linux: SCTP on loopback with kernel defaults
 * (delayed SACK of 200 ms, small buffers, Nagle-like bundling) loses orders of
 * magnitude of throughput; NODELAY, a 10 ms/2-packet SACK and 1 MiB buffers fix it.
 */
export const DEFAULT_OPTIONS: Readonly<SctpOptions> = Object.freeze({
  noDelay: true,
  sendBufferSize: 1 << 20,
  receiveBufferSize: 1 << 20,
  initMsg: Object.freeze({ outStreams: 16, maxInStreams: 16, maxAttempts: 0, maxInitTimeoutMs: 0 }),
  rtoInfo: null,
  assocInfo: null,
  peerAddrParams: null,
  delayedSack: Object.freeze({ delayMs: 10, freq: 2 }),
  defaultSendInfo: null,
  disableFragments: false,
  maxSegment: 0,
  reusePort: false,
  autoCloseSeconds: 0,
  maxMessageBytes: 16 << 20,
  highWaterMark: 64 * 1024,
  adaptationIndication: null,
  backlog: 511,
  partialDeliveryPoint: 0,
  events: Object.freeze({
    assocChange: true, peerAddrChange: true, remoteError: true, sendFailed: true,
    shutdown: true, senderDry: false, partialDelivery: true, adaptation: true,
    authentication: false, streamReset: true, assocReset: true, streamChange: true,
  }),
  reconfig: null,
  streamReset: null,
  interleaving: null,
  streamScheduler: null,
  authSupported: null,
  authChunks: Object.freeze([]) as readonly number[],
  asconf: null,
  defaultPrInfo: null,
  peerAddrThresholds: null,
});

/**
 * What a partial sub-object is completed with when the base has none (null:
 * the kernel's value): the kernel's own defaults on Linux.
 */
const SUB_OBJECT_FALLBACKS: Readonly<Record<string, object>> = Object.freeze({
  initMsg: DEFAULT_OPTIONS.initMsg,
  rtoInfo: Object.freeze({ initialMs: 3000, maxMs: 60000, minMs: 1000 }),
  assocInfo: Object.freeze({ maxRetrans: 10, cookieLifeMs: 60000 }),
  peerAddrParams: Object.freeze({ hbIntervalMs: 30000, pathMaxRetrans: 5 }),
  delayedSack: Object.freeze({ delayMs: 200, freq: 2 }),
  defaultSendInfo: Object.freeze({ stream: 0, ppid: 0, unordered: false, context: 0 }),
  events: DEFAULT_OPTIONS.events,
  streamReset: Object.freeze({ resetStreams: false, resetAssociation: false, addStreams: false }),
  defaultPrInfo: Object.freeze({ policy: 'none', value: 0 }),
  peerAddrThresholds: Object.freeze({ pathMaxRetrans: 5, pfThreshold: 0, psThreshold: 65535 }),
});

const U32 = 0xffffffff;
const { EINVAL, ENOENT, ENOPROTOOPT, EOPNOTSUPP } = os.constants.errno;
const I32 = 0x7fffffff;

/** The schema of a complete SctpOptions (after merging the input over its base). */
const optionsSchema = lazySchema(() => {
  const { z: zod } = require('zod') as typeof import('zod');
  const int = (min: number, max: number, orNull = false): z.ZodInt =>
    zod.int({ error: `an integer from ${min} to ${max}${orNull ? ' or null' : ''}` }).min(min).max(max);
  const bool = (): z.ZodBoolean => zod.boolean({ error: 'true or false' });
  const object = <S extends z.core.$ZodLooseShape>(shape: S, orNull = true) =>
    zod.strictObject(shape, { error: `an object { ${Object.keys(shape).join(', ')} }${orNull ? ' or null' : ''}` });
  const rtoInfo = object({ initialMs: int(1, I32), maxMs: int(1, I32), minMs: int(1, I32) }).superRefine((r, ctx) => {
    if (r.minMs > r.maxMs) ctx.addIssue({ code: 'custom', path: ['minMs'], message: `at most rtoInfo.maxMs (${r.maxMs})` });
    else if (r.initialMs < r.minMs || r.initialMs > r.maxMs) {
      ctx.addIssue({ code: 'custom', path: ['initialMs'], message: `between rtoInfo.minMs and rtoInfo.maxMs (${r.minMs} to ${r.maxMs})` });
    }
  });
  return zod.strictObject(
    {
      noDelay: bool(),
      sendBufferSize: int(1024, 1 << 30),
      receiveBufferSize: int(1024, 1 << 30),
      initMsg: object({ outStreams: int(1, 65535), maxInStreams: int(1, 65535), maxAttempts: int(0, 65535), maxInitTimeoutMs: int(0, 65535) }, false),
      rtoInfo: rtoInfo.nullable(),
      assocInfo: object({ maxRetrans: int(1, 65535), cookieLifeMs: int(1, I32) }).nullable(),
      peerAddrParams: object({ hbIntervalMs: int(1, I32), pathMaxRetrans: int(1, 65535) }).nullable(),
      delayedSack: object({ delayMs: int(1, 500), freq: int(1, 65535) }).nullable(),
      defaultSendInfo: object({ stream: int(0, 65535), ppid: int(0, U32), unordered: bool(), context: int(0, U32) }).nullable(),
      disableFragments: bool(),
      maxSegment: int(0, 65535),
      reusePort: bool(),
      autoCloseSeconds: int(0, I32),
      maxMessageBytes: int(1, 1 << 30),
      highWaterMark: int(0, 1 << 30),
      adaptationIndication: int(0, U32, true).nullable(),
      backlog: int(1, 65535),
      partialDeliveryPoint: int(0, I32),
      events: object(
        Object.fromEntries(Object.keys(DEFAULT_OPTIONS.events).map((k) => [k, bool()])) as Record<keyof SctpEventOptions, z.ZodBoolean>,
        false,
      ),
      reconfig: bool().nullable(),
      streamReset: object({ resetStreams: bool(), resetAssociation: bool(), addStreams: bool() }).nullable(),
      interleaving: bool().nullable(),
      streamScheduler: zod.enum(['fcfs', 'prio', 'rr'], { error: "'fcfs', 'prio', 'rr' or null" }).nullable(),
      authSupported: bool().nullable(),
      authChunks: zod.array(int(0, 255), { error: 'an array of chunk types (integers from 0 to 255)' }).max(255),
      asconf: bool().nullable(),
      defaultPrInfo: object({
        policy: zod.enum(['none', 'ttl', 'rtx', 'prio'], { error: "'none', 'ttl', 'rtx' or 'prio'" }),
        value: int(0, U32),
      }).superRefine((p, ctx) => {
        if (p.policy === 'none' && p.value !== 0) ctx.addIssue({ code: 'custom', path: ['value'], message: "0 when policy is 'none'" });
        if (p.policy === 'ttl' && p.value === 0) ctx.addIssue({ code: 'custom', path: ['value'], message: "at least 1 (ms) when policy is 'ttl'" });
      }).nullable(),
      peerAddrThresholds: object({ pathMaxRetrans: int(1, 65535), pfThreshold: int(0, 65535), psThreshold: int(0, 65535) }).superRefine((t, ctx) => {
        if (t.pfThreshold > t.psThreshold) {
          ctx.addIssue({ code: 'custom', path: ['pfThreshold'], message: `at most peerAddrThresholds.psThreshold (${t.psThreshold})` });
        }
      }).nullable(),
    },
    { error: 'an object of SCTP socket options' },
  );
});

/** Options that are known to be valid: the defaults and every result of the functions below. */
const known = new WeakSet<object>([DEFAULT_OPTIONS]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** The input over its base: a partial sub-object is completed from the base's (or the kernel's defaults). */
function merge(input: Record<string, unknown>, base: Readonly<SctpOptions>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const fallback = SUB_OBJECT_FALLBACKS[key];
    out[key] = fallback !== undefined && isPlainObject(value) ? { ...((base as unknown as Record<string, object | null>)[key] ?? fallback), ...value } : value;
  }
  return out;
}

function isEmpty(input: unknown): boolean {
  return input === undefined || (isPlainObject(input) && Object.values(input).every((v) => v === undefined));
}

/**
 * Fills defaults (from `base`), checks every field and freezes the result, or
 * lists every problem, each naming its field under `path`
 * (`options.initMsg.outStreams must be an integer from 1 to 65535, got 0`).
 * Throws nothing.
 */
export function validateSctpOptions(input: unknown, path = 'options', base: Readonly<SctpOptions> = DEFAULT_OPTIONS): Validated<Readonly<SctpOptions>> {
  if (isPlainObject(input) && known.has(input)) return { value: input as unknown as Readonly<SctpOptions>, problems: [] };
  if (isEmpty(input) && known.has(base)) return { value: base, problems: [] };
  if (!isPlainObject(input)) return { value: undefined, problems: [`${path} must be an object of SCTP socket options, got ${describe(input)}`] };
  const result = validateWith(optionsSchema(), merge(input, base), path);
  if (result.value !== undefined) known.add(result.value);
  return result as Validated<Readonly<SctpOptions>>;
}

/**
 * Fills defaults (from `base`), checks every field and freezes the result.
 * Throws SHOAL_ERR_SCTP_INVALID_OPTION listing every problem.
 */
export function validateOptions(input: SctpOptionsInput = {}, base: Readonly<SctpOptions> = DEFAULT_OPTIONS): Readonly<SctpOptions> {
  const { value, problems } = validateSctpOptions(input, 'options', base);
  if (value === undefined) throw new ERR_SCTP_INVALID_OPTION(problems);
  return value;
}

/**
 * Options that validateOptions() or validateSctpOptions() accepted before (in
 * this process or another one), merged over `base` without checking them
 * again: sockets take the result as it is, and zod is not loaded. Anything
 * else must go through validateOptions().
 */
export function assumeValidOptions(input: SctpOptionsInput, base: Readonly<SctpOptions> = DEFAULT_OPTIONS): Readonly<SctpOptions> {
  if (known.has(input)) return input as Readonly<SctpOptions>;
  const value = Object.freeze(Object.fromEntries(
    Object.entries(merge(input as Record<string, unknown>, base)).map(([k, v]) => [k, isPlainObject(v) ? Object.freeze(v) : v]),
  )) as unknown as Readonly<SctpOptions>;
  known.add(value);
  return value;
}

/** The options read back from a socket (SCTP_STATUS is separate: status()). */
export interface SctpOptionsReadBack {
  noDelay: boolean;
  sendBufferSize: number;
  receiveBufferSize: number;
  initMsg: SctpInitMsg;
  rtoInfo: SctpRtoInfo;
  assocInfo: SctpAssocInfo & { numberPeerDestinations: number; peerRwnd: number; localRwnd: number };
  peerAddrParams: SctpPeerAddrParams & { pathMtu: number; sackDelayMs: number; flags: number };
  delayedSack: SctpDelayedSack;
  defaultSendInfo: SctpSendInfoDefaults;
  disableFragments: boolean;
  maxSegment: number;
  reusePort: boolean;
  autoCloseSeconds: number;
  adaptationIndication: number;
  partialDeliveryPoint: number;
  events: SctpEventOptions;
  /** For an association: whether both ends negotiated it; for a socket: its setting. null: the kernel has no such option. */
  reconfig: boolean | null;
  streamReset: SctpStreamResetOptions | null;
  interleaving: boolean | null;
  streamScheduler: SctpStreamScheduler | null;
  authSupported: boolean | null;
  /** Chunk types we require the peer to authenticate (SCTP_LOCAL_AUTH_CHUNKS); [] when AUTH is off. */
  authChunks: number[];
  asconf: boolean | null;
  defaultPrInfo: SctpDefaultPrInfo | null;
  peerAddrThresholds: SctpPeerAddrThresholds | null;
}

const EVENT_TYPES: Record<keyof SctpEventOptions, string> = {
  assocChange: 'SCTP_ASSOC_CHANGE',
  peerAddrChange: 'SCTP_PEER_ADDR_CHANGE',
  remoteError: 'SCTP_REMOTE_ERROR',
  sendFailed: 'SCTP_SEND_FAILED_EVENT',
  shutdown: 'SCTP_SHUTDOWN_EVENT',
  senderDry: 'SCTP_SENDER_DRY_EVENT',
  partialDelivery: 'SCTP_PARTIAL_DELIVERY_EVENT',
  adaptation: 'SCTP_ADAPTATION_INDICATION',
  authentication: 'SCTP_AUTHENTICATION_EVENT',
  streamReset: 'SCTP_STREAM_RESET_EVENT',
  assocReset: 'SCTP_ASSOC_RESET_EVENT',
  streamChange: 'SCTP_STREAM_CHANGE_EVENT',
};

const PR_POLICIES: Record<SctpPrPolicyName, string> = {
  none: 'SCTP_PR_SCTP_NONE', ttl: 'SCTP_PR_SCTP_TTL', rtx: 'SCTP_PR_SCTP_RTX', prio: 'SCTP_PR_SCTP_PRIO',
};
const SCHEDULERS: Record<SctpStreamScheduler, string> = { fcfs: 'SCTP_SS_FCFS', prio: 'SCTP_SS_PRIO', rr: 'SCTP_SS_RR' };

/** The PR-SCTP policy number (from the addon) of a name, and back. */
export function prPolicyNumber(name: SctpPrPolicyName): number {
  return native().constants[PR_POLICIES[name]];
}
export function prPolicyName(policy: number): SctpPrPolicyName {
  const c = native().constants;
  return (Object.keys(PR_POLICIES) as SctpPrPolicyName[]).find((k) => c[PR_POLICIES[k]] === policy) ?? 'none';
}

/**
 * Where a per-association option goes: the socket (one-to-one, or the
 * endpoint's defaults for future associations), one association, or, for a
 * one-to-many endpoint changed without an association id, its defaults AND
 * every live association.
 */
export type OptionScope = { assocId: number } | { live: () => Iterable<number> };

const SOCKET: OptionScope = { assocId: 0 };

function set(fd: number, opt: number, assocId: number, values: number[], what: string, host?: string | null, port?: number): void {
  const r = native().setOpt(fd, opt, assocId, values, host ?? null, port ?? 0);
  if (r < 0) throw optionError(r, 'setsockopt', `setting ${what}`, opt);
}

/**
 * Sets a per-association option in its scope. For a whole endpoint it tries
 * SCTP_ALL_ASSOC (the endpoint's defaults and every association, Linux >= 5.1
 * for the options that take it); where the kernel refuses that (EINVAL: the
 * option takes only SCTP_FUTURE_ASSOC or an association id), it sets the
 * defaults and then each live association by its id.
 */
function setScoped(fd: number, opt: number, scope: OptionScope, values: number[], what: string): void {
  if ('assocId' in scope) {
    set(fd, opt, scope.assocId, values, what);
    return;
  }
  const c = native().constants;
  const r = native().setOpt(fd, opt, c.SCTP_ALL_ASSOC, values, null, 0);
  if (r === 0) return;
  if (r !== -EINVAL) throw optionError(r, 'setsockopt', `setting ${what}`, opt);
  set(fd, opt, c.SCTP_FUTURE_ASSOC, values, what);
  for (const id of scope.live()) {
    const r2 = native().setOpt(fd, opt, id, values, null, 0);
    // An association that ended meanwhile is not an error.
    if (r2 < 0 && r2 !== -EINVAL && r2 !== -ENOENT) throw optionError(r2, 'setsockopt', `setting ${what} on association ${id}`, opt);
  }
}

function get<T>(fd: number, opt: number, assocId: number, what: string, host?: string | null, port?: number, extra?: number, extra2?: number): T {
  const r = native().getOpt(fd, opt, assocId, host ?? null, port ?? 0, extra ?? 0, extra2 ?? 0);
  if (typeof r === 'number' && r < 0) throw optionError(r, 'getsockopt', `reading ${what}`, opt);
  return r as T;
}

/** Like get(), but a kernel without the option gives null instead of an error. */
function getIfKernelHas<T>(fd: number, opt: number, assocId: number, what: string): T | null {
  const r = native().getOpt(fd, opt, assocId, null, 0, 0, 0);
  if (typeof r === 'number' && r < 0) {
    if (r === -ENOPROTOOPT || r === -EOPNOTSUPP) return null;
    throw optionError(r, 'getsockopt', `reading ${what}`, opt);
  }
  return r as T;
}

/**
 * Applies options to a socket. `only` limits it to the fields a caller changed
 * (setOptions); at open time every field is applied. `scope` says where the
 * per-association options go (see OptionScope); the default is the socket
 * (one-to-one: its association; one-to-many: future associations).
 */
export function applyOptions(fd: number, opts: Readonly<SctpOptions>, only?: readonly (keyof SctpOptions)[], scope: OptionScope | number = SOCKET): void {
  const want = (k: keyof SctpOptions): boolean => only === undefined || only.includes(k);
  const sc: OptionScope = typeof scope === 'number' ? { assocId: scope } : scope;
  const c = native().constants;
  if (want('reusePort') && (only !== undefined || opts.reusePort)) set(fd, OPT.REUSEPORT, 0, [opts.reusePort ? 1 : 0], 'reusePort (SO_REUSEPORT)');
  if (want('noDelay')) set(fd, OPT.NODELAY, 0, [opts.noDelay ? 1 : 0], 'noDelay (SCTP_NODELAY)');
  if (want('sendBufferSize')) set(fd, OPT.SNDBUF, 0, [opts.sendBufferSize], 'sendBufferSize (SO_SNDBUF)');
  if (want('receiveBufferSize')) set(fd, OPT.RCVBUF, 0, [opts.receiveBufferSize], 'receiveBufferSize (SO_RCVBUF)');
  if (want('initMsg')) {
    const m = opts.initMsg;
    set(fd, OPT.INITMSG, 0, [m.outStreams, m.maxInStreams, m.maxAttempts, m.maxInitTimeoutMs], 'initMsg (SCTP_INITMSG)');
  }
  if (want('rtoInfo') && opts.rtoInfo) {
    const m = opts.rtoInfo;
    setScoped(fd, OPT.RTOINFO, sc, [m.initialMs, m.maxMs, m.minMs], 'rtoInfo (SCTP_RTOINFO)');
  }
  if (want('assocInfo') && opts.assocInfo) {
    setScoped(fd, OPT.ASSOCINFO, sc, [opts.assocInfo.maxRetrans, opts.assocInfo.cookieLifeMs], 'assocInfo (SCTP_ASSOCINFO)');
  }
  if (want('peerAddrParams') && opts.peerAddrParams) {
    const m = opts.peerAddrParams;
    setScoped(fd, OPT.PEER_ADDR_PARAMS, sc, [m.hbIntervalMs, m.pathMaxRetrans, 0, 0, c.SPP_HB_ENABLE], 'peerAddrParams (SCTP_PEER_ADDR_PARAMS)');
  }
  if (want('delayedSack') && opts.delayedSack) {
    setScoped(fd, OPT.DELAYED_SACK, sc, [opts.delayedSack.delayMs, opts.delayedSack.freq], 'delayedSack (SCTP_DELAYED_SACK)');
  }
  if (want('defaultSendInfo') && opts.defaultSendInfo) {
    const m = opts.defaultSendInfo;
    setScoped(fd, OPT.DEFAULT_SNDINFO, sc, [m.stream, m.unordered ? c.SCTP_UNORDERED : 0, m.ppid, m.context], 'defaultSendInfo (SCTP_DEFAULT_SNDINFO)');
  }
  if (want('disableFragments') && (only !== undefined || opts.disableFragments)) {
    set(fd, OPT.DISABLE_FRAGMENTS, 0, [opts.disableFragments ? 1 : 0], 'disableFragments (SCTP_DISABLE_FRAGMENTS)');
  }
  if (want('maxSegment') && (only !== undefined || opts.maxSegment > 0)) setScoped(fd, OPT.MAXSEG, sc, [opts.maxSegment], 'maxSegment (SCTP_MAXSEG)');
  if (want('adaptationIndication') && opts.adaptationIndication !== null) {
    set(fd, OPT.ADAPTATION_LAYER, 0, [opts.adaptationIndication], 'adaptationIndication (SCTP_ADAPTATION_LAYER)');
  }
  if (want('partialDeliveryPoint') && (only !== undefined || opts.partialDeliveryPoint > 0)) {
    set(fd, OPT.PARTIAL_DELIVERY_POINT, 0, [opts.partialDeliveryPoint], 'partialDeliveryPoint (SCTP_PARTIAL_DELIVERY_POINT)');
  }
  if (want('events')) {
    for (const k of Object.keys(EVENT_TYPES) as (keyof SctpEventOptions)[]) {
      const on = k === 'assocChange' ? true : opts.events[k];
      // Types this kernel does not know are left alone while they are off.
      if (!on && only === undefined && DEFAULT_OPTIONS.events[k] === false) continue;
      setScoped(fd, OPT.EVENT, sc, [c[EVENT_TYPES[k]], on ? 1 : 0], `events.${k} (SCTP_EVENT)`);
    }
  }
  // RFC 6525, 8260, 4895, 5061: for associations set up from now on (the kernel
  // negotiates them in INIT/INIT-ACK).
  if (want('reconfig') && opts.reconfig !== null) {
    set(fd, OPT.RECONFIG_SUPPORTED, 0, [opts.reconfig ? 1 : 0], 'reconfig (SCTP_RECONFIG_SUPPORTED)');
  }
  if (want('streamReset') && opts.streamReset) {
    const m = opts.streamReset;
    const flags = (m.resetStreams ? c.SCTP_ENABLE_RESET_STREAM_REQ : 0) | (m.resetAssociation ? c.SCTP_ENABLE_RESET_ASSOC_REQ : 0) |
      (m.addStreams ? c.SCTP_ENABLE_CHANGE_ASSOC_REQ : 0);
    setScoped(fd, OPT.ENABLE_STREAM_RESET, sc, [flags], 'streamReset (SCTP_ENABLE_STREAM_RESET)');
  }
  if (want('interleaving') && opts.interleaving !== null) {
    if (opts.interleaving) {
      // RFC 6458 8.1.20: level 2 (interleave across streams) first; Linux refuses I-DATA without it.
      set(fd, OPT.FRAGMENT_INTERLEAVE, 0, [2], 'interleaving (SCTP_FRAGMENT_INTERLEAVE 2)');
      set(fd, OPT.INTERLEAVING_SUPPORTED, 0, [1], 'interleaving (SCTP_INTERLEAVING_SUPPORTED)');
    } else {
      // Linux refuses SCTP_INTERLEAVING_SUPPORTED (EPERM), even to turn it off, while
      // net.sctp.intl_enable is 0; fragment interleave 0 turns I-DATA off in every case.
      set(fd, OPT.FRAGMENT_INTERLEAVE, 0, [0], 'interleaving (SCTP_FRAGMENT_INTERLEAVE 0)');
    }
  }
  if (want('streamScheduler') && opts.streamScheduler !== null) {
    setScoped(fd, OPT.STREAM_SCHEDULER, sc, [c[SCHEDULERS[opts.streamScheduler]]], 'streamScheduler (SCTP_STREAM_SCHEDULER)');
  }
  if (want('authSupported') && opts.authSupported !== null) {
    set(fd, OPT.AUTH_SUPPORTED, 0, [opts.authSupported ? 1 : 0], 'authSupported (SCTP_AUTH_SUPPORTED)');
  }
  if (want('authChunks')) {
    for (const chunk of opts.authChunks) set(fd, OPT.AUTH_CHUNK, 0, [chunk], `authChunks (SCTP_AUTH_CHUNK ${chunk})`);
  }
  if (want('asconf') && opts.asconf !== null) {
    set(fd, OPT.ASCONF_SUPPORTED, 0, [opts.asconf ? 1 : 0], 'asconf (SCTP_ASCONF_SUPPORTED)');
  }
  if (want('defaultPrInfo') && opts.defaultPrInfo) {
    const m = opts.defaultPrInfo;
    setScoped(fd, OPT.DEFAULT_PRINFO, sc, [prPolicyNumber(m.policy), m.value], 'defaultPrInfo (SCTP_DEFAULT_PRINFO)');
  }
  if (want('peerAddrThresholds') && opts.peerAddrThresholds) {
    const m = opts.peerAddrThresholds;
    setScoped(fd, OPT.PEER_ADDR_THLDS, sc, [m.pathMaxRetrans, m.pfThreshold, m.psThreshold], 'peerAddrThresholds (SCTP_PEER_ADDR_THLDS_V2)');
  }
}

/** Applies autoclose (one-to-many only). */
export function applyAutoClose(fd: number, seconds: number): void {
  set(fd, OPT.AUTOCLOSE, 0, [seconds], 'autoCloseSeconds (SCTP_AUTOCLOSE)');
}

/** Reads every option back from the kernel. */
export function readOptions(fd: number, assocId = 0, oneToMany = false): SctpOptionsReadBack {
  const c = native().constants;
  const initMsg = get<{ numOstreams: number; maxInstreams: number; maxAttempts: number; maxInitTimeo: number }>(fd, OPT.INITMSG, 0, 'initMsg');
  const rto = get<{ initial: number; max: number; min: number }>(fd, OPT.RTOINFO, assocId, 'rtoInfo');
  const ai = get<{ maxRetrans: number; numberPeerDestinations: number; peerRwnd: number; localRwnd: number; cookieLife: number }>(fd, OPT.ASSOCINFO, assocId, 'assocInfo');
  const pp = get<{ hbInterval: number; pathMaxRetrans: number; pathMtu: number; sackDelay: number; flags: number }>(fd, OPT.PEER_ADDR_PARAMS, assocId, 'peerAddrParams');
  const ds = get<{ delay: number; freq: number }>(fd, OPT.DELAYED_SACK, assocId, 'delayedSack');
  const si = get<{ stream: number; flags: number; ppid: number; context: number }>(fd, OPT.DEFAULT_SNDINFO, assocId, 'defaultSendInfo');
  const events = {} as SctpEventOptions;
  for (const k of Object.keys(EVENT_TYPES) as (keyof SctpEventOptions)[]) {
    events[k] = get<number>(fd, OPT.EVENT, assocId, `events.${k}`, null, 0, c[EVENT_TYPES[k]]) !== 0;
  }
  return {
    noDelay: get<number>(fd, OPT.NODELAY, 0, 'noDelay') !== 0,
    sendBufferSize: get<number>(fd, OPT.SNDBUF, 0, 'sendBufferSize'),
    receiveBufferSize: get<number>(fd, OPT.RCVBUF, 0, 'receiveBufferSize'),
    initMsg: { outStreams: initMsg.numOstreams, maxInStreams: initMsg.maxInstreams, maxAttempts: initMsg.maxAttempts, maxInitTimeoutMs: initMsg.maxInitTimeo },
    rtoInfo: { initialMs: rto.initial, maxMs: rto.max, minMs: rto.min },
    assocInfo: { maxRetrans: ai.maxRetrans, cookieLifeMs: ai.cookieLife, numberPeerDestinations: ai.numberPeerDestinations, peerRwnd: ai.peerRwnd, localRwnd: ai.localRwnd },
    peerAddrParams: { hbIntervalMs: pp.hbInterval, pathMaxRetrans: pp.pathMaxRetrans, pathMtu: pp.pathMtu, sackDelayMs: pp.sackDelay, flags: pp.flags },
    delayedSack: { delayMs: ds.delay, freq: ds.freq },
    defaultSendInfo: { stream: si.stream, ppid: si.ppid, unordered: (si.flags & c.SCTP_UNORDERED) !== 0, context: si.context },
    disableFragments: get<number>(fd, OPT.DISABLE_FRAGMENTS, 0, 'disableFragments') !== 0,
    maxSegment: get<number>(fd, OPT.MAXSEG, assocId, 'maxSegment'),
    reusePort: get<number>(fd, OPT.REUSEPORT, 0, 'reusePort') !== 0,
    autoCloseSeconds: oneToMany ? get<number>(fd, OPT.AUTOCLOSE, 0, 'autoCloseSeconds') : 0,
    adaptationIndication: get<number>(fd, OPT.ADAPTATION_LAYER, 0, 'adaptationIndication'),
    partialDeliveryPoint: get<number>(fd, OPT.PARTIAL_DELIVERY_POINT, 0, 'partialDeliveryPoint'),
    events,
    ...readRfcOptions(fd, assocId),
  };
}

function readRfcOptions(fd: number, assocId: number): Pick<SctpOptionsReadBack,
  'reconfig' | 'streamReset' | 'interleaving' | 'streamScheduler' | 'authSupported' | 'authChunks' | 'asconf' | 'defaultPrInfo' | 'peerAddrThresholds'> {
  const c = native().constants;
  const flag = (opt: number, what: string): boolean | null => {
    const v = getIfKernelHas<number>(fd, opt, assocId, what);
    return v === null ? null : v !== 0;
  };
  const sr = getIfKernelHas<number>(fd, OPT.ENABLE_STREAM_RESET, assocId, 'streamReset (SCTP_ENABLE_STREAM_RESET)');
  const ss = getIfKernelHas<number>(fd, OPT.STREAM_SCHEDULER, assocId, 'streamScheduler (SCTP_STREAM_SCHEDULER)');
  const pr = getIfKernelHas<{ policy: number; value: number }>(fd, OPT.DEFAULT_PRINFO, assocId, 'defaultPrInfo (SCTP_DEFAULT_PRINFO)');
  const th = getIfKernelHas<SctpPeerAddrThresholds>(fd, OPT.PEER_ADDR_THLDS, assocId, 'peerAddrThresholds (SCTP_PEER_ADDR_THLDS_V2)');
  // SCTP_LOCAL_AUTH_CHUNKS fails (EACCES) while AUTH is off: no chunks then.
  const chunks = native().getOpt(fd, OPT.LOCAL_AUTH_CHUNKS, assocId, null, 0, 0, 0);
  return {
    reconfig: flag(OPT.RECONFIG_SUPPORTED, 'reconfig (SCTP_RECONFIG_SUPPORTED)'),
    streamReset: sr === null ? null : {
      resetStreams: (sr & c.SCTP_ENABLE_RESET_STREAM_REQ) !== 0,
      resetAssociation: (sr & c.SCTP_ENABLE_RESET_ASSOC_REQ) !== 0,
      addStreams: (sr & c.SCTP_ENABLE_CHANGE_ASSOC_REQ) !== 0,
    },
    interleaving: flag(OPT.INTERLEAVING_SUPPORTED, 'interleaving (SCTP_INTERLEAVING_SUPPORTED)'),
    streamScheduler: ss === null ? null : (Object.keys(SCHEDULERS) as SctpStreamScheduler[]).find((k) => c[SCHEDULERS[k]] === ss) ?? null,
    authSupported: flag(OPT.AUTH_SUPPORTED, 'authSupported (SCTP_AUTH_SUPPORTED)'),
    authChunks: Array.isArray(chunks) ? (chunks as number[]) : [],
    asconf: flag(OPT.ASCONF_SUPPORTED, 'asconf (SCTP_ASCONF_SUPPORTED)'),
    defaultPrInfo: pr === null ? null : { policy: prPolicyName(pr.policy), value: pr.value },
    peerAddrThresholds: th,
  };
}
