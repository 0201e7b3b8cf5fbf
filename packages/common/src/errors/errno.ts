import { getSystemErrorName } from 'node:util';

/** `ECONNRESET` for -104 or 104; `Unknown system error N` stays what libuv says. */
export function errnoName(errno: number): string {
  try {
    return getSystemErrorName(-Math.abs(errno));
  } catch {
    return `E${Math.abs(errno)}`;
  }
}
