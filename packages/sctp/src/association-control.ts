// Requests on a live association from RFC 6458's extensions: stream
// reconfiguration (RFC 6525: reset streams, add streams, reset the
// association), SCTP-AUTH keys (RFC 4895), the PR-SCTP abandoned counters,
// and asking the peer to use one of our addresses as its primary (RFC 5061).
// SctpSocket, SctpEndpoint and SctpServer expose them as methods; here each is
// a function of the fd and the association id (0 on a one-to-one socket),
// checked before the addon is entered.
import * as os from 'node:os';
import { checkAddress, checkPort, checkU16 } from './arguments';
import { invalidArgument } from './errors';
import { optionError } from './kernel-features';
import { native, OPT } from './native';

/** Which direction of streams to reset (SCTP_STREAM_RESET_INCOMING / _OUTGOING). */
export type SctpStreamResetDirection = 'incoming' | 'outgoing' | 'both';

export interface SctpResetStreamsRequest {
  /**
   * 'outgoing': our outbound streams start again at SSN 0 (the peer is told);
   * 'incoming': we ask the peer to reset its outbound streams (our inbound);
   * 'both'.
   */
  direction: SctpStreamResetDirection;
  /** Stream numbers; omitted or empty: every stream. */
  streams?: readonly number[];
}

export interface SctpAddStreamsRequest {
  /** Inbound streams to add (the peer is asked to add outbound ones). */
  inbound?: number;
  /** Outbound streams to add. */
  outbound?: number;
}

/** Abandoned-message counters of one PR-SCTP policy. */
export interface SctpAbandoned {
  /** Abandoned before they were sent. */
  unsent: number;
  /** Abandoned after they were sent at least once. */
  sent: number;
}

/** SCTP_PR_ASSOC_STATUS / SCTP_PR_STREAM_STATUS: abandoned messages by policy. */
export interface SctpPrStatus {
  ttl: SctpAbandoned;
  rtx: SctpAbandoned;
  prio: SctpAbandoned;
  /** Every policy together (SCTP_PR_SCTP_ALL). */
  all: SctpAbandoned;
}

function check(r: number, what: string, opt: number, assocId: number): void {
  if (r < 0) throw optionError(r, 'setsockopt', what, opt, assocId || undefined);
}

function assocLabel(assocId: number): string {
  return assocId === 0 ? 'the association' : `association ${assocId}`;
}

/** SCTP_RESET_STREAMS. The stream-reset notification says when it is done (or denied). */
export function resetStreams(fd: number, assocId: number, req: SctpResetStreamsRequest): void {
  if (typeof req !== 'object' || req === null) throw invalidArgument('request', '{ direction, streams? }', req);
  const c = native().constants;
  const flags = { incoming: c.SCTP_STREAM_RESET_INCOMING, outgoing: c.SCTP_STREAM_RESET_OUTGOING, both: c.SCTP_STREAM_RESET_INCOMING | c.SCTP_STREAM_RESET_OUTGOING }[req.direction];
  if (flags === undefined) throw invalidArgument('request.direction', "'incoming', 'outgoing' or 'both'", req.direction);
  const streams = req.streams ?? [];
  if (!Array.isArray(streams) || streams.length > 65535) throw invalidArgument('request.streams', 'an array of stream numbers', streams);
  const list = streams.map((s, i) => checkU16(`request.streams[${i}]`, s));
  const r = native().setOpt(fd, OPT.RESET_STREAMS, assocId, [flags, ...list]);
  check(r, `resetting ${req.direction} streams ${list.length ? list.join(', ') : '(all)'} of ${assocLabel(assocId)}`, OPT.RESET_STREAMS, assocId);
}

/** SCTP_ADD_STREAMS. The stream-change notification gives the new counts. */
export function addStreams(fd: number, assocId: number, req: SctpAddStreamsRequest): void {
  if (typeof req !== 'object' || req === null) throw invalidArgument('request', '{ inbound?, outbound? }', req);
  const inbound = checkU16('request.inbound', req.inbound ?? 0);
  const outbound = checkU16('request.outbound', req.outbound ?? 0);
  if (inbound === 0 && outbound === 0) throw invalidArgument('request', 'at least one of inbound or outbound above 0', req);
  const r = native().setOpt(fd, OPT.ADD_STREAMS, assocId, [inbound, outbound]);
  check(r, `adding ${inbound} inbound and ${outbound} outbound streams to ${assocLabel(assocId)}`, OPT.ADD_STREAMS, assocId);
}

/** SCTP_RESET_ASSOC: TSNs and every SSN start again. The assoc-reset notification follows. */
export function resetAssociation(fd: number, assocId: number): void {
  const r = native().setOpt(fd, OPT.RESET_ASSOC, assocId, []);
  check(r, `resetting ${assocLabel(assocId)}`, OPT.RESET_ASSOC, assocId);
}

function keyNumberArg(v: unknown): number {
  return checkU16('keyNumber', v);
}

