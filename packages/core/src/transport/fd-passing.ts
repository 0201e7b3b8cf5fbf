/**
 * Sockets that are not libuv handles (SCTP) travel between the supervisor
 * and its workers as bare descriptors over a socketpair per worker.
 */
/**
 * A socket Node's IPC cannot carry (an SCTP socket is no libuv handle): a bare
 * file descriptor. The core passes it over the worker's descriptor link
 * (SCM_RIGHTS, see FdPassing) wherever a HeldHandle goes; `close()` closes
 * this process's descriptor only.
 */
export interface RawFdHandle {
  readonly rawFd: number;
  close(): void;
}

export function isRawFdHandle(handle: unknown): handle is RawFdHandle {
  return typeof handle === 'object' && handle !== null && typeof (handle as RawFdHandle).rawFd === 'number';
}

/** One end of a descriptor link between the supervisor and one worker. */
export interface FdLink {
  /** Sends a duplicate of `fd` tagged with `id`; this process's fd stays open. */
  send(fd: number, id: number): Promise<void>;
  /** Every descriptor that arrives, with its tag. */
  onFd(listener: (fd: number, id: number) => void): void;
  close(): void;
}

/**
 * How descriptors that are not libuv handles travel (a transport with such
 * sockets provides it, e.g. @shoal/transport-sctp): a link per worker, whose
 * child end the worker inherits as fd `FD_LINK_CHILD_FD`.
 */
export interface FdPassing {
  /** A connected pair: `link` stays here, `childFd` goes to the child's stdio and is closed here after the fork. */
  pair(): { link: FdLink; childFd: number };
  /** The worker's end, on the inherited fd. */
  open(fd: number): FdLink;
  /** Wraps a descriptor this process owns (received, or to hold). */
  handle(fd: number): RawFdHandle;
  closeFd(fd: number): void;
}

/** Where a worker finds its end of the descriptor link (stdio index). */
export const FD_LINK_CHILD_FD = 4;
