/**
 * sd_notify(3) without libsystemd: one datagram of `KEY=VALUE` lines to the
 * AF_UNIX socket named by NOTIFY_SOCKET (a path, or '@' for an abstract
 * address), sent without blocking.
 */
import { errnoName } from '@shoal/common';
import { ERR_SYSTEMD_INVALID_ARGUMENT, ERR_SYSTEMD_NOTIFY_FAILED } from './errors';
import { native } from './native';

/** sun_path holds 108 bytes, the NUL of a path included. */
const MAX_SOCKET_NAME_BYTES = 107;

/** The fields of one notification, e.g. `{ READY: 1, STATUS: 'serving' }`; sent in this order. */
export type NotifyFields = Readonly<Record<string, string | number>>;

/** The datagram for `fields`: one `KEY=VALUE` line each (a value must be one line). */
export function formatNotification(fields: NotifyFields): Buffer {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) throw new ERR_SYSTEMD_INVALID_ARGUMENT('a notification field name', 'upper-case letters, digits and _', key);
    const text = String(value);
    if (/[\n\0]/.test(text)) throw new ERR_SYSTEMD_INVALID_ARGUMENT(`notification field ${key}`, 'one line without NUL', text);
    lines.push(`${key}=${text}`);
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** Checks a NOTIFY_SOCKET value: an absolute path or an '@' abstract name that fits sun_path. */
export function checkNotifySocket(socket: unknown): string {
  if (typeof socket !== 'string' || !(socket.startsWith('/') || socket.startsWith('@')) || socket.length < 2) {
    throw new ERR_SYSTEMD_INVALID_ARGUMENT('NOTIFY_SOCKET', "an absolute path or an abstract name starting with '@'", socket);
  }
  if (Buffer.byteLength(socket) > MAX_SOCKET_NAME_BYTES) {
    throw new ERR_SYSTEMD_INVALID_ARGUMENT('NOTIFY_SOCKET', `at most ${MAX_SOCKET_NAME_BYTES} bytes long`, socket);
  }
  return socket;
}

/**
 * Sends one notification to `socket`. Throws SHOAL_ERR_SYSTEMD_NOTIFY_FAILED
 * (with errno and syscall) when the kernel refuses it: ECONNREFUSED when
 * nothing listens there, EAGAIN when systemd's queue is full.
 */
export function notify(socket: string, fields: NotifyFields): void {
  const datagram = formatNotification(fields);
  const result = native().notify(checkNotifySocket(socket), datagram);
  if (result < 0) throw new ERR_SYSTEMD_NOTIFY_FAILED(socket, errnoName(result), { errno: result, syscall: 'sendto' });
}
