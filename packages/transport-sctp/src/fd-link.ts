// How the Shoal core passes SCTP descriptors between the supervisor and its
// workers: Node's IPC only carries libuv handles, and an SCTP socket is none.
// Each worker gets an AF_UNIX SOCK_SEQPACKET link (FdChannel) at stdio index 4;
// IPC messages name the descriptor by the tag it travels with on the link.
import type { FdLink, FdPassing, RawFdHandle } from '@shoal/core';
import { FdChannel, closeFd } from '@shoal/sctp';

class ChannelLink implements FdLink {
  constructor(private readonly channel: FdChannel) {}

  send(fd: number, id: number): Promise<void> {
    return this.channel.sendFd(fd, { id });
  }

  onFd(listener: (fd: number, id: number) => void): void {
    this.channel.on('fd', ({ fd, meta }: { fd: number; meta: unknown }) => listener(fd, Number((meta as { id?: unknown } | null)?.id)));
    // A failed receive closes the link; the IPC channel reports the requests it strands.
    this.channel.on('error', () => undefined);
  }

  close(): void {
    this.channel.close();
  }
}

/** A descriptor this process owns, as the core holds it; close() closes it once. */
export function rawFdHandle(fd: number): RawFdHandle {
  let open = true;
  return {
    rawFd: fd,
    close(): void {
      if (!open) return;
      open = false;
      closeFd(fd);
    },
  };
}

/** A descriptor still owned by a socket of this process: the core may send it, never close it. */
export function borrowedFdHandle(fd: number): RawFdHandle {
  return { rawFd: fd, close: () => undefined };
}

export const sctpFdPassing: FdPassing = Object.freeze({
  pair(): { link: FdLink; childFd: number } {
    const { channel, remoteFd } = FdChannel.pair();
    return { link: new ChannelLink(channel), childFd: remoteFd };
  },
  open(fd: number): FdLink {
    return new ChannelLink(FdChannel.fromFd(fd));
  },
  handle: rawFdHandle,
  closeFd,
});
