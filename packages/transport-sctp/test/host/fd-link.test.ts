// The descriptor link the core uses for SCTP sockets (Node's IPC carries only
// libuv handles): real SCM_RIGHTS over the transport's AF_UNIX socketpair,
// between two real processes, with the core's IpcChannel on top. Any
// descriptor travels the same way, so files stand in for sockets here (the
// host kernel has no SCTP); the UML cluster tests pass SCTP sockets.
import { fork } from 'node:child_process';
import { mkdtempSync, openSync, readSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IpcChannel } from '@shoal/core/dist/ipc';
import { sctpFdPassing } from '../../src';

test('descriptors pass both ways, each with its message, and messages keep their order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fd-link-'));
  const files = ['first', 'third', 'back'].map((name) => {
    writeFileSync(join(dir, name), `content of ${name}`);
    return join(dir, name);
  });
  const { link, childFd } = sctpFdPassing.pair();
  const child = fork(join(__dirname, 'fixtures', 'fd-link-peer.js'), {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc', childFd],
    env: { ...process.env, FD_LINK_FILE_BACK: files[2] },
  });
  sctpFdPassing.closeFd(childFd);
  try {
    const channel = new IpcChannel<Record<never, never>, { take: { params: { seen: unknown }; result: boolean } }, never, { type: 'x'; n: number }>(child);
    channel.attachFdLink(link, sctpFdPassing);
    const taken = new Promise<{ seen: unknown; content: string }>((resolve) => {
      channel.onRequest('take', ({ seen }, handle) => {
        const buf = Buffer.alloc(64);
        const fd = (handle as { rawFd: number }).rawFd;
        resolve({ seen, content: buf.subarray(0, readSync(fd, buf, 0, 64, 0)).toString() });
        (handle as { close(): void }).close();
        return true;
      });
    });
    // Sent without awaiting: the plain message must not overtake the one whose descriptor is on its way.
    const first = openSync(files[0], 'r');
    const third = openSync(files[1], 'r');
    void channel.post({ type: 'x', n: 1 }, sctpFdPassing.handle(first));
    void channel.post({ type: 'x', n: 2 });
    await channel.post({ type: 'x', n: 3 }, sctpFdPassing.handle(third));
    const result = await taken;
    expect(result.seen).toEqual([
      { n: 1, content: 'content of first' },
      { n: 2, content: null },
      { n: 3, content: 'content of third' },
    ]);
    expect(result.content).toBe('content of back');
  } finally {
    child.kill('SIGKILL');
  }
}, 30_000); // a child process that loads the core: seconds on a busy 2-core machine
