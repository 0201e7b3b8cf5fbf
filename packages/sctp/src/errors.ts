/**
 * Every failure of @shoal/sctp, one code each (SHOAL_ERR_SCTP_<WHAT>), with a
 * message that says what to do; docs/errors.md lists them (a test checks it).
 *
 * The native code never throws: it returns -errno, and the errors of a failed
 * system call are built here with `{ errno, syscall }`, so that, as with
 * node:net, `code` is the errno's name (`ECONNREFUSED`, `EADDRINUSE`) while
 * `shoalCode` keeps the SHOAL_ERR_SCTP_ code. `isShoalError(err, code)`
 * matches either.
 */
import * as os from 'node:os';
import { defineError, describe as describeValue, errnoName, type ShoalError } from '@shoal/common';

/** An error about one association also names it. */
export type SctpAssociationError = ShoalError & { assocId?: number };

/** A value as an argument error shows it. */
function describeArgument(value: unknown): string {
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
  return describeValue(value);
}

export const ERR_SCTP_UNSUPPORTED = defineError(
  'SHOAL_ERR_SCTP_UNSUPPORTED',
  (how: string) =>
    `SCTP is not available in this kernel (${how}). ` +
    'Load the SCTP module (`modprobe sctp`; on Debian/Ubuntu cloud kernels install linux-modules-extra first), ' +
    'or run on a kernel that has SCTP (CONFIG_IP_SCTP); in a container, load it on the host.',
);

export const ERR_SCTP_NATIVE_LOAD = defineError(
  'SHOAL_ERR_SCTP_NATIVE_LOAD',
  (reason: string) =>
    `The SCTP native addon could not be loaded (${reason}). Rebuild it: ` +
    '`pnpm --filter @shoal/sctp build` (needs python3, make, g++ and <linux/sctp.h> from linux-libc-dev).',
);

export const ERR_SCTP_INVALID_ARGUMENT = defineError(
  'SHOAL_ERR_SCTP_INVALID_ARGUMENT',
  (field: string, must: string, got: unknown) => `${field} must be ${must}, got ${describeArgument(got)}`,
);

export const ERR_SCTP_INVALID_OPTION = defineError(
  'SHOAL_ERR_SCTP_INVALID_OPTION',
  (problems: readonly string[]) =>
    `invalid SCTP options (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.join('; ')}. ` +
    'Fix the named fields (the README of @shoal/sctp lists every option with its range).',
);

export const ERR_SCTP_SYSCALL = defineError(
  'SHOAL_ERR_SCTP_SYSCALL',
  (what: string, syscall: string, errno: string) =>
    `${what}: ${syscall}() failed with ${errno}. The kernel refused it: see errno and syscall on this error, ` +
    'and man 7 sctp for what the call needs.',
);

export const ERR_SCTP_ADDRESS_IN_USE = defineError(
  'SHOAL_ERR_SCTP_ADDRESS_IN_USE',
  (what: string) => `${what}: address in use (EADDRINUSE). Pick another port, or set reusePort on every socket that shares it.`,
);

export const ERR_SCTP_REUSEPORT_MISMATCH = defineError(
  'SHOAL_ERR_SCTP_REUSEPORT_MISMATCH',
  (addresses: readonly string[], port: number, errno: string) =>
    `listen() on port ${port} with addresses [${addresses.join(', ')}] was refused (${errno}): ` +
    'another reusePort socket on this port is bound to a different address set. Every socket of a reuseport group ' +
    'must bind exactly the same addresses as the same user; bind the same addresses or use another port.',
);

export const ERR_SCTP_CONNECT_FAILED = defineError(
  'SHOAL_ERR_SCTP_CONNECT_FAILED',
  (target: string, errno: string) =>
    `could not set up an association with ${target} (${errno}): check that the peer listens there and is reachable.`,
);

export const ERR_SCTP_ASSOC_LOST = defineError(
  'SHOAL_ERR_SCTP_ASSOC_LOST',
  (assocId: number, detail: string) => `association ${assocId} ${detail}; reconnect to continue.`,
);

export const ERR_SCTP_MESSAGE_TOO_LARGE = defineError(
  'SHOAL_ERR_SCTP_MESSAGE_TOO_LARGE',
  (assocId: number, bytes: number, max: number) =>
    `association ${assocId} sent a message of more than ${max} bytes (${bytes} seen) and was aborted: ` +
    'raise maxMessageBytes or have the peer send smaller messages.',
);

export const ERR_SCTP_SOCKET_CLOSED = defineError(
  'SHOAL_ERR_SCTP_SOCKET_CLOSED',
  (what: string) => `${what}: the socket is closed; open a new one.`,
);

