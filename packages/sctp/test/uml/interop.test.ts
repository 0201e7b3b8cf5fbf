// Interoperability with SCTP implementations that are not ours: Python's
// socket module (kernel SCTP through plain sendmsg/recvmsg with SCTP_SNDINFO
// and SCTP_RCVINFO) and socat.
import { execFileSync, spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { connect, createServer, type SctpMessage, type SctpSocket } from '../../src';
import { waitFor } from './helpers';

const PEER = path.join(__dirname, 'helpers/py_peer.py');

describe('interoperability', () => {
  test('Python client -> Shoal server: stream and PPID survive both ways', async () => {
    const server = createServer();
    const { port } = await server.listen({ address: '127.0.0.1' });
    server.on('connection', (s: SctpSocket) => {
      s.on('message', (m: SctpMessage) => {
        expect([m.data.toString(), m.stream, m.ppid]).toEqual(['hello from python', 2, 99]);
        s.send('hello from shoal', { stream: 1, ppid: 77 });
      });
    });
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn('python3', [PEER, 'client', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      p.stdout.on('data', (d: Buffer) => (text += d.toString()));
      p.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`python exited with ${code}`))));
    });
    const got = JSON.parse(out) as { data: string; info: { stream: number; ppid: number } };
    expect(got).toMatchObject({ data: 'hello from shoal', info: { stream: 1, ppid: 77 } });
    await server.close();
  });

  test('Shoal client -> Python one-to-many server: echo on the same stream and PPID', async () => {
    const p = spawn('python3', [PEER, 'server'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = readline.createInterface({ input: p.stdout! });
    const it = lines[Symbol.asyncIterator]();
    const { port } = JSON.parse((await it.next()).value as string) as { port: number };
    const client = await connect({ address: '127.0.0.1', port });
    const echo = waitFor<SctpMessage>(client, 'message');
    client.send('from shoal', { stream: 4, ppid: 1234 });
    const e = await echo;
    expect([e.data.toString(), e.stream, e.ppid]).toEqual(['python echo: from shoal', 4, 1234]);
    const seen = JSON.parse((await it.next()).value as string) as { data: string; info: { stream: number; ppid: number } };
    expect(seen).toMatchObject({ data: 'from shoal', info: { stream: 4, ppid: 1234 } });
    client.close();
    await new Promise((r) => p.once('exit', r));
  });

  test('socat as the peer: a message through socat SCTP-CONNECT reaches a Shoal server', async () => {
    const server = createServer();
    const { port } = await server.listen({ address: '127.0.0.1' });
    const got = waitFor<SctpMessage>(server.on('connection', (s: SctpSocket) => s.on('message', (m: SctpMessage) => server.emit('msg', m))), 'msg');
    execFileSync('sh', ['-c', `printf 'via socat' | socat -u - SCTP-CONNECT:127.0.0.1:${port}`]);
    expect((await got).data.toString()).toBe('via socat');
    await server.close();
  });
});
