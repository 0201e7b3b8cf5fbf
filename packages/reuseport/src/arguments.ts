// Argument checks run before any native call, so bad input throws a clear
// SHOAL_ERR_REUSEPORT_INVALID_ARGUMENT that names the argument.
import { invalidArgument } from './errors';

/** The most sockets a reuseport group holds (its socket array is indexed by a u16). */
export const MAX_SELECTED_SOCKETS = 65535;

export function checkInt(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalidArgument(field, `an integer from ${min} to ${max}`, v);
  }
  return v;
}

export function checkCount(v: unknown): number {
  return checkInt('count', v, 1, MAX_SELECTED_SOCKETS);
}

export function checkFd(v: unknown): number {
  return checkInt('fd', v, 0, 0x7fffffff);
}
