// A Diameter message (RFC 6733 section 3): a 20-byte header (version 1,
// 24-bit length, flags R/P/E/T, 24-bit command code, application id,
// hop-by-hop and end-to-end identifiers) and its AVPs.
import { type Avp, encodedAvpLength, decodeAvps, writeAvp } from './avp';
import { ResultCode } from './codes';
import { DiameterDecodeError } from './decode-error';

export const HEADER_LENGTH = 20;
export const DIAMETER_VERSION = 1;
export const MAX_MESSAGE_LENGTH = 0xffffff;
export const COMMAND_FLAG = Object.freeze({ request: 0x80, proxiable: 0x40, error: 0x20, retransmit: 0x10, reserved: 0x0f });

export interface CommandFlags {
  /** R: a request (else an answer). */
  readonly request: boolean;
  /** P: may be proxied, relayed or redirected. */
  readonly proxiable: boolean;
  /** E: an answer carrying a protocol error (a 3xxx Result-Code). */
  readonly error: boolean;
  /** T: a possible retransmission after a link failover. */
  readonly retransmit: boolean;
}

export interface DiameterHeader {
  readonly version: number;
  /** Bytes of the whole message, from the header's length field. */
  readonly length: number;
  readonly flags: CommandFlags;
  /** The flags byte as received, reserved bits included. */
  readonly rawFlags: number;
  readonly commandCode: number;
  readonly applicationId: number;
  readonly hopByHop: number;
  readonly endToEnd: number;
}

export interface DiameterMessage {
  readonly flags: CommandFlags;
  readonly commandCode: number;
  readonly applicationId: number;
  readonly hopByHop: number;
  readonly endToEnd: number;
  readonly avps: readonly Avp[];
}

/** Builds flags; what is not given is false. */
export function flags(f: Partial<CommandFlags>): CommandFlags {
  return { request: f.request ?? false, proxiable: f.proxiable ?? false, error: f.error ?? false, retransmit: f.retransmit ?? false };
}

export function encodeMessage(m: DiameterMessage): Buffer {
  const length = HEADER_LENGTH + m.avps.reduce((n, a) => n + encodedAvpLength(a), 0);
  if (length > MAX_MESSAGE_LENGTH) throw new RangeError(`a Diameter message of ${length} bytes is more than its length field holds (${MAX_MESSAGE_LENGTH})`);
  const out = Buffer.alloc(length);
  out.writeUInt32BE(((DIAMETER_VERSION << 24) | length) >>> 0, 0);
  const f = (m.flags.request ? COMMAND_FLAG.request : 0) | (m.flags.proxiable ? COMMAND_FLAG.proxiable : 0) | (m.flags.error ? COMMAND_FLAG.error : 0) | (m.flags.retransmit ? COMMAND_FLAG.retransmit : 0);
  out.writeUInt32BE(((f << 24) | (m.commandCode & 0xffffff)) >>> 0, 4);
  out.writeUInt32BE(m.applicationId >>> 0, 8);
  out.writeUInt32BE(m.hopByHop >>> 0, 12);
  out.writeUInt32BE(m.endToEnd >>> 0, 16);
  let at = HEADER_LENGTH;
  for (const a of m.avps) at = writeAvp(a, out, at);
  return out;
}

/** The header of `buf`, or undefined when it is shorter than a header (nothing to answer then). */
export function decodeHeader(buf: Buffer): DiameterHeader | undefined {
  if (buf.length < HEADER_LENGTH) return undefined;
  const rawFlags = buf[4];
  return {
    version: buf[0],
    length: buf.readUIntBE(1, 3),
    rawFlags,
    flags: {
      request: (rawFlags & COMMAND_FLAG.request) !== 0,
      proxiable: (rawFlags & COMMAND_FLAG.proxiable) !== 0,
      error: (rawFlags & COMMAND_FLAG.error) !== 0,
      retransmit: (rawFlags & COMMAND_FLAG.retransmit) !== 0,
    },
    commandCode: buf.readUIntBE(5, 3),
    applicationId: buf.readUInt32BE(8),
    hopByHop: buf.readUInt32BE(12),
    endToEnd: buf.readUInt32BE(16),
  };
}

/**
 * Decodes one message (one SCTP message carries one Diameter message).
 * Throws DiameterDecodeError with the Result-Code to answer: the header
 * must be whole (call decodeHeader first to know whether there is anyone to
 * answer), version 1 (5011), its length the message's and a multiple of 4
 * (5015), no reserved or contradictory flag bits (3008), AVPs as decodeAvps
 * checks them (5014, 3009).
 */
export function decodeMessage(buf: Buffer): DiameterMessage {
  const h = decodeHeader(buf);
  if (h === undefined) throw new DiameterDecodeError(ResultCode.InvalidMessageLength, `${buf.length} bytes are fewer than a Diameter header (${HEADER_LENGTH})`);
  if (h.version !== DIAMETER_VERSION) throw new DiameterDecodeError(ResultCode.UnsupportedVersion, `version ${h.version}: only version ${DIAMETER_VERSION} exists`);
  if (h.length !== buf.length || h.length % 4 !== 0) {
    throw new DiameterDecodeError(ResultCode.InvalidMessageLength, `the header says ${h.length} bytes, the message has ${buf.length}${h.length % 4 !== 0 ? ' (and a length is a multiple of 4)' : ''}`);
  }
  if ((h.rawFlags & COMMAND_FLAG.reserved) !== 0) throw new DiameterDecodeError(ResultCode.InvalidHdrBits, `reserved command flag bits set (0x${h.rawFlags.toString(16)})`);
  if (h.flags.request && h.flags.error) throw new DiameterDecodeError(ResultCode.InvalidHdrBits, 'the E bit is set on a request');
  return {
    flags: h.flags,
    commandCode: h.commandCode,
    applicationId: h.applicationId,
    hopByHop: h.hopByHop,
    endToEnd: h.endToEnd,
    avps: decodeAvps(buf, HEADER_LENGTH, buf.length),
  };
}

/** The first AVP of `code` (and vendor), if any. */
export function findAvp(avps: readonly Avp[], code: number, vendorId?: number): Avp | undefined {
  return avps.find((a) => a.code === code && a.vendorId === vendorId);
}

export function findAvps(avps: readonly Avp[], code: number, vendorId?: number): Avp[] {
  return avps.filter((a) => a.code === code && a.vendorId === vendorId);
}
