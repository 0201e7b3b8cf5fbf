/**
 * The kernel's own list of the sockets bound to a port (/proc/net/tcp, tcp6,
 * udp, udp6 and sctp/eps), and which of them would take a share of a
 * listener's traffic. Linux only; elsewhere (or without /proc) the lists are empty.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { endianness } from 'node:os';

export type KernelProtocol = 'tcp' | 'udp' | 'sctp';

/** A socket bound to a port, as the kernel lists it. */
export interface KernelSocket {
  readonly protocol: KernelProtocol;
  /** Its local addresses (one for TCP and UDP; every bound address of an SCTP endpoint). */
  readonly addresses: readonly string[];
  readonly port: number;
  readonly uid: number;
  /** The socket's inode: what /proc/<pid>/fd/* links to ("socket:[inode]"). */
  readonly inode: number;
}

const TCP_LISTEN = '0A';
/** An unconnected UDP socket (TCP_CLOSE): the ones a reuseport group picks among for a datagram. */
const UDP_UNCONNECTED = '07';
/** SCTP_SS_LISTENING (TCP_LISTEN, in decimal in sctp/eps). */
const SCTP_LISTENING = '10';

/** /proc/net/tcp* hex addresses hold 32-bit words in host byte order. */
function decodeHexAddress(hex: string): string {
  const bytes = Buffer.from(hex, 'hex');
  if (endianness() === 'LE') for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  if (bytes.length === 4) return [...bytes].join('.');
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(bytes.readUInt16BE(i).toString(16));
  return compressIpv6(words);
}

function compressIpv6(words: string[]): string {
  // The longest run of zero words becomes "::", as the usual text form writes it.
  let best = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === '0') j++;
    if (j - i > bestLength && j - i > 1) [best, bestLength] = [i, j - i];
    i = j;
  }
  if (best < 0) return words.join(':');
  return `${words.slice(0, best).join(':')}::${words.slice(best + bestLength).join(':')}`;
}

function readTable(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(1);
  } catch {
    return []; // No such table: not Linux, no IPv6, or the sctp module is not loaded.
  }
}

function inetSockets(protocol: 'tcp' | 'udp', port: number | null, wantedState: string | null): KernelSocket[] {
  const sockets: KernelSocket[] = [];
  for (const table of [protocol, `${protocol}6`]) {
    for (const line of readTable(`/proc/net/${table}`)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || (wantedState !== null && fields[3] !== wantedState)) continue;
      const [hexAddress, hexPort] = fields[1].split(':');
      const localPort = parseInt(hexPort, 16);
      if (port !== null && localPort !== port) continue;
      sockets.push({ protocol, addresses: [decodeHexAddress(hexAddress)], port: localPort, uid: Number(fields[7]), inode: Number(fields[9]) });
    }
  }
  return sockets;
}

function sctpSockets(port: number | null): KernelSocket[] {
  const sockets: KernelSocket[] = [];
  // ENDPT SOCK STY SST HBKT LPORT UID INODE LADDRS...
  for (const line of readTable('/proc/net/sctp/eps')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 9 || fields[3] !== SCTP_LISTENING) continue;
    const localPort = Number(fields[5]);
    if (port !== null && localPort !== port) continue;
    sockets.push({ protocol: 'sctp', addresses: fields.slice(8).filter((a) => isIP(a) !== 0), port: localPort, uid: Number(fields[6]), inode: Number(fields[7]) });
  }
  return sockets;
}

/**
 * The sockets that take new connections or datagrams on a port: TCP
 * listeners, unconnected UDP sockets, listening SCTP endpoints (IPv4 and
 * IPv6). `port` null: on every port.
 */
export function listeningSockets(protocol: KernelProtocol, port: number | null): KernelSocket[] {
  if (protocol === 'tcp') return inetSockets('tcp', port, TCP_LISTEN);
  if (protocol === 'udp') return inetSockets('udp', port, UDP_UNCONNECTED);
  return sctpSockets(port);
}

/** Every TCP or UDP socket bound to a port, in any state (what a bind without SO_REUSEPORT collides with). */
export function boundSockets(protocol: 'tcp' | 'udp', port: number): KernelSocket[] {
  return inetSockets(protocol, port, protocol === 'tcp' ? TCP_LISTEN : null);
}

/** `host:port`, an IPv6 address in brackets. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

const IPV4_WILDCARD = '0.0.0.0';
const IPV6_WILDCARD = '::';

/** An IPv4 address written as IPv6 (::ffff:a.b.c.d, as /proc lists a v4-mapped socket) as plain IPv4. */
function plain(address: string): string {
  const lower = address.toLowerCase();
  if (lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4) return lower.slice(7);
  return lower;
}

/**
 * Whether a socket bound to `theirs` takes traffic meant for a listener bound
 * to `ours` (both on the same port): the same address (it joins our reuseport
 * group), or a more specific address inside our wildcard (the kernel prefers
 * the best match, so it takes all of that address's traffic). A wildcard of
 * theirs never outscores a specific address of ours, and an IPv4 socket
 * outscores an IPv6 one for IPv4 traffic; our IPv6 wildcard counts as
 * dual-stack, since /proc does not say whether a socket is v6-only.
 */
export function takesTrafficOf(ours: string, theirs: string): boolean {
  const [a, b] = [plain(ours), plain(theirs)];
  if (a === b) return true;
  if (a === IPV6_WILDCARD) return isIP(b) !== 0;
  if (a === IPV4_WILDCARD) return isIP(b) === 4;
  return false;
}
