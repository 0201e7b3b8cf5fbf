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
import { ERR_SCTP_INVALID_OPTION, syscallError } from './errors';
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
}

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
  }),
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
});

const U32 = 0xffffffff;
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
};

function set(fd: number, opt: number, assocId: number, values: number[], what: string, host?: string | null, port?: number): void {
  const r = native().setOpt(fd, opt, assocId, values, host ?? null, port ?? 0);
  if (r < 0) throw syscallError(r, 'setsockopt', `setting ${what}`);
}

function get<T>(fd: number, opt: number, assocId: number, what: string, host?: string | null, port?: number, eventType?: number): T {
  const r = native().getOpt(fd, opt, assocId, host ?? null, port ?? 0, eventType ?? 0);
  if (typeof r === 'number' && r < 0) throw syscallError(r, 'getsockopt', `reading ${what}`);
  return r as T;
}

/**
 * Applies options to a socket. `only` limits it to the fields a caller changed
 * (setOptions); at open time every field is applied. `assocId` 0 means the
 * socket's defaults for future associations (and, one-to-one, the current one).
 */
export function applyOptions(fd: number, opts: Readonly<SctpOptions>, only?: readonly (keyof SctpOptions)[], assocId = 0): void {
  const want = (k: keyof SctpOptions): boolean => only === undefined || only.includes(k);
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
    set(fd, OPT.RTOINFO, assocId, [m.initialMs, m.maxMs, m.minMs], 'rtoInfo (SCTP_RTOINFO)');
  }
  if (want('assocInfo') && opts.assocInfo) {
    set(fd, OPT.ASSOCINFO, assocId, [opts.assocInfo.maxRetrans, opts.assocInfo.cookieLifeMs], 'assocInfo (SCTP_ASSOCINFO)');
  }
  if (want('peerAddrParams') && opts.peerAddrParams) {
    const m = opts.peerAddrParams;
    set(fd, OPT.PEER_ADDR_PARAMS, assocId, [m.hbIntervalMs, m.pathMaxRetrans, 0, 0, c.SPP_HB_ENABLE], 'peerAddrParams (SCTP_PEER_ADDR_PARAMS)');
  }
  if (want('delayedSack') && opts.delayedSack) {
    set(fd, OPT.DELAYED_SACK, assocId, [opts.delayedSack.delayMs, opts.delayedSack.freq], 'delayedSack (SCTP_DELAYED_SACK)');
  }
  if (want('defaultSendInfo') && opts.defaultSendInfo) {
    const m = opts.defaultSendInfo;
    set(fd, OPT.DEFAULT_SNDINFO, assocId, [m.stream, m.unordered ? c.SCTP_UNORDERED : 0, m.ppid, m.context], 'defaultSendInfo (SCTP_DEFAULT_SNDINFO)');
  }
  if (want('disableFragments') && (only !== undefined || opts.disableFragments)) {
    set(fd, OPT.DISABLE_FRAGMENTS, 0, [opts.disableFragments ? 1 : 0], 'disableFragments (SCTP_DISABLE_FRAGMENTS)');
  }
  if (want('maxSegment') && (only !== undefined || opts.maxSegment > 0)) set(fd, OPT.MAXSEG, assocId, [opts.maxSegment], 'maxSegment (SCTP_MAXSEG)');
  if (want('adaptationIndication') && opts.adaptationIndication !== null) {
    set(fd, OPT.ADAPTATION_LAYER, 0, [opts.adaptationIndication], 'adaptationIndication (SCTP_ADAPTATION_LAYER)');
  }
  if (want('partialDeliveryPoint') && (only !== undefined || opts.partialDeliveryPoint > 0)) {
    set(fd, OPT.PARTIAL_DELIVERY_POINT, 0, [opts.partialDeliveryPoint], 'partialDeliveryPoint (SCTP_PARTIAL_DELIVERY_POINT)');
  }
  if (want('events')) {
    for (const k of Object.keys(EVENT_TYPES) as (keyof SctpEventOptions)[]) {
      const on = k === 'assocChange' ? true : opts.events[k];
      set(fd, OPT.EVENT, 0, [c[EVENT_TYPES[k]], on ? 1 : 0], `events.${k} (SCTP_EVENT)`);
    }
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
  };
}
