// Attaching and detaching the selector on a reuseport group, through the fd
// of any socket of the group: the program belongs to the group, not to the
// socket it was attached through (reuseport_attach_prog).
import { checkFd } from './arguments';
import { attachError, detachError } from './errors';
import { native, type SockFilter } from './native';
import { selectAmongFirst } from './selector-program';

/**
 * Makes the kernel pick only among the first `count` sockets of the reuseport
 * group of `fd` (in the order they joined). Replaces any program the group
 * had. Call it again with the new count whenever one of the first `count`
 * sockets closes: the group's last socket moves into the hole.
 */
export function attachSelector(fd: number, count: number): void {
  checkFd(fd);
  attachProgram(fd, selectAmongFirst(count));
}

/** Attaches a classic-BPF reuseport program (an index into the group's sockets) to the group of `fd`. */
export function attachProgram(fd: number, program: readonly SockFilter[]): void {
  checkFd(fd);
  const r = native().attachReuseportCbpf(fd, program);
  if (r < 0) throw attachError(fd, r);
}

/** Removes the group's program (Linux 5.3 or later): the kernel goes back to its own hash over all sockets. */
export function detachSelector(fd: number): void {
  checkFd(fd);
  const r = native().detachReuseportBpf(fd);
  if (r < 0) throw detachError(fd, r);
}
