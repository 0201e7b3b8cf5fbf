import { readFileSync } from 'node:fs';
import { ERR_LISTENER_ADDRESS_IN_USE, ShoalError } from '../errors';
import { boundSockets, hostPort } from './port-sockets';

/** The owners (uids) of the sockets that a bind to this port collides with: TCP listeners, UDP sockets. */
export function socketOwnersOfPort(protocol: 'tcp' | 'udp', port: number): number[] {
  return [...new Set(boundSockets(protocol, port).map((socket) => socket.uid))];
}

function userName(uid: number): string {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(uid));
    return line ? `${uid} (${line.split(':')[0]})` : String(uid);
  } catch {
    return String(uid);
  }
}

/**
 * Turns EADDRINUSE on a reuseport bind into an error that names the likely
 * cause: a socket of another user (the kernel only groups sockets of one
 * uid), or a socket of this user opened without SO_REUSEPORT.
 */
export function addressInUseError(
  listener: string,
  protocol: 'tcp' | 'udp',
  host: string,
  port: number,
  cause: unknown,
): ShoalError {
  const address = `${protocol}://${hostPort(host, port)}`;
  const me = process.getuid?.() ?? -1;
  const owners = socketOwnersOfPort(protocol, port);
  const foreign = owners.filter((uid) => uid !== me);
  let reason: string;
  if (foreign.length > 0) {
    reason =
      `the port is held by a socket of uid ${foreign.map(userName).join(', ')}, and the kernel only lets sockets ` +
      `of the same user share a port with SO_REUSEPORT; run Shoal as that user, stop that program, or choose another port.`;
  } else if (owners.length > 0) {
    reason =
      `the port is held by a socket of this user (uid ${me}) opened without SO_REUSEPORT (another program, ` +
      `or a process left over); stop it or choose another port.`;
  } else {
    reason = `the address is in use (no owner visible in /proc/net/${protocol}); stop the program that holds it or choose another port.`;
  }
  return new ERR_LISTENER_ADDRESS_IN_USE(listener, address, reason, { cause });
}
