// SO_REUSEPORT across processes: three listener processes share one address
// and port; clients from different source addresses are spread over them by
// the kernel; a listener with a different address set is refused clearly.
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { connect, createServer, type SctpMessage } from '../../src';
import { waitFor } from './helpers';

interface Report { type: string; port?: number; pid: number; id?: string; peer?: string }

function startListener(port: number): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(path.join(__dirname, 'helpers/reuseport-listener.js'), [String(port)], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`listener exited with ${code}`)));
    child.once('message', (m: Report) => resolve({ child, port: m.port! }));
  });
}

describe('SO_REUSEPORT', () => {
  test('three processes share a port; clients from 20 source addresses are spread over them', async () => {
    const first = await startListener(0);
    const port = first.port;
    const rest = await Promise.all([startListener(port), startListener(port)]);
    const children = [first.child, ...rest.map((r) => r.child)];
    const reports: Report[] = [];
    for (const c of children) c.on('message', (m: Report) => m.type === 'client' && reports.push(m));
    try {
      for (let i = 0; i < 20; i++) {
        const src = `127.0.0.${i + 2}`;
        const s = await connect({ address: '127.0.0.1', port, localAddress: src });
        const echo = waitFor<SctpMessage>(s, 'message');
        s.send(`client-${i}`);
        expect((await echo).data.toString()).toBe(`client-${i}`);
        s.close();
      }
      while (reports.length < 20) await new Promise((r) => setTimeout(r, 10));
      const byPid = new Map<number, string[]>();
      for (const r of reports) byPid.set(r.pid, [...(byPid.get(r.pid) ?? []), r.id!]);
      // Each listener process got some of the clients, and each client was served once.
      expect(byPid.size).toBe(3);
      expect(new Set(reports.map((r) => r.id)).size).toBe(20);
      expect(reports.find((r) => r.id === 'client-5')?.peer).toBe('127.0.0.7');
      // A socket of the group with a different address set is refused, clearly.
      const odd = createServer({ reusePort: true });
      await expect(odd.listen({ address: ['127.0.0.1', '127.0.0.3'], port })).rejects.toMatchObject({
        code: expect.stringMatching(/^E(ADDRINUSE|EXIST)$/),
        shoalCode: 'SHOAL_ERR_SCTP_REUSEPORT_MISMATCH',
        message: expect.stringMatching(/exactly the same addresses/),
      });
      // And a socket without reusePort on that port is refused as address in use.
      const plain = createServer();
      await expect(plain.listen({ address: '127.0.0.1', port })).rejects.toMatchObject({ code: 'EADDRINUSE', shoalCode: 'SHOAL_ERR_SCTP_ADDRESS_IN_USE', syscall: 'bind' });
    } finally {
      for (const c of children) c.kill();
    }
  });
});
