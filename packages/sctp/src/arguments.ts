// Argument checks run before any native call, so bad input throws a clear
// SHOAL_ERR_SCTP_INVALID_ARGUMENT and never reaches the addon.
import * as net from 'node:net';
import { invalidArgument } from './errors';

export function checkInt(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalidArgument(field, `an integer from ${min} to ${max}`, v);
  }
  return v;
}

export function checkPort(field: string, v: unknown, allowZero = true): number {
  return checkInt(field, v, allowZero ? 0 : 1, 65535);
}

export function checkU16(field: string, v: unknown): number {
  return checkInt(field, v, 0, 0xffff);
}

export function checkU32(field: string, v: unknown): number {
  return checkInt(field, v, 0, 0xffffffff);
}

export function checkAssocId(field: string, v: unknown): number {
  return checkInt(field, v, 0, 0x7fffffff);
}

export function checkAddress(field: string, v: unknown): string {
  if (typeof v !== 'string' || net.isIP(v) === 0) throw invalidArgument(field, 'an IPv4 or IPv6 address literal', v);
  return v;
}

/** One address or a non-empty array of them, all of one family where it matters. */
export function checkAddresses(field: string, v: unknown): string[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0 || list.length > 64) throw invalidArgument(field, 'an address or 1 to 64 addresses', v);
  return list.map((a, i) => checkAddress(Array.isArray(v) ? `${field}[${i}]` : field, a));
}

export function checkData(field: string, v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === 'string') return Buffer.from(v);
  throw invalidArgument(field, 'a Buffer, a Uint8Array or a string', v);
}

export function checkFunction(field: string, v: unknown): void {
  if (typeof v !== 'function') throw invalidArgument(field, 'a function', v);
}

/** 6 when any address is IPv6 (an AF_INET6 socket also takes IPv4 addresses). */
export function familyOf(addresses: string[]): 4 | 6 {
  return addresses.some((a) => net.isIPv6(a)) ? 6 : 4;
}