export const ERR_SCTP_FD_PASSING = defineError(
  'SHOAL_ERR_SCTP_FD_PASSING',
  (detail: string) =>
    `passing a socket between processes failed: ${detail}. Pass an open SCTP socket (or a Unix socket for a channel), ` +
    'one descriptor per message.',
);

export const ERR_SCTP_FEATURE_UNAVAILABLE = defineError(
  'SHOAL_ERR_SCTP_FEATURE_UNAVAILABLE',
  (what: string, option: string, errno: string, lacks: string) =>
    `${what}: the kernel refused ${option} with ${errno}: ${lacks}.`,
);

// --- How the code builds them ---------------------------------------------------------------

const EPROTONOSUPPORT = os.constants.errno.EPROTONOSUPPORT;
const ESOCKTNOSUPPORT = 94; // not in os.constants.errno
const EADDRINUSE = os.constants.errno.EADDRINUSE;
const EEXIST = os.constants.errno.EEXIST;

/** socket() failed because the kernel has no SCTP. */
export function isUnsupportedErrno(errno: number): boolean {
  return errno === -EPROTONOSUPPORT || errno === -ESOCKTNOSUPPORT || errno === -os.constants.errno.EAFNOSUPPORT;
}

/** bind()/listen() with reusePort refused because the group binds another address set. */
export function isReuseportMismatch(errno: number): boolean {
  return errno === -EADDRINUSE || errno === -EEXIST;
}

function withAssoc<E extends ShoalError>(err: E, assocId: number | undefined): E & { assocId?: number } {
  if (assocId !== undefined) Object.assign(err, { assocId });
  return err;
}

export function invalidArgument(field: string, must: string, got: unknown): ShoalError {
  return new ERR_SCTP_INVALID_ARGUMENT(field, must, got);
}

/** Builds the error of a failed system call (errno < 0). */
export function syscallError(errno: number, syscall: string, what: string, assocId?: number): SctpAssociationError {
  if (syscall === 'socket' && isUnsupportedErrno(errno)) {
    return new ERR_SCTP_UNSUPPORTED(`socket(IPPROTO_SCTP) failed with ${errnoName(errno)}`, { errno, syscall });
  }
  if (errno === -EADDRINUSE && syscall === 'bind') return new ERR_SCTP_ADDRESS_IN_USE(what, { errno, syscall });
  return withAssoc(new ERR_SCTP_SYSCALL(what, syscall, errnoName(errno), { errno, syscall }), assocId);
}

export function reuseportMismatchError(errno: number, syscall: string, addresses: readonly string[], port: number): ShoalError {
  return new ERR_SCTP_REUSEPORT_MISMATCH(addresses, port, errnoName(errno), { errno, syscall });
}

export function connectFailedError(errno: number, target: string): ShoalError {
  return new ERR_SCTP_CONNECT_FAILED(target, errnoName(errno), { errno, syscall: 'connect' });
}

/**
 * An association that ended without our asking. With the kernel's errno
 * (ECONNRESET: the peer aborted; ETIMEDOUT: it stopped answering), `code` is
 * that name, as node:net reports a reset connection.
 */
export function assocLostError(assocId: number, detail: string, errno?: number): SctpAssociationError {
  const options = errno === undefined || errno === 0 ? undefined : { errno, syscall: 'recvmsg' };
  return withAssoc(options === undefined ? new ERR_SCTP_ASSOC_LOST(assocId, detail) : new ERR_SCTP_ASSOC_LOST(assocId, detail, options), assocId);
}

export function messageTooLargeError(assocId: number, bytes: number, max: number): SctpAssociationError {
  return withAssoc(new ERR_SCTP_MESSAGE_TOO_LARGE(assocId, bytes, max), assocId);
}

export function fdPassingError(detail: string, errno?: number, syscall?: string): ShoalError {
  return errno === undefined ? new ERR_SCTP_FD_PASSING(detail) : new ERR_SCTP_FD_PASSING(detail, { errno, syscall });
}

/**
 * What an operation stopped by its AbortSignal fails with, as Node's own
 * (name 'AbortError', code 'ABORT_ERR', the signal's reason as cause).
 */
export class SctpAbortError extends Error {
  readonly code = 'ABORT_ERR';

  constructor(what: string, reason?: unknown) {
    super(`${what} was aborted by its AbortSignal`, reason === undefined ? undefined : { cause: reason });
    this.name = 'AbortError';
  }
}

/** Checks an optional AbortSignal argument. */
export function checkSignal(field: string, signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw invalidArgument(field, 'an AbortSignal', signal);
  return signal;
}
