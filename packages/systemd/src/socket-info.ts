/**
 * What a descriptor passed by systemd (LISTEN_FDS) is, read from the kernel
 * before anything uses it: enough to tell whether it fits a listener.
 */
import { errnoName } from '@shoal/common';
import { ERR_SYSTEMD_INVALID_ARGUMENT, ERR_SYSTEMD_SOCKET_UNREADABLE } from './errors';
import { native } from './native';

export interface PassedSocketInfo {
  readonly fd: number;
  /** 'stream' (TCP, one-to-one SCTP), 'dgram' (UDP), 'seqpacket' (one-to-many SCTP), or 'other'. */
  readonly type: 'stream' | 'dgram' | 'seqpacket' | 'other';
  readonly family: 'IPv4' | 'IPv6' | 'unix' | 'other';
  readonly protocol: 'tcp' | 'udp' | 'sctp' | 'other';
  /** listen() was called on it (SO_ACCEPTCONN). */
  readonly listening: boolean;
  /** SO_REUSEPORT is set (systemd's ReusePort=yes). */
  readonly reusePort: boolean;
  /** IPV6_V6ONLY is set (an IPv6 socket that takes no IPv4). */
  readonly v6only: boolean;
  /** The socket's owner: only sockets of one owner may share a reuseport group. */
  readonly uid: number;
  /** The bound address and port (IPv4/IPv6 only). */
  readonly address?: string;
  readonly port?: number;
}

function checkFd(fd: unknown): number {
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) {
    throw new ERR_SYSTEMD_INVALID_ARGUMENT('fd', 'a non-negative integer', fd);
  }
  return fd;
}

/** Reads what the descriptor is; throws SHOAL_ERR_SYSTEMD_SOCKET_UNREADABLE when it is no open socket. */
export function passedSocketInfo(fd: number): PassedSocketInfo {
  const binding = native();
  const c = binding.constants;
  const raw = binding.socketInfo(checkFd(fd));
  if (typeof raw === 'number') {
    const syscall = raw === -88 /* ENOTSOCK */ ? 'fstat' : 'getsockopt';
    throw new ERR_SYSTEMD_SOCKET_UNREADABLE(fd, syscall, errnoName(raw), { errno: raw, syscall });
  }
  const pick = <T extends string>(value: number, table: [number, T][], other: T): T => table.find(([n]) => n === value)?.[1] ?? other;
  return Object.freeze({
    fd,
    type: pick(raw.type, [[c.SOCK_STREAM, 'stream'], [c.SOCK_DGRAM, 'dgram'], [c.SOCK_SEQPACKET, 'seqpacket']], 'other'),
    family: pick(raw.family, [[c.AF_INET, 'IPv4'], [c.AF_INET6, 'IPv6'], [c.AF_UNIX, 'unix']], 'other'),
    protocol: raw.family === c.AF_UNIX ? 'other' : pick(raw.protocol, [[c.IPPROTO_TCP, 'tcp'], [c.IPPROTO_UDP, 'udp'], [c.IPPROTO_SCTP, 'sctp']], 'other'),
    listening: raw.listening,
    reusePort: raw.reusePort,
    v6only: raw.v6only,
    uid: raw.uid,
    ...(raw.address !== undefined && { address: raw.address, port: raw.port }),
  });
}

/**
 * Sets FD_CLOEXEC: systemd passes its sockets inheritable, and a descriptor
 * a child process inherits by accident keeps the socket open after we close it.
 */
export function setCloseOnExec(fd: number): void {
  const result = native().setCloexec(checkFd(fd));
  if (result < 0) throw new ERR_SYSTEMD_SOCKET_UNREADABLE(fd, 'fcntl', errnoName(result), { errno: result, syscall: 'fcntl' });
}
