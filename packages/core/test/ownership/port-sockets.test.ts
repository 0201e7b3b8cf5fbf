/**
 * The kernel's list of sockets on a port (/proc/net) as the ownership check
 * reads it, against real sockets; and which addresses take whose traffic.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { fstatSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { listeningSockets, takesTrafficOf } from '../../src/transport';

/** The inode of a server's or a dgram socket's descriptor (node:dgram keeps its handle under a symbol). */
function inodeOf(owner: Server | UdpSocket): number {
  const server = (owner as unknown as { _handle?: { fd: number } })._handle;
  if (server !== undefined) return fstatSync(server.fd).ino;
  const states = Object.getOwnPropertySymbols(owner).map((symbol) => (owner as unknown as Record<symbol, { handle?: { fd: number } }>)[symbol]);
  return fstatSync(states.find((state) => state?.handle?.fd !== undefined)!.handle!.fd).ino;
}

async function listen(host: string): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host, port: 0, reusePort: true }, resolve));
  return server;
}

describe('listeningSockets', () => {
  const open: (Server | UdpSocket)[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  });

  it.each(['127.0.0.1', '::1'])('finds a TCP listener on %s with its address, port, uid and inode', async (host) => {
    const server = await listen(host);
    open.push(server);
    const { port } = server.address() as { port: number };
    const found = listeningSockets('tcp', port);
    expect(found).toEqual([{ protocol: 'tcp', addresses: [host], port, uid: process.getuid!(), inode: inodeOf(server) }]);
    // A connection to it is not a listener: still one socket.
    const client = require('node:net').connect(port, host);
    await new Promise((resolve) => client.once('connect', resolve));
    expect(listeningSockets('tcp', port)).toHaveLength(1);
    client.destroy();
  });

  it('finds an unconnected UDP socket, and the wildcard as 0.0.0.0', async () => {
    const socket = createSocket({ type: 'udp4', reuseAddr: false });
    await new Promise<void>((resolve) => socket.bind({ address: '0.0.0.0', port: 0 }, resolve));
    open.push(socket);
    const { port } = socket.address();
    expect(listeningSockets('udp', port)).toEqual([{ protocol: 'udp', addresses: ['0.0.0.0'], port, uid: process.getuid!(), inode: inodeOf(socket) }]);
    expect(listeningSockets('tcp', port)).toEqual([]);
  });
});

describe('takesTrafficOf(ours, theirs)', () => {
  it.each([
    ['0.0.0.0', '0.0.0.0', true, 'the same wildcard: it joins our reuseport group'],
    ['0.0.0.0', '127.0.0.1', true, 'a more specific address inside our wildcard outscores it'],
    ['0.0.0.0', '::ffff:127.0.0.1', true, 'an IPv4-mapped address is the IPv4 one'],
    ['0.0.0.0', '::', false, 'an IPv6 wildcard loses IPv4 traffic to an IPv4 socket'],
    ['0.0.0.0', '::1', false, 'IPv6 traffic we do not listen for'],
    ['127.0.0.1', '127.0.0.1', true, 'the same address'],
    ['127.0.0.1', '0.0.0.0', false, 'a wildcard never outscores our specific address'],
    ['127.0.0.1', '127.0.0.2', false, 'another address'],
    ['::', '127.0.0.1', true, 'our dual-stack wildcard covers IPv4 addresses'],
    ['::', '::1', true, 'and IPv6 ones'],
    ['::', '0.0.0.0', true, 'an IPv4 wildcard outscores ours for IPv4 traffic'],
    ['::1', '::', false, 'a wildcard never outscores our specific address'],
    ['fe80::1', 'FE80::1', true, 'case does not matter'],
  ])('%s against %s: %s (%s)', (ours, theirs, expected) => {
    expect(takesTrafficOf(ours, theirs)).toBe(expected);
  });
});
