// The Node members of a reuseport group: servers (TCP) or sockets (UDP) that
// count what they receive, and a client that opens connections or sends
// datagrams, each from a new source port.
import * as dgram from 'node:dgram';
import * as net from 'node:net';

export interface Member {
  readonly fd: number;
  received: number;
  close(): Promise<void>;
}

export async function tcpMember(host: string, port: number): Promise<Member & { port: number }> {
  const server = net.createServer((socket) => {
    member.received++;
    socket.on('error', () => undefined);
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, reusePort: true, backlog: 1024 }, resolve);
  });
  const member = {
    fd: (server as unknown as { _handle: { fd: number } })._handle.fd,
    port: (server.address() as net.AddressInfo).port,
    received: 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return member;
}

/** The fd of a bound dgram socket: its handle sits under a symbol property (Node's kStateSymbol). */
function dgramFd(socket: dgram.Socket): number {
  for (const symbol of Object.getOwnPropertySymbols(socket)) {
    const fd = (socket as unknown as Record<symbol, { handle?: { fd?: number } } | undefined>)[symbol]?.handle?.fd;
    if (typeof fd === 'number' && fd >= 0) return fd;
  }
  throw new Error('no fd found on the dgram socket');
}

export async function udpMember(host: string, port: number): Promise<Member & { port: number }> {
  const socket = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4', reusePort: true });
  socket.on('message', () => member.received++);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, resolve);
  });
  const member = {
    fd: dgramFd(socket),
    port: socket.address().port,
    received: 0,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
  return member;
}

const BATCH = 20;

/** Opens `total` connections, BATCH at a time, each closed as soon as it is established. */
export async function connectMany(host: string, port: number, total: number): Promise<void> {
  for (let done = 0; done < total; done += BATCH) {
    await Promise.all(
      Array.from({ length: Math.min(BATCH, total - done) }, () =>
        new Promise<void>((resolve, reject) => {
          const c = net.connect({ host, port }, () => {
            c.destroy();
            resolve();
          });
          c.once('error', reject);
        }),
      ),
    );
  }
}

/** Sends `total` datagrams, each from a new socket (a new source port), BATCH at a time. */
export async function sendMany(host: string, port: number, total: number): Promise<void> {
  for (let done = 0; done < total; done += BATCH) {
    await Promise.all(
      Array.from({ length: Math.min(BATCH, total - done) }, () =>
        new Promise<void>((resolve, reject) => {
          const s = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
          s.once('error', reject);
          s.send('x', port, host, (err) => {
            s.close();
            if (err) reject(err);
            else resolve();
          });
        }),
      ),
    );
    // The send callbacks alone never let the loop reach its poll phase, so the members (in this
    // process) would not read until the end and the kernel would drop what overflows their buffers.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Waits until `check` holds (the members counted what the kernel gave them), at most `ms`. */
export async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}
