// Passing SCTP sockets to another process with SCM_RIGHTS: a connected
// association, a listener and a one-to-many endpoint keep working there after
// this process closed its copies.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { closeFd, connect, createEndpoint, createServer, FdChannel, type SctpMessage, type SctpSocket } from '../../src';
import { waitFor } from './helpers';

describe('fd passing', () => {
  test('an association, a listener and an endpoint move to a child process and keep working', async () => {
    const { channel, remoteFd } = FdChannel.pair();
    const child = spawn(process.execPath, [path.join(__dirname, 'helpers/fd-child.js')], { stdio: ['ignore', 'inherit', 'inherit', remoteFd] });
    closeFd(remoteFd);
    const acks: { adopted: string; type: string }[] = [];
    channel.on('fd', ({ fd, meta }) => {
      closeFd(fd); // the child sends back fd 0 with its ack
      acks.push(meta as { adopted: string; type: string });
    });
    try {
      const server = createServer();
      const { port } = await server.listen({ address: '127.0.0.1' });
      const acceptedP = waitFor<SctpSocket>(server, 'connection');
      const client = await connect({ address: '127.0.0.1', port });
      const accepted = await acceptedP;
      // 1. The accepted association.
      await channel.sendSocket(accepted, { kind: 'conn' });
      accepted.close();
      const echo = waitFor<SctpMessage>(client, 'message');
      client.send('ping', { stream: 3, ppid: 11 });
      const e = await echo;
      expect(e.data.toString()).toBe(`child${child.pid}:ping`);
      expect([e.stream, e.ppid]).toEqual([3, 11]);
      // 2. The listener: new associations are accepted by the child.
      await channel.sendSocket(server, { kind: 'server' });
      await server.close();
      const c2 = await connect({ address: '127.0.0.1', port });
      const echo2 = waitFor<SctpMessage>(c2, 'message');
      c2.send('second');
      expect((await echo2).data.toString()).toBe(`child${child.pid}:second`);
      // 3. A one-to-many endpoint with a live association.
      const ep = createEndpoint();
      const { port: p3 } = ep.bind({ address: '127.0.0.1' });
      const peer = createEndpoint();
      const id = await peer.connect('127.0.0.1', p3);
      await channel.sendSocket(ep, { kind: 'endpoint' });
      ep.close(); // our copy only: the kernel socket lives on in the child
      const echo3 = waitFor<SctpMessage>(peer, 'message');
      peer.send('third', { assocId: id });
      expect((await echo3).data.toString()).toBe('child-ep:third');
      while (acks.length < 3) await new Promise((r) => setTimeout(r, 10));
      expect(acks).toEqual([
        { adopted: 'conn', type: 'SctpSocket' },
        { adopted: 'server', type: 'SctpServer' },
        { adopted: 'endpoint', type: 'SctpEndpoint' },
      ]);
      client.close();
      c2.close();
      peer.close();
    } finally {
      channel.close();
      await new Promise((r) => child.once('exit', r));
    }
  });

  test('adopting an fd that is not SCTP fails clearly', async () => {
    const { adoptSctpFd } = await import('../../src');
    const { channel, remoteFd } = FdChannel.pair();
    expect(() => adoptSctpFd(remoteFd)).toThrow(expect.objectContaining({ code: 'SHOAL_ERR_SCTP_FD_PASSING', message: expect.stringMatching(/not an SCTP socket/) }));
    closeFd(remoteFd);
    channel.close();
  });
});