/**
 * SCTP_AUTH_KEY: adds (or replaces) shared key `keyNumber` with `secret`
 * (1 to 65535 bytes; a string is UTF-8). assocId: 0 for the socket (and,
 * with `all`, every live association of a one-to-many endpoint).
 */
export function setAuthKey(fd: number, assocId: number, keyNumber: unknown, secret: unknown, all = false): void {
  const n = keyNumberArg(keyNumber);
  let bytes: Buffer;
  if (typeof secret === 'string') bytes = Buffer.from(secret);
  else if (secret instanceof Uint8Array) bytes = Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength);
  else throw invalidArgument('secret', 'a Buffer, a Uint8Array or a string', secret);
  if (bytes.length === 0 || bytes.length > 65535) throw invalidArgument('secret', '1 to 65535 bytes', secret);
  const values = [n, ...bytes];
  scoped(fd, OPT.AUTH_KEY, assocId, values, all, `setting SCTP-AUTH key ${n}`);
  values.fill(0);
}

/** SCTP_AUTH_ACTIVE_KEY / _DEACTIVATE_KEY / _DELETE_KEY. */
export function authKeyOp(fd: number, assocId: number, op: 'activate' | 'deactivate' | 'delete', keyNumber: unknown, all = false): void {
  const n = keyNumberArg(keyNumber);
  const opt = { activate: OPT.AUTH_ACTIVE_KEY, deactivate: OPT.AUTH_DEACTIVATE_KEY, delete: OPT.AUTH_DELETE_KEY }[op];
  scoped(fd, opt, assocId, [n], all, `${op === 'activate' ? 'activating' : op === 'deactivate' ? 'deactivating' : 'deleting'} SCTP-AUTH key ${n}`);
}

/** The active key number (SCTP_AUTH_ACTIVE_KEY). */
export function activeAuthKey(fd: number, assocId: number): number {
  const r = native().getOpt(fd, OPT.AUTH_ACTIVE_KEY, assocId) as number;
  if (r < 0) throw optionError(r, 'getsockopt', 'reading the active SCTP-AUTH key', OPT.AUTH_ACTIVE_KEY, assocId || undefined);
  return r;
}

/** Chunk types the peer requires us to authenticate, or we require of it. */
export function authChunks(fd: number, assocId: number, peer: boolean): number[] {
  const opt = peer ? OPT.PEER_AUTH_CHUNKS : OPT.LOCAL_AUTH_CHUNKS;
  const r = native().getOpt(fd, opt, assocId) as number[] | number;
  if (typeof r === 'number') throw optionError(r, 'getsockopt', `reading the ${peer ? "peer's" : 'local'} authenticated chunk types`, opt, assocId || undefined);
  return r;
}

/** Abandoned-message counters of the association, or of one of its outbound streams. */
export function prStatus(fd: number, assocId: number, stream?: number): SctpPrStatus {
  const sid = stream === undefined ? 0 : checkU16('stream', stream);
  const opt = stream === undefined ? OPT.PR_ASSOC_STATUS : OPT.PR_STREAM_STATUS;
  const c = native().constants;
  const read = (policy: number): SctpAbandoned => {
    const r = native().getOpt(fd, opt, assocId, null, 0, policy, sid) as { abandonedUnsent: number; abandonedSent: number } | number;
    if (typeof r === 'number') {
      throw optionError(r, 'getsockopt', `reading the PR-SCTP counters of ${assocLabel(assocId)}${stream === undefined ? '' : ` stream ${sid}`}`, opt, assocId || undefined);
    }
    return { unsent: r.abandonedUnsent, sent: r.abandonedSent };
  };
  return { ttl: read(c.SCTP_PR_SCTP_TTL), rtx: read(c.SCTP_PR_SCTP_RTX), prio: read(c.SCTP_PR_SCTP_PRIO), all: read(c.SCTP_PR_SCTP_ALL) };
}

/**
 * SCTP_SET_PEER_PRIMARY_ADDR (RFC 5061 ASCONF Set Primary Address): asks the
 * peer to send to our `address` (one of this association's local addresses).
 */
export function setPeerPrimary(fd: number, assocId: number, address: unknown, port: unknown): void {
  const a = checkAddress('address', address);
  const p = checkPort('port', port);
  const r = native().setOpt(fd, OPT.SET_PEER_PRIMARY_ADDR, assocId, [], a, p);
  check(r, `asking the peer of ${assocLabel(assocId)} to make ${a} its primary path`, OPT.SET_PEER_PRIMARY_ADDR, assocId);
}

/**
 * A per-association setsockopt: with `all`, SCTP_ALL_ASSOC (the socket's
 * defaults and every live association), falling back to the defaults only
 * where the kernel does not take SCTP_ALL_ASSOC for it.
 */
function scoped(fd: number, opt: number, assocId: number, values: number[], all: boolean, what: string): void {
  const c = native().constants;
  if (all) {
    const r = native().setOpt(fd, opt, c.SCTP_ALL_ASSOC, values);
    if (r === 0) return;
    if (r !== -os.constants.errno.EINVAL) check(r, what, opt, 0);
  }
  check(native().setOpt(fd, opt, assocId, values), what, opt, assocId);
}
