// An AVP (RFC 6733 section 4.1): code, flags V/M/P, length, optional
// Vendor-ID, data padded to 32 bits. The length field counts header and data,
// not the padding; the next AVP starts at the next multiple of 4.
import type { Avp } from './avp-type';
import { ResultCode } from './codes';
import { DiameterDecodeError } from './decode-error';

export type { Avp } from './avp-type';

export const AVP_FLAG = Object.freeze({ vendor: 0x80, mandatory: 0x40, protected: 0x20, reserved: 0x1f });
const HEADER = 8;
const VENDOR_HEADER = 12;
const MAX_AVP_LENGTH = 0xffffff;

function padded(length: number): number {
  return (length + 3) & ~3;
}

export function avpHeaderLength(avp: Pick<Avp, 'vendorId'>): number {
  return avp.vendorId === undefined ? HEADER : VENDOR_HEADER;
}

/** Bytes of an AVP on the wire, padding included. */
export function encodedAvpLength(avp: Avp): number {
  return padded(avpHeaderLength(avp) + avp.data.length);
}

/** Writes `avp` at `offset` of `out` (zeroed padding); returns the offset after it. */
export function writeAvp(avp: Avp, out: Buffer, offset: number): number {
  const length = avpHeaderLength(avp) + avp.data.length;
  if (length > MAX_AVP_LENGTH) throw new RangeError(`AVP ${avp.code}: ${length} bytes is more than an AVP length field holds (${MAX_AVP_LENGTH})`);
  out.writeUInt32BE(avp.code >>> 0, offset);
  const flags = (avp.vendorId !== undefined ? AVP_FLAG.vendor : 0) | (avp.mandatory ? AVP_FLAG.mandatory : 0) | (avp.protected ? AVP_FLAG.protected : 0);
  out.writeUInt32BE(((flags << 24) | length) >>> 0, offset + 4);
  let at = offset + HEADER;
  if (avp.vendorId !== undefined) {
    out.writeUInt32BE(avp.vendorId >>> 0, at);
    at += 4;
  }
  avp.data.copy(out, at);
  at += avp.data.length;
  const end = offset + padded(length);
  out.fill(0, at, end);
  return end;
}

export function encodeAvps(avps: readonly Avp[]): Buffer {
  const out = Buffer.alloc(avps.reduce((n, a) => n + encodedAvpLength(a), 0));
  let at = 0;
  for (const a of avps) at = writeAvp(a, out, at);
  return out;
}

/**
 * The AVPs in `buf` from `start` to `end`. A length that is too small for its
 * header or runs past `end` (padding included) is DIAMETER_INVALID_AVP_LENGTH
 * (5014); a reserved flag bit is DIAMETER_INVALID_AVP_BITS (3009).
 */
export function decodeAvps(buf: Buffer, start = 0, end = buf.length): Avp[] {
  const avps: Avp[] = [];
  let at = start;
  while (at < end) {
    if (end - at < HEADER) {
      throw new DiameterDecodeError(ResultCode.InvalidAvpLength, `${end - at} bytes at offset ${at} are too few for an AVP header (8)`, {
        code: end - at >= 4 ? buf.readUInt32BE(at) : 0,
        mandatory: false,
        data: Buffer.alloc(0),
      });
    }
    const code = buf.readUInt32BE(at);
    const flags = buf[at + 4];
    const length = buf.readUIntBE(at + 5, 3);
    const vendor = (flags & AVP_FLAG.vendor) !== 0;
    const headerLength = vendor ? VENDOR_HEADER : HEADER;
    const vendorId = vendor && end - at >= VENDOR_HEADER ? buf.readUInt32BE(at + 8) : undefined;
    const failed = (): Avp => ({ code, vendorId, mandatory: (flags & AVP_FLAG.mandatory) !== 0, data: Buffer.alloc(0) });
    if (length < headerLength || at + length > end) {
      throw new DiameterDecodeError(ResultCode.InvalidAvpLength, `AVP ${code} at offset ${at}: length ${length} ${length < headerLength ? `is below its header's ${headerLength}` : `runs past the end of its container (${end - at} bytes left)`}`, failed());
    }
    const next = at + padded(length);
    if (next > end) {
      throw new DiameterDecodeError(ResultCode.InvalidAvpLength, `AVP ${code} at offset ${at}: its padding runs past the end of its container`, failed());
    }
    if ((flags & AVP_FLAG.reserved) !== 0) {
      throw new DiameterDecodeError(ResultCode.InvalidAvpBits, `AVP ${code} at offset ${at}: reserved flag bits set (0x${flags.toString(16)})`, failed());
    }
    avps.push({
      code,
      ...(vendorId !== undefined && { vendorId }),
      mandatory: (flags & AVP_FLAG.mandatory) !== 0,
      ...((flags & AVP_FLAG.protected) !== 0 && { protected: true }),
      data: buf.subarray(at + headerLength, at + length),
    });
    at = next;
  }
  return avps;
}
