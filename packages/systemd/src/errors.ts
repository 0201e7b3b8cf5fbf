/**
 * Every failure of @shoal/systemd, one code each (SHOAL_ERR_SYSTEMD_<WHAT>),
 * with a message that says what to do; docs/errors.md lists them.
 *
 * The native code never throws: it returns -errno, and a failed system call
 * becomes an error here with `{ errno, syscall }` (so `code` is the errno's
 * name, as with node:net, and `shoalCode` the SHOAL_ERR_ code).
 */
import { defineError, describe } from '@shoal/common';

export const ERR_SYSTEMD_NATIVE_LOAD = defineError(
  'SHOAL_ERR_SYSTEMD_NATIVE_LOAD',
  (reason: string) =>
    `The @shoal/systemd native addon could not be loaded (${reason}). Rebuild it: ` +
    '`pnpm --filter @shoal/systemd build` (needs python3, make and g++).',
);

export const ERR_SYSTEMD_INVALID_ARGUMENT = defineError(
  'SHOAL_ERR_SYSTEMD_INVALID_ARGUMENT',
  (field: string, must: string, got: unknown) => `${field} must be ${must}, got ${describe(got)}`,
);

export const ERR_SYSTEMD_NOTIFY_FAILED = defineError(
  'SHOAL_ERR_SYSTEMD_NOTIFY_FAILED',
  (socket: string, errno: string) =>
    `could not send a notification to systemd's socket ${socket} (sendto: ${errno}). Check that NOTIFY_SOCKET is the ` +
    'socket systemd gave this service (the unit needs Type=notify and NotifyAccess=), and that nothing removed it.',
);

export const ERR_SYSTEMD_SOCKET_UNREADABLE = defineError(
  'SHOAL_ERR_SYSTEMD_SOCKET_UNREADABLE',
  (fd: number, syscall: string, errno: string) =>
    `descriptor ${fd}, passed by systemd (LISTEN_FDS), could not be inspected (${syscall}: ${errno}). ` +
    'It must be an open socket: check the .socket unit (ListenStream=/ListenDatagram=) and that nothing closed it.',
);
