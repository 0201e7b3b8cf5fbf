/**
 * Sockets of other processes on a listener's port. The kernel admits any
 * socket of the same user with SO_REUSEPORT into a port's reuseport group and
 * hashes a share of new connections to it; nothing fails. So the supervisor
 * looks: at start, before a worker binds (the start fails, naming them), and
 * while it runs (reported: log, metric, status, /readyz).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ERR_LISTENER_PORT_SHARED } from '../errors';
import { hostPort, listeningSockets, takesTrafficOf } from '../transport';
import type { KernelProtocol, KernelSocket, ListenerSpec } from '../transport';
import { holdersOf, processInfo, socketInodesOf } from './socket-holders';
import type { ProcessInfo } from './socket-holders';

/** A listener's port, with the addresses its sockets bind. */
export interface OwnedPort {
  readonly listener: string;
  readonly protocol: KernelProtocol;
  /** IP addresses (host names resolved). */
  readonly addresses: readonly string[];
  readonly port: number;
}

/** A Shoal supervisor among the holders: the parent of the Shoal workers that hold the socket. */
export interface ShoalHolder {
  readonly pid: number;
  readonly name: string | null;
  readonly controlSocket: string | null;
  readonly workers: readonly number[];
}

/** A socket on one of our ports that none of our processes holds. */
export interface ForeignListener {
  readonly listener: string;
  readonly protocol: KernelProtocol;
  /** The socket's address and port, as `address:port` ([v6]:port). */
  readonly address: string;
  readonly uid: number;
  readonly inode: number;
  /** Processes that hold it and are not Shoal workers (empty when none is visible to this user). */
  readonly processes: readonly { pid: number; command: string }[];
  /** Shoal supervisors whose workers hold it. */
  readonly shoal: readonly ShoalHolder[];
}

/** The addresses of a listener: its host (resolved when a name) and, for multi-homed SCTP, its options' `addresses`. */
export async function ownedPort(spec: ListenerSpec, port = spec.port): Promise<OwnedPort> {
  const extra = Array.isArray(spec.options.addresses) ? spec.options.addresses.filter((a): a is string => typeof a === 'string') : [];
  const addresses: string[] = [];
  for (const host of [spec.host, ...extra]) {
    if (isIP(host) !== 0) addresses.push(host);
    else {
      try {
        addresses.push(...(await lookup(host, { all: true })).map((a) => a.address));
      } catch {
        addresses.push(host); // Unresolvable: the bind will say so; nothing of ours to compare.
      }
    }
  }
  return { listener: spec.name, protocol: (spec.protocol ?? spec.transport) as KernelProtocol, addresses, port };
}

/**
 * The kernel's sockets on a port that would take some of the listener's
 * traffic. One of another user on our very address is no competitor: the
 * kernel keeps it out of our group, and our bind fails instead (with the
 * EADDRINUSE diagnosis, port-owner.ts).
 */
function competitors(port: OwnedPort): KernelSocket[] {
  const me = process.getuid?.() ?? -1;
  return listeningSockets(port.protocol, port.port).filter((socket) =>
    socket.addresses.some((theirs) => port.addresses.some((ours) => takesTrafficOf(ours, theirs) && (socket.uid === me || ours !== theirs))),
  );
}

/**
 * Sorts a socket's holders into Shoal supervisors (the parents of the Shoal
 * workers among them, named by what the workers' environment says) and other
 * processes. A child of such a supervisor without a worker's environment is
 * a worker being started: between fork and exec it holds the supervisor's
 * descriptors with the supervisor's environment, so it is part of that service.
 */
function describeHolders(pids: readonly number[]): Pick<ForeignListener, 'processes' | 'shoal'> {
  const infos = pids.map(processInfo);
  const bySupervisor = new Map<number, ProcessInfo[]>();
  for (const info of infos) {
    if (info.shoalWorkerSlot !== null && info.parentPid !== null) bySupervisor.set(info.parentPid, [...(bySupervisor.get(info.parentPid) ?? []), info]);
  }
  const shoal: ShoalHolder[] = [...bySupervisor].map(([pid, workers]) => ({
    pid,
    name: workers[0].shoalService,
    controlSocket: workers[0].shoalControl,
    workers: workers.map((w) => w.pid),
  }));
  const isShoal = (info: ProcessInfo): boolean => info.shoalWorkerSlot !== null || bySupervisor.has(info.pid) || bySupervisor.has(info.parentPid ?? -1);
  return { processes: infos.filter((info) => !isShoal(info)).map(({ pid, command }) => ({ pid, command })), shoal };
}

