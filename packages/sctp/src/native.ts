// Loads the N-API addon (built by node-gyp at install, found by node-gyp-build)
// and describes its functions. Every function returns a value >= 0 (or an
// object) on success and -errno on failure; none of them throws on a syscall
// failure. Arguments are validated in TypeScript before they reach these.
import * as path from 'node:path';
import { lazyAddon } from '@shoal/common';
import { ERR_SCTP_NATIVE_LOAD } from './errors';

export interface NativeAddress {
  /** The address; a scoped IPv6 address carries its zone as node:net prints it ("fe80::1%lo"). */
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
  /** The interface index of a scoped (link-local) IPv6 address (sin6_scope_id). */
  scopeId?: number;
}

export interface NativeHandle {
  readonly initError: number;
  setEvents(readable: boolean, writable: boolean): number;
  setMaxMessageBytes(bytes: number): void;
  /** Messages read in part: while there are any, reading goes on to the next message boundary (even paused). */
  partialMessages(): number;
  /** Whether the handle keeps the event loop alive (uv_ref / uv_unref). */
  ref(): void;
  unref(): void;
  close(): void;
}

export type NativeCallback = (kind: number, a?: unknown, b?: unknown, c?: unknown) => void;

export interface NativeBinding {
  Handle: new (fd: number, mode: number, cb: NativeCallback, maxMessageBytes: number) => NativeHandle;
  socket(family: 4 | 6, style: 0 | 1): number;
  close(fd: number): number;
  bindx(fd: number, hosts: string[], port: number, op: 0 | 1 | 2): number;
  listen(fd: number, backlog: number): number;
  connectx(fd: number, hosts: string[], port: number): number;
  accept(fd: number): number;
  peeloff(fd: number, assocId: number): number;
  shutdown(fd: number, how: number): number;
  send(
    fd: number, data: Uint8Array, hasInfo: boolean, sid: number, ppid: number, flags: number,
    context: number, prValue: number, assocId: number, host: string | null, port: number, prPolicy?: number,
  ): number;
  sendMany(
    fd: number, data: Uint8Array[], start: number, hasInfo: boolean, sid: number, ppid: number,
    flags: number, context: number, prValue: number, assocId: number, host?: null, port?: number, prPolicy?: number,
  ): number;
  setOpt(fd: number, opt: number, assocId: number, values: number[], host?: string | null, port?: number): number;
  /** extra: the event type (EVENT), or the PR policy then the stream (PR_ASSOC_STATUS, PR_STREAM_STATUS). */
  getOpt(fd: number, opt: number, assocId: number, host?: string | null, port?: number, extra?: number, extra2?: number): unknown;
  getAddrs(fd: number, assocId: number, peer: boolean): NativeAddress[] | number;
  socketInfo(fd: number): { type: 'stream' | 'seqpacket' | 'other'; sctp: boolean; listening: boolean; family: number } | number;
  adoptFd(fd: number): number;
  unixPair(): [number, number] | number;
  unixListen(path: string, backlog: number): number;
  unixConnect(path: string): number;
  unixAccept(fd: number): number;
  sendFds(fd: number, data: Uint8Array, fds: number[]): number;
  constants: Record<string, number>;
  /** The option codes of setOpt/getOpt, by name, from native/sctp.cc (OPT below must match). */
  opt: Record<string, number>;
}

/** Handle modes (native/sctp.cc Mode). */
export const MODE = { LISTEN: 0, DATA: 1, UNIX: 2 } as const;
/** Callback kinds (native/sctp.cc Event). */
export const EV = { READABLE: 0, BATCH: 1, WRITABLE: 3, ERROR: 4, EOF: 5, FDS: 7, BOUNDARY: 8 } as const;
/** Numbers per received message in the meta array of a batch. */
export const META_STRIDE = 9;

/**
 * Option codes (native/sctp.cc Opt, which also exports them as `opt`; a host
 * test checks that these match).
 */
export const OPT = {
  NODELAY: 1, INITMSG: 2, RTOINFO: 3, ASSOCINFO: 4, PEER_ADDR_PARAMS: 5, DELAYED_SACK: 6,
  DEFAULT_SNDINFO: 7, DISABLE_FRAGMENTS: 8, MAXSEG: 9, SNDBUF: 10, RCVBUF: 11, REUSEPORT: 12,
  AUTOCLOSE: 13, EVENT: 14, STATUS: 15, PRIMARY_ADDR: 16, RECVRCVINFO: 17, ADAPTATION_LAYER: 18,
  PR_SUPPORTED: 19, REUSEADDR: 20, SO_ERROR: 21, PEER_ADDR_INFO: 22, FRAGMENT_INTERLEAVE: 23,
  PARTIAL_DELIVERY_POINT: 24, LINGER: 25, ENABLE_STREAM_RESET: 26, RECONFIG_SUPPORTED: 27,
  RESET_STREAMS: 28, ADD_STREAMS: 29, RESET_ASSOC: 30, INTERLEAVING_SUPPORTED: 31, STREAM_SCHEDULER: 32,
  AUTH_SUPPORTED: 33, AUTH_KEY: 34, AUTH_ACTIVE_KEY: 35, AUTH_DELETE_KEY: 36, AUTH_DEACTIVATE_KEY: 37,
  AUTH_CHUNK: 38, PEER_AUTH_CHUNKS: 39, LOCAL_AUTH_CHUNKS: 40, DEFAULT_PRINFO: 41, PR_ASSOC_STATUS: 42,
  PR_STREAM_STATUS: 43, PEER_ADDR_THLDS: 44, SET_PEER_PRIMARY_ADDR: 45, ASCONF_SUPPORTED: 46,
} as const;

/** The addon, loaded on first use. Throws SHOAL_ERR_SCTP_NATIVE_LOAD if it is missing. */
export const native = lazyAddon(
  () => (require('node-gyp-build') as (dir: string) => NativeBinding)(path.join(__dirname, '..')),
  (error) => new ERR_SCTP_NATIVE_LOAD(error.message, { cause: error }),
);
