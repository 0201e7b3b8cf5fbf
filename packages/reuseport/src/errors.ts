/**
 * Every failure of @shoal/reuseport, one code each (SHOAL_ERR_REUSEPORT_<WHAT>),
 * with a message that says what to do; docs/errors.md lists them (a test
 * checks it).
 *
 * The native code never throws: it returns -errno, and the error of a failed
 * setsockopt() is built here with `{ errno, syscall }`, so that, as with
 * node:net, `code` is the errno's name (`EINVAL`, `ENOPROTOOPT`) while
 * `shoalCode` keeps the SHOAL_ERR_REUSEPORT_ code.
 */
import * as os from 'node:os';
import { defineError, describe as describeValue, errnoName, type ShoalError } from '@shoal/common';

export const ERR_REUSEPORT_NATIVE_LOAD = defineError(
  'SHOAL_ERR_REUSEPORT_NATIVE_LOAD',
  (reason: string) =>
    `The reuseport native addon could not be loaded (${reason}). Rebuild it: ` +
    '`pnpm --filter @shoal/reuseport build` (needs python3, make, g++ and linux-libc-dev).',
);

export const ERR_REUSEPORT_INVALID_ARGUMENT = defineError(
  'SHOAL_ERR_REUSEPORT_INVALID_ARGUMENT',
  (field: string, must: string, got: unknown) => `${field} must be ${must}, got ${describeValue(got)}`,
);

export const ERR_REUSEPORT_ATTACH_FAILED = defineError(
  'SHOAL_ERR_REUSEPORT_ATTACH_FAILED',
  (fd: number, errno: string, needs: string) =>
    `attaching the reuseport selector through fd ${fd} failed: setsockopt(SO_ATTACH_REUSEPORT_CBPF) gave ${errno}. ${needs}`,
);

export const ERR_REUSEPORT_DETACH_FAILED = defineError(
  'SHOAL_ERR_REUSEPORT_DETACH_FAILED',
  (fd: number, errno: string, needs: string) =>
    `detaching the reuseport program through fd ${fd} failed: setsockopt(SO_DETACH_REUSEPORT_BPF) gave ${errno}. ${needs}`,
);

// --- How the code builds them ---------------------------------------------------------------

const E = os.constants.errno;

/** What the kernel needs, for the errnos setsockopt() gives on these options. */
function whatTheKernelNeeds(errno: number, option: 'attach' | 'detach'): string {
  switch (-errno) {
    case E.EBADF:
      return 'The fd is not open: pass the fd of a socket that is still open (server._handle.fd while it listens).';
    case E.ENOTSOCK:
      return 'The fd is not a socket: pass the fd of a listening TCP socket or a bound UDP socket.';
    case E.ENOPROTOOPT:
      return option === 'attach'
        ? 'The kernel does not know SO_ATTACH_REUSEPORT_CBPF: it needs Linux 4.5 or later.'
        : 'The kernel does not know SO_DETACH_REUSEPORT_BPF: it needs Linux 5.3 or later (on older kernels, attach a new program instead).';
    case E.EINVAL:
      return option === 'attach'
        ? 'The socket is not in a reuseport group (set reusePort before bind/listen; a TCP socket joins its group at listen()), ' +
            'or the kernel refused the program (it checks every instruction; see bpf_check_classic).'
        : 'The socket is not in a reuseport group: set reusePort before bind/listen.';
    case E.ENOENT:
      return 'No program is attached to this socket\'s reuseport group: there is nothing to detach.';
    case E.ENOMEM:
      return 'The kernel had no memory for the program (its size counts against net.core.optmem_max): raise that sysctl or retry.';
    case E.EPERM:
      return 'The kernel refused the program for this process (a seccomp or LSM policy, or net.core.bpf_jit_harden settings).';
    default:
      return 'See errno and syscall on this error and man 7 socket.';
  }
}

export function invalidArgument(field: string, must: string, got: unknown): ShoalError {
  return new ERR_REUSEPORT_INVALID_ARGUMENT(field, must, got);
}

/** Builds the error of a failed attach (errno < 0). */
export function attachError(fd: number, errno: number): ShoalError {
  return new ERR_REUSEPORT_ATTACH_FAILED(fd, errnoName(errno), whatTheKernelNeeds(errno, 'attach'), { errno, syscall: 'setsockopt' });
}

/** Builds the error of a failed detach (errno < 0). */
export function detachError(fd: number, errno: number): ShoalError {
  return new ERR_REUSEPORT_DETACH_FAILED(fd, errnoName(errno), whatTheKernelNeeds(errno, 'detach'), { errno, syscall: 'setsockopt' });
}