/**
 * The sockets on our ports held by none of `ours` (pids: this supervisor
 * and, while running, its workers; a socket one of them holds is ours even
 * when another process holds it too, as systemd does for a passed socket).
 * Cheap when there is none: only our own descriptors are read, and the other
 * processes are looked through only for a socket left unexplained.
 */
export async function findForeignListeners(ports: readonly OwnedPort[], ours: readonly number[]): Promise<ForeignListener[]> {
  const candidates = ports.flatMap((port) => competitors(port).map((socket) => ({ port, socket })));
  if (candidates.length === 0) return [];
  const ourInodes = new Set(ours.flatMap((pid) => [...socketInodesOf(pid)]));
  const unexplained = candidates.filter(({ socket }) => !ourInodes.has(socket.inode));
  if (unexplained.length === 0) return [];
  const holders = holdersOf(unexplained.map(({ socket }) => socket.inode));
  const ourPids = new Set(ours);
  const found: ForeignListener[] = [];
  for (const { port, socket } of unexplained) {
    const pids = holders.get(socket.inode) ?? [];
    // A process of ours that started after `ours` was read (a new worker) holds it: ours too.
    if (pids.some((pid) => ourPids.has(pid) || ourPids.has(processInfo(pid).parentPid ?? -1))) continue;
    found.push({
      listener: port.listener,
      protocol: socket.protocol,
      address: socket.addresses.map((a) => hostPort(a, socket.port)).join(' '),
      uid: socket.uid,
      inode: socket.inode,
      ...describeHolders(pids),
    });
  }
  return found;
}

/** One line naming a foreign socket's holders, for logs and errors. */
export function describeForeignListener(foreign: Omit<ForeignListener, 'protocol'> & { readonly protocol: string }): string {
  const parts = [
    ...foreign.shoal.map(
      (s) =>
        `Shoal supervisor${s.name === null ? '' : ` "${s.name}"`} pid ${s.pid}` +
        `${s.controlSocket === null ? '' : ` (control socket ${s.controlSocket})`}, workers ${s.workers.join(', ')}`,
    ),
    ...foreign.processes.map((p) => `pid ${p.pid} (${p.command || 'command line not readable'})`),
  ];
  const who = parts.length > 0 ? parts.join('; ') : `no process this user can see (uid ${foreign.uid})`;
  return `${foreign.protocol} ${foreign.address} held by ${who}`;
}

/**
 * Lines naming several foreign sockets: one per address and set of holders
 * (a Shoal service holds one socket per slot), with how many sockets.
 */
export function describeForeignListeners(list: readonly ForeignListener[]): string {
  const groups = new Map<string, ForeignListener[]>();
  for (const foreign of list) {
    const key = `${foreign.address}|${foreign.processes.map((p) => p.pid).join(',')}|${foreign.shoal.map((s) => s.pid).join(',')}`;
    groups.set(key, [...(groups.get(key) ?? []), foreign]);
  }
  return [...groups.values()]
    .map((group) => {
      const merged: ForeignListener = { ...group[0], shoal: group[0].shoal.map((s) => ({ ...s, workers: group.flatMap((g) => g.shoal.find((t) => t.pid === s.pid)?.workers ?? []) })) };
      const text = describeForeignListener(merged);
      return group.length > 1 ? text.replace(` ${merged.address} held by`, ` ${merged.address} (${group.length} sockets) held by`) : text;
    })
    .join('; ');
}

/**
 * The start check: throws SHOAL_ERR_LISTENER_PORT_SHARED for the first
 * listener whose port other processes already listen on, unless it shares on
 * purpose (shareWithOthers). Port 0 is skipped: the kernel picks a free one.
 */
export async function refuseForeignListeners(specs: readonly ListenerSpec[], ours: readonly number[]): Promise<void> {
  for (const spec of specs) {
    if (spec.port === 0 || spec.shareWithOthers === true) continue;
    const port = await ownedPort(spec);
    const foreign = await findForeignListeners([port], ours);
    if (foreign.length > 0) {
      const address = `${port.protocol} ${port.addresses.map((a) => hostPort(a, port.port)).join(' ')}`;
      throw new ERR_LISTENER_PORT_SHARED(spec.name, address, describeForeignListeners(foreign));
    }
  }
}
