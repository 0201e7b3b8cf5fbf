// AVP values of the basic and derived formats of RFC 6733 section 4.2-4.3:
// Unsigned32, Unsigned64, UTF8String/DiameterIdentity/OctetString, Address
// (IPv4/IPv6, with its address family), Enumerated, Grouped. Builders make an
// AVP; readers take one and throw DIAMETER_INVALID_AVP_LENGTH (5014) or
// DIAMETER_INVALID_AVP_VALUE (5004) when its data does not fit the format.
import { isIPv4, isIPv6 } from 'node:net';
import { type Avp, decodeAvps, encodeAvps } from './avp';
import { ResultCode } from './codes';
import { DiameterDecodeError } from './decode-error';

export interface AvpFlags {
  /** The M bit (default true: the base protocol's AVPs are mandatory). */
  readonly mandatory?: boolean;
  readonly vendorId?: number;
}

function make(code: number, data: Buffer, flags: AvpFlags): Avp {
  return { code, mandatory: flags.mandatory ?? true, ...(flags.vendorId !== undefined && { vendorId: flags.vendorId }), data };
}

export function u32Avp(code: number, value: number, flags: AvpFlags = {}): Avp {
  const data = Buffer.alloc(4);
  data.writeUInt32BE(value >>> 0);
  return make(code, data, flags);
}

export function u64Avp(code: number, value: bigint, flags: AvpFlags = {}): Avp {
  const data = Buffer.alloc(8);
  data.writeBigUInt64BE(value);
  return make(code, data, flags);
}

export function stringAvp(code: number, value: string, flags: AvpFlags = {}): Avp {
  return make(code, Buffer.from(value, 'utf8'), flags);
}

export function octetsAvp(code: number, value: Buffer, flags: AvpFlags = {}): Avp {
  return make(code, value, flags);
}

/** Address: a 2-byte address family (1 IPv4, 2 IPv6) and the address. */
export function addressAvp(code: number, ip: string, flags: AvpFlags = {}): Avp {
  if (isIPv4(ip)) return make(code, Buffer.from([0, 1, ...ip.split('.').map(Number)]), flags);
  if (isIPv6(ip)) return make(code, Buffer.concat([Buffer.from([0, 2]), ipv6Bytes(ip)]), flags);
  throw new RangeError(`address AVP ${code}: ${JSON.stringify(ip)} is not an IPv4 or IPv6 address literal`);
}

export function groupedAvp(code: number, members: readonly Avp[], flags: AvpFlags = {}): Avp {
  return make(code, encodeAvps(members), flags);
}

function ipv6Bytes(ip: string): Buffer {
  const [head, tail = ''] = ip.includes('::') ? ip.split('::') : [ip, undefined as unknown as string];
  const groups = (s: string | undefined): string[] => (s === undefined || s === '' ? [] : s.split(':'));
  let h = groups(head);
  let t = groups(ip.includes('::') ? tail : undefined);
  const words: number[] = [];
  const last = (t.length > 0 ? t : h).at(-1) ?? '';
  const v4 = last.includes('.') ? last.split('.').map(Number) : null;
  if (v4) {
    if (t.length > 0) t = t.slice(0, -1);
    else h = h.slice(0, -1);
  }
  const fill = 8 - h.length - t.length - (v4 ? 2 : 0);
  words.push(...h.map((g) => parseInt(g, 16)), ...Array<number>(ip.includes('::') ? fill : 0).fill(0), ...t.map((g) => parseInt(g, 16)));
  if (v4) words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
  const out = Buffer.alloc(16);
  words.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

function expectLength(avp: Avp, length: number, format: string): void {
  if (avp.data.length !== length) {
    throw new DiameterDecodeError(ResultCode.InvalidAvpLength, `AVP ${avp.code} (${format}) has ${avp.data.length} bytes of data, not ${length}`, avp);
  }
}

export function readU32(avp: Avp): number {
  expectLength(avp, 4, 'Unsigned32');
  return avp.data.readUInt32BE(0);
}

export function readU64(avp: Avp): bigint {
  expectLength(avp, 8, 'Unsigned64');
  return avp.data.readBigUInt64BE(0);
}

/** UTF8String and DiameterIdentity; invalid UTF-8 is DIAMETER_INVALID_AVP_VALUE. */
export function readString(avp: Avp): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(avp.data);
  } catch {
    throw new DiameterDecodeError(ResultCode.InvalidAvpValue, `AVP ${avp.code} is not valid UTF-8`, avp);
  }
}

export function readAddress(avp: Avp): string {
  if (avp.data.length < 2) throw new DiameterDecodeError(ResultCode.InvalidAvpLength, `AVP ${avp.code} (Address) has no address family`, avp);
  const family = avp.data.readUInt16BE(0);
  if (family === 1) {
    expectLength(avp, 6, 'Address, IPv4');
    return [...avp.data.subarray(2)].join('.');
  }
  if (family === 2) {
    expectLength(avp, 18, 'Address, IPv6');
    const words = Array.from({ length: 8 }, (_, i) => avp.data.readUInt16BE(2 + i * 2).toString(16));
    return words.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  }
  throw new DiameterDecodeError(ResultCode.InvalidAvpValue, `AVP ${avp.code} (Address) has address family ${family}: 1 (IPv4) or 2 (IPv6) expected`, avp);
}

/** The members of a Grouped AVP (their lengths and padding checked as a message's). */
export function readGrouped(avp: Avp): Avp[] {
  return decodeAvps(avp.data);
}
