/**
 * Socket activation (sd_listen_fds(3)): listeners take the sockets systemd
 * passed (fd 3 and up) instead of opening their own. Each descriptor goes to
 * the listener named by its FileDescriptorName= (LISTEN_FDNAMES), or, when no
 * name is a listener's, to the listeners in their order; it must be what the
 * listener needs (protocol, socket type, address, port), or the start fails.
 *
 * One passed socket per listener: where this process may bind more sockets on
 * that port with SO_REUSEPORT (the passed one has it, belongs to our user, and
 * the port is not privileged for us), it becomes slot 0's and the other slots
 * open their own as usual (per-worker kernel balancing). Otherwise every slot
 * serves the passed socket: one accept queue shared by all workers.
 */
import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import { ERR_SOCKET_ACTIVATION_MISMATCH, ERR_SOCKET_ACTIVATION_UNMATCHED } from '../errors';
import { heldHandleOfDescriptor } from '../transport';
import type { FdPassing, HeldHandle, ListenerSpec } from '../transport';
import type { PassedSocketInfo, SystemdBackend } from './systemd-backend';
import type { PassedDescriptor } from './systemd-env';

/** A listener's socket passed by systemd, held by the supervisor. */
export interface PassedListener {
  readonly listener: string;
  readonly fd: number;
  readonly handle: HeldHandle;
  /** The address and port it is bound to (the other slots' sockets bind the same). */
  readonly host: string;
  readonly port: number;
  /** Why the slots share this one socket instead of each opening its own; null when each slot has its own. */
  readonly sharedBecause: string | null;
}

/** Which listener each descriptor is for. */
export function matchDescriptors(passed: readonly PassedDescriptor[], listeners: readonly ListenerSpec[]): { descriptor: PassedDescriptor; spec: ListenerSpec }[] {
  const names = listeners.map((l) => l.name);
  const byName = passed.some((d) => names.includes(d.name));
  const taken = new Set<string>();
  return passed.map((descriptor, index) => {
    const spec = byName ? listeners.find((l) => l.name === descriptor.name && !taken.has(l.name)) : listeners[index];
    if (spec === undefined) throw new ERR_SOCKET_ACTIVATION_UNMATCHED(descriptor.fd, descriptor.name, names);
    taken.add(spec.name);
    return { descriptor, spec };
  });
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** What a listener of this spec needs, checked against what the kernel says of the socket. */
export function checkPassedSocket(spec: ListenerSpec, info: PassedSocketInfo): void {
  const mismatch = (what: string, expected: string, got: string): never => {
    throw new ERR_SOCKET_ACTIVATION_MISMATCH(spec.name, info.fd, what, expected, got);
  };
  const protocol = spec.protocol ?? spec.transport;
  const style = (spec.options as { style?: unknown }).style;
  const type = protocol === 'udp' ? 'dgram' : protocol === 'sctp' && style === 'one-to-many' ? 'seqpacket' : 'stream';
  const describeType = (t: string, p: string): string => `a ${t} socket (${p})`;
  if (info.family !== 'IPv4' && info.family !== 'IPv6') mismatch('address family', 'IPv4 or IPv6', info.family === 'unix' ? 'AF_UNIX' : 'not an internet one');
  if (info.type !== type || info.protocol !== protocol) mismatch('type', describeType(type, protocol), describeType(info.type, info.protocol));
  if (type !== 'dgram' && !info.listening) mismatch('state', 'a listening socket (Accept=no in the .socket unit)', 'not listening (Accept=yes passes connections, not the listening socket)');
  if (spec.port !== 0 && info.port !== spec.port) mismatch('port', `port ${spec.port} (or port 0 in the configuration, to take the passed one)`, `port ${info.port}`);
  if (!WILDCARDS.has(spec.host) && isIP(spec.host) !== 0) {
    if (info.address !== spec.host) mismatch('address', `${spec.host} (the listener's host; or a wildcard host, to take the passed address)`, String(info.address));
  }
}

/** The lowest port a process without CAP_NET_BIND_SERVICE may bind (per network namespace). */
function unprivilegedPortStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
  } catch {
    return 1024;
  }
}

const CAP_NET_BIND_SERVICE = 10n;

function canBindPrivilegedPorts(): boolean {
  if (process.geteuid?.() === 0) return true;
  try {
    const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return effective !== undefined && ((BigInt(`0x${effective}`) >> CAP_NET_BIND_SERVICE) & 1n) === 1n;
  } catch {
    return false;
  }
}

/** Why other slots cannot open their own sockets next to the passed one; null when they can. */
export function whySlotsShare(info: PassedSocketInfo): string | null {
  if (!info.reusePort) return 'the passed socket has no SO_REUSEPORT (ReusePort=yes in the .socket unit gives it)';
  if (info.v6only) return "the passed socket is IPv6-only (BindIPv6Only=ipv6-only), which the workers' own sockets cannot match";
  const euid = process.geteuid?.();
  if (euid !== undefined && info.uid !== euid) {
    return `the passed socket belongs to uid ${info.uid} and this process runs as uid ${euid}: the kernel groups only sockets of one user`;
  }
  const start = unprivilegedPortStart();
  if ((info.port ?? 0) < start && !canBindPrivilegedPorts()) {
    return `port ${info.port} is below net.ipv4.ip_unprivileged_port_start (${start}) and this process lacks CAP_NET_BIND_SERVICE`;
  }
  return null;
}

/**
 * Checks and takes every passed descriptor (close-on-exec from now on, so
 * that no worker inherits a stray copy). Throws a SHOAL_ERR_SOCKET_ACTIVATION_
 * error naming the listener and the mismatch.
 */
export function takePassedSockets(
  passed: readonly PassedDescriptor[],
  listeners: readonly ListenerSpec[],
  backend: SystemdBackend,
  fdPassing: FdPassing | undefined,
): PassedListener[] {
  const matched = matchDescriptors(passed, listeners).map(({ descriptor, spec }) => {
    const info = backend.passedSocketInfo(descriptor.fd);
    checkPassedSocket(spec, info);
    return { spec, info };
  });
  const checked = matched.map(({ spec, info }) => {
    const sharedBecause = whySlotsShare(info);
    // A one-to-many SCTP socket carries every association's messages: two processes reading it would split them.
    if (sharedBecause !== null && (spec.options as { style?: unknown }).style === 'one-to-many') {
      throw new ERR_SOCKET_ACTIVATION_MISMATCH(
        spec.name, info.fd, 'sharing', 'a socket of its own per worker (a one-to-many SCTP socket read by several workers would split each association\'s messages between them)',
        `one socket for all workers, because ${sharedBecause}`,
      );
    }
    return { spec, info, sharedBecause };
  });
  // Every descriptor is checked before any is taken: a mismatch leaves nothing half done.
  return checked.map(({ spec, info, sharedBecause }) => {
    backend.setCloseOnExec(info.fd);
    return {
      listener: spec.name,
      fd: info.fd,
      handle: heldHandleOfDescriptor(spec.name, spec.protocol ?? spec.transport, info.fd, fdPassing),
      host: info.address ?? spec.host,
      port: info.port ?? spec.port,
      sharedBecause,
    };
  });
}
