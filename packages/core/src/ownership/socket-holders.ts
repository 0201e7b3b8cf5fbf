/**
 * Which processes hold a socket (the /proc/<pid>/fd links to "socket:[inode]"),
 * and what those processes are: their command line, and for Shoal's own
 * processes the supervisor they belong to. Only processes this user may
 * inspect are seen (all of them for root).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { WORKER_ENV } from '../ipc';

/** Socket inodes that a process holds descriptors of. */
export function socketInodesOf(pid: number | 'self'): Set<number> {
  const inodes = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes; // Gone, or another user's.
  }
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // Closed meanwhile.
    }
    if (target.startsWith('socket:[')) inodes.add(Number(target.slice(8, -1)));
  }
  return inodes;
}

function processIds(): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

/** For each wanted socket inode, the processes that hold it (none seen: another user's, or closed meanwhile). */
export function holdersOf(inodes: Iterable<number>): Map<number, number[]> {
  const wanted = new Set(inodes);
  const holders = new Map<number, number[]>([...wanted].map((inode) => [inode, []]));
  if (wanted.size === 0) return holders;
  for (const pid of processIds()) {
    for (const inode of socketInodesOf(pid)) if (wanted.has(inode)) holders.get(inode)?.push(pid);
  }
  return holders;
}

/** What an operator needs to recognise a process. */
export interface ProcessInfo {
  readonly pid: number;
  readonly parentPid: number | null;
  /** Its command line (cut at 200 characters); '' when it cannot be read. */
  readonly command: string;
  /** A Shoal worker's slot (from its environment), else null. */
  readonly shoalWorkerSlot: number | null;
  /** A Shoal worker's service name and its supervisor's control socket (from its environment). */
  readonly shoalService: string | null;
  readonly shoalControl: string | null;
}

const COMMAND_MAX = 200;

export function processInfo(pid: number): ProcessInfo {
  let command = '';
  try {
    // One line: arguments may hold newlines (a program given with -c).
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').replace(/\s+/g, ' ');
    if (command.length > COMMAND_MAX) command = `${command.slice(0, COMMAND_MAX - 1)}…`;
  } catch {
    // Gone, or hidden: the pid alone names it.
  }
  let parentPid: number | null = null;
  try {
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    parentPid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    // As above.
  }
  let environment: string[] = [];
  try {
    environment = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    // Another user's environment is closed to us.
  }
  const variable = (name: string): string | null => {
    const found = environment.find((v) => v.startsWith(`${name}=`));
    return found === undefined ? null : found.slice(name.length + 1);
  };
  const slot = variable(WORKER_ENV.slot);
  return {
    pid,
    parentPid,
    command,
    shoalWorkerSlot: slot === null ? null : Number(slot),
    shoalService: variable(WORKER_ENV.service),
    shoalControl: variable(WORKER_ENV.control),
  };
}
