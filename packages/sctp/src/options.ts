// Socket options: the Options type, its defaults in one constant, one
// validation function that names the bad field and freezes the result, and the
// code that applies them to a socket and reads them back.
import { invalidOption, syscallError } from './errors';
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
  adaptationIndication: null,
  backlog: 511,
  partialDeliveryPoint: 0,
  events: Object.freeze({
    assocChange: true, peerAddrChange: true, remoteError: true, sendFailed: true,
    shutdown: true, senderDry: false, partialDelivery: true, adaptation: true,
  }),
});

function int(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalidOption(field, `an integer from ${min} to ${max}`, v);
  }
  return v;
}

function bool(field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw invalidOption(field, 'true or false', v);
  return v;
}

function obj(field: string, v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidOption(field, 'an object', v);
  return v as Record<string, unknown>;
}

function known(field: string, v: Record<string, unknown>, keys: readonly string[]): void {
  for (const k of Object.keys(v)) {
    if (!keys.includes(k)) throw invalidOption(`${field}${field ? '.' : ''}${k}`, `one of the known options (${keys.join(', ')})`, 'an unknown option');
  }
}

function sub<T extends object>(
  field: string, v: unknown, base: T | null, fallback: T, check: (m: Record<string, unknown>) => T,
): T | null {
  if (v === undefined) return base;
  if (v === null) return null;
  const o = obj(field, v);
  const merged = { ...(base ?? fallback), ...o } as Record<string, unknown>;
  return Object.freeze(check(merged));
}

/** Fills defaults, checks every field (naming the bad one) and freezes the result. */
export function validateOptions(input: SctpOptionsInput = {}, base: Readonly<SctpOptions> = DEFAULT_OPTIONS): Readonly<SctpOptions> {
  const o = obj('', input);
  known('', o, Object.keys(DEFAULT_OPTIONS));
  const v = <K extends keyof SctpOptions>(k: K): unknown => (o[k] === undefined ? base[k] : o[k]);
  const out: SctpOptions = {
    noDelay: bool('noDelay', v('noDelay')),
    sendBufferSize: int('sendBufferSize', v('sendBufferSize'), 1024, 1 << 30),
    receiveBufferSize: int('receiveBufferSize', v('receiveBufferSize'), 1024, 1 << 30),
    initMsg: sub('initMsg', o.initMsg, base.initMsg, DEFAULT_OPTIONS.initMsg, (m) => {
      known('initMsg', m, ['outStreams', 'maxInStreams', 'maxAttempts', 'maxInitTimeoutMs']);
      return {
        outStreams: int('initMsg.outStreams', m.outStreams, 1, 65535),
        maxInStreams: int('initMsg.maxInStreams', m.maxInStreams, 1, 65535),
        maxAttempts: int('initMsg.maxAttempts', m.maxAttempts, 0, 65535),
        maxInitTimeoutMs: int('initMsg.maxInitTimeoutMs', m.maxInitTimeoutMs, 0, 65535),
      };
    }) ?? (() => { throw invalidOption('initMsg', 'an object', null); })(),
    rtoInfo: sub('rtoInfo', o.rtoInfo, base.rtoInfo, { initialMs: 3000, maxMs: 60000, minMs: 1000 }, (m) => {
      known('rtoInfo', m, ['initialMs', 'maxMs', 'minMs']);
      const r = {
        initialMs: int('rtoInfo.initialMs', m.initialMs, 1, 0x7fffffff),
        maxMs: int('rtoInfo.maxMs', m.maxMs, 1, 0x7fffffff),
        minMs: int('rtoInfo.minMs', m.minMs, 1, 0x7fffffff),
      };
      if (r.minMs > r.maxMs) throw invalidOption('rtoInfo.minMs', `at most rtoInfo.maxMs (${r.maxMs})`, r.minMs);
      if (r.initialMs < r.minMs || r.initialMs > r.maxMs) throw invalidOption('rtoInfo.initialMs', `between minMs and maxMs`, r.initialMs);
      return r;
    }),
    assocInfo: sub('assocInfo', o.assocInfo, base.assocInfo, { maxRetrans: 10, cookieLifeMs: 60000 }, (m) => {
      known('assocInfo', m, ['maxRetrans', 'cookieLifeMs']);
      return {
        maxRetrans: int('assocInfo.maxRetrans', m.maxRetrans, 1, 65535),
        cookieLifeMs: int('assocInfo.cookieLifeMs', m.cookieLifeMs, 1, 0x7fffffff),
      };
    }),
    peerAddrParams: sub('peerAddrParams', o.peerAddrParams, base.peerAddrParams, { hbIntervalMs: 30000, pathMaxRetrans: 5 }, (m) => {
      known('peerAddrParams', m, ['hbIntervalMs', 'pathMaxRetrans']);
      return {
        hbIntervalMs: int('peerAddrParams.hbIntervalMs', m.hbIntervalMs, 1, 0x7fffffff),
        pathMaxRetrans: int('peerAddrParams.pathMaxRetrans', m.pathMaxRetrans, 1, 65535),
      };
    }),
    delayedSack: sub('delayedSack', o.delayedSack, base.delayedSack, { delayMs: 200, freq: 2 }, (m) => {
      known('delayedSack', m, ['delayMs', 'freq']);
      return {
        delayMs: int('delayedSack.delayMs', m.delayMs, 1, 500),
        freq: int('delayedSack.freq', m.freq, 1, 65535),
      };
    }),
    defaultSendInfo: sub('defaultSendInfo', o.defaultSendInfo, base.defaultSendInfo, { stream: 0, ppid: 0, unordered: false, context: 0 }, (m) => {
      known('defaultSendInfo', m, ['stream', 'ppid', 'unordered', 'context']);
      return {
        stream: int('defaultSendInfo.stream', m.stream, 0, 65535),
        ppid: int('defaultSendInfo.ppid', m.ppid, 0, 0xffffffff),
        unordered: bool('defaultSendInfo.unordered', m.unordered),
        context: int('defaultSendInfo.context', m.context, 0, 0xffffffff),
      };
    }),
    disableFragments: bool('disableFragments', v('disableFragments')),
    maxSegment: int('maxSegment', v('maxSegment'), 0, 65535),
    reusePort: bool('reusePort', v('reusePort')),
    autoCloseSeconds: int('autoCloseSeconds', v('autoCloseSeconds'), 0, 0x7fffffff),
    maxMessageBytes: int('maxMessageBytes', v('maxMessageBytes'), 1, 1 << 30),
    adaptationIndication: v('adaptationIndication') === null ? null : int('adaptationIndication', v('adaptationIndication'), 0, 0xffffffff),
    backlog: int('backlog', v('backlog'), 1, 65535),
    partialDeliveryPoint: int('partialDeliveryPoint', v('partialDeliveryPoint'), 0, 0x7fffffff),
    events: Object.freeze((() => {
      const e = { ...base.events, ...(o.events === undefined ? {} : obj('events', o.events)) } as Record<string, unknown>;
      known('events', e, Object.keys(DEFAULT_OPTIONS.events));
      const r = {} as SctpEventOptions;
      for (const k of Object.keys(DEFAULT_OPTIONS.events) as (keyof SctpEventOptions)[]) r[k] = bool(`events.${k}`, e[k]);
      return r;
    })()),
  };
  return Object.freeze(out);
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
