/**
 * A socket the supervisor holds for a slot: a raw libuv handle, which Node's
 * IPC sends with SCM_RIGHTS (TCP, UDP), or a bare descriptor that travels on
 * the worker's descriptor link (SCTP, see RawFdHandle). Nobody polls it while
 * it is held; `close()` closes this process's copy only.
 */
export interface HeldHandle {
  close?(): void;
}

/** Closes this process's copy of a held socket (the kernel frees the socket with its last copy). */
export function closeHeld(handle: HeldHandle): void {
  handle.close?.();
}
