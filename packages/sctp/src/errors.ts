// Every failure of @shoal/transport-sctp has one code, SHOAL_ERR_SCTP_<WHAT>,
// and a message that says what to do about it. Failed system calls also carry
// errno (negative, as the kernel returns it), errnoCode (e.g. 'ECONNREFUSED')
// and syscall.
import * as os from 'node:os';
import { getSystemErrorName } from 'node:util';

export class SctpError extends Error {
  readonly code: string;
  errno?: number;
  errnoCode?: string;
  syscall?: string;
  assocId?: number;

  constructor(code: string, message: string, extra: { errno?: number; syscall?: string; assocId?: number; cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'SctpError';
    this.code = code;
    if (extra.errno !== undefined) {
      this.errno = extra.errno;
      this.errnoCode = errnoName(extra.errno);
    }
    if (extra.syscall !== undefined) this.syscall = extra.syscall;
    if (extra.assocId !== undefined) this.assocId = extra.assocId;
  }
}

function errnoName(errno: number): string {
  try {
    return getSystemErrorName(errno);
  } catch {
    return `E${-errno}`;
  }
}

/** Every error code, with what it means and what to do (the README lists the same). */
export const ERROR_CODES = {
  SHOAL_ERR_SCTP_UNSUPPORTED:
    'this kernel has no SCTP (socket() failed with EPROTONOSUPPORT/ESOCKTNOSUPPORT): load the module with `modprobe sctp` (package linux-modules-extra on some distributions), or run on a kernel built with CONFIG_IP_SCTP; containers need the host to have it loaded',
  SHOAL_ERR_SCTP_NATIVE_LOAD:
    'the native addon could not be loaded: reinstall the package so node-gyp builds it (needs python3, make and a C++ compiler), or run `pnpm --filter @shoal/transport-sctp build`',
  SHOAL_ERR_SCTP_INVALID_ARGUMENT: 'an argument is invalid: the message names the field and what it must be',
  SHOAL_ERR_SCTP_INVALID_OPTION: 'an option is invalid: the message names the field and what it must be',
  SHOAL_ERR_SCTP_SYSCALL: 'a system call failed: see errnoCode and syscall on the error',
  SHOAL_ERR_SCTP_ADDRESS_IN_USE: 'the address and port are taken: pick another port, or set reusePort on every socket of the group',
  SHOAL_ERR_SCTP_REUSEPORT_MISMATCH:
    'a reusePort listener must bind exactly the same address set (and run as the same user) as the other sockets of its group: bind the same addresses, or use another port',
  SHOAL_ERR_SCTP_CONNECT_FAILED: 'the association could not be set up: check that the peer listens on that address and port and is reachable',
  SHOAL_ERR_SCTP_ASSOC_LOST: 'the association was aborted by the peer or lost (retransmissions exhausted): reconnect',
  SHOAL_ERR_SCTP_MESSAGE_TOO_LARGE:
    'a received message was larger than maxMessageBytes, so its association was aborted: raise maxMessageBytes or have the peer send smaller messages',
  SHOAL_ERR_SCTP_SOCKET_CLOSED: 'the socket is closed: open a new one',
  SHOAL_ERR_SCTP_FD_PASSING: 'passing a socket between processes failed: the message says which side and why',
} as const;

export type SctpErrorCode = keyof typeof ERROR_CODES;

const EPROTONOSUPPORT = os.constants.errno.EPROTONOSUPPORT;
const ESOCKTNOSUPPORT = 94; // not in os.constants.errno
const EADDRINUSE = os.constants.errno.EADDRINUSE;

export function isUnsupportedErrno(errno: number): boolean {
  return errno === -EPROTONOSUPPORT || errno === -ESOCKTNOSUPPORT || errno === -os.constants.errno.EAFNOSUPPORT;
}

export function unsupportedError(errno: number): SctpError {
  return new SctpError(
    'SHOAL_ERR_SCTP_UNSUPPORTED',
    `SCTP is not available in this kernel (socket(IPPROTO_SCTP) failed with ${errnoName(errno)}). ` +
      'Load the SCTP module (`modprobe sctp`; on Debian/Ubuntu cloud kernels install linux-modules-extra first), ' +
      'or run on a kernel that has SCTP (CONFIG_IP_SCTP); in a container, load it on the host.',
    { errno, syscall: 'socket' },
  );
}

export function nativeLoadError(cause: Error): SctpError {
  return new SctpError(
    'SHOAL_ERR_SCTP_NATIVE_LOAD',
    `The SCTP native addon could not be loaded (${cause.message}). Rebuild it: ` +
      '`pnpm --filter @shoal/transport-sctp build` (needs python3, make and g++).',
    { cause },
  );
}

export function invalidArgument(field: string, must: string, got: unknown): SctpError {
  return new SctpError('SHOAL_ERR_SCTP_INVALID_ARGUMENT', `${field} must be ${must} (got ${describe(got)})`);
}

export function invalidOption(field: string, must: string, got: unknown): SctpError {
  return new SctpError('SHOAL_ERR_SCTP_INVALID_OPTION', `option ${field} must be ${must} (got ${describe(got)})`);
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  if (Buffer.isBuffer(v)) return `Buffer(${v.length})`;
  return Array.isArray(v) ? 'an array' : typeof v;
}

/** Builds the error for a failed syscall (errno < 0). */
export function syscallError(errno: number, syscall: string, what: string, assocId?: number): SctpError {
  if (syscall === 'socket' && isUnsupportedErrno(errno)) return unsupportedError(errno);
  const name = errnoName(errno);
  if (errno === -EADDRINUSE && syscall === 'bind') {
    return new SctpError('SHOAL_ERR_SCTP_ADDRESS_IN_USE', `${what}: address in use (EADDRINUSE). Pick another port, or set reusePort on every socket that shares it.`, { errno, syscall });
  }
  return new SctpError('SHOAL_ERR_SCTP_SYSCALL', `${what}: ${syscall}() failed with ${name}`, { errno, syscall, assocId });
}

export function reuseportMismatchError(errno: number, addresses: string[], port: number): SctpError {
  return new SctpError(
    'SHOAL_ERR_SCTP_REUSEPORT_MISMATCH',
    `listen() on port ${port} with addresses [${addresses.join(', ')}] was refused (${errnoName(errno)}): ` +
      'another reusePort socket on this port is bound to a different address set. Every socket of a reuseport group ' +
      'must bind exactly the same addresses as the same user; bind the same addresses or use another port.',
    { errno, syscall: 'listen' },
  );
}

export function closedError(what: string): SctpError {
  return new SctpError('SHOAL_ERR_SCTP_SOCKET_CLOSED', `${what}: the socket is closed; open a new one.`);
}

export function connectFailedError(errno: number, target: string): SctpError {
  return new SctpError(
    'SHOAL_ERR_SCTP_CONNECT_FAILED',
    `could not set up an association with ${target} (${errnoName(errno)}): check that the peer listens there and is reachable.`,
    { errno, syscall: 'connect' },
  );
}

export function assocLostError(assocId: number, detail: string): SctpError {
  return new SctpError('SHOAL_ERR_SCTP_ASSOC_LOST', `association ${assocId} ${detail}; reconnect to continue.`, { assocId });
}

export function messageTooLargeError(assocId: number, bytes: number, max: number): SctpError {
  return new SctpError(
    'SHOAL_ERR_SCTP_MESSAGE_TOO_LARGE',
    `association ${assocId} sent a message of more than ${max} bytes (${bytes} seen) and was aborted: ` +
      'raise maxMessageBytes or have the peer send smaller messages.',
    { assocId },
  );
}

export function fdPassingError(detail: string, errno?: number, syscall?: string): SctpError {
  return new SctpError('SHOAL_ERR_SCTP_FD_PASSING', `passing a socket between processes failed: ${detail}`, { errno, syscall });
}
