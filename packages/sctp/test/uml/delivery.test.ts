// Nothing read is lost, reordered or cut: messages read while a socket is
// paused come before its end or error; reading stops at a message boundary
// (stopReading) so that what passes to another process starts a whole
// message; one association's trouble (a too-large message, a bad send) stays
// with it. Each test here failed on the code before these guarantees.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { adoptSctpFd, connect, createEndpoint, createServer, FdChannel, SctpSocket, type SctpMessage } from '../../src';
import { collect, pair, waitFor } from './helpers';

/** Runs fn on later turns of the event loop until it returns true (at most `turns` times). */
async function eventually(what: string, fn: () => boolean, turns = 200_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (fn()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`${what}: not after ${turns} turns of the event loop`);
}

/** Every message of `sock` in order, and what came after the last one ('end', 'error', 'close'). */
function record(sock: SctpSocket): { messages: string[]; events: string[] } {
  const out = { messages: [] as string[], events: [] as string[] };
  sock.on('message', (m: SctpMessage) => out.messages.push(m.data.toString()));
  sock.on('end', () => out.events.push(`end after ${out.messages.length}`));
  sock.on('error', (e: Error & { shoalCode?: string }) => out.events.push(`error ${e.shoalCode ?? e.message} after ${out.messages.length}`));
  sock.on('close', () => out.events.push(`close after ${out.messages.length}`));
  return out;
}

const numbered = (n: number): string[] => Array.from({ length: n }, (_, i) => `m${i}`);

describe('delivery: nothing read is lost', () => {
  test('messages read while paused come before the end of a graceful shutdown', async () => {
    const server = createServer();
    const { port } = await server.listen({ address: '127.0.0.1' });
    const acceptedP = waitFor<SctpSocket>(server, 'connection');
    const client = await connect({ address: '127.0.0.1', port });
    const accepted = await acceptedP;
    accepted.pause(); // nothing read until everything, and the SHUTDOWN, is in the kernel
    const seen = record(accepted);
    for (const m of numbered(100)) client.send(m);
    await client.end(); // SHUTDOWN_COMP: the server's kernel holds all 100 and the end
    // Resumed, the socket reads a batch; pausing on its first message leaves the rest read but not emitted.
    let paused = false;
    accepted.on('message', () => {
      if (paused) return;
      paused = true;
      accepted.pause();
      setImmediate(() => accepted.resume());
    });
    const closed = waitFor(accepted, 'close');
    accepted.resume();
    await closed;
    expect(seen.messages).toEqual(numbered(100));
    expect(seen.events).toEqual(['end after 100', 'close after 100']);
    await server.close();
  });

  test('messages read while paused come before the error of an abort (COMM_LOST)', async () => {
    const p = await pair();
    p.accepted.pause();
    const seen = record(p.accepted);
    for (const m of numbered(50)) p.client.send(m);
    // The client's own COMM_UP came long ago; once its queue is in the kernel, abort.
    await eventually('client queue sent', () => p.client.queuedMessages === 0);
    await eventually('all 50 acknowledged', () => p.client.status().unackData === 0);
    p.client.abort();
    // The server learns of the ABORT in its kernel: its status read fails from then on.
    await eventually('the server kernel saw the ABORT', () => {
      try {
        return p.accepted.status().stateName !== 'ESTABLISHED';
      } catch {
        return true;
      }
    });
    let paused = false;
    p.accepted.on('message', () => {
      if (paused) return;
      paused = true;
      p.accepted.pause();
      setImmediate(() => p.accepted.resume());
    });
    const closed = new Promise((resolve) => p.accepted.once('close', resolve));
    p.accepted.resume();
    await closed;
    expect(seen.messages).toEqual(numbered(50));
    expect(seen.events).toEqual(['error SHOAL_ERR_SCTP_ASSOC_LOST after 50', 'close after 50']);
    await p.server.close();
  });

  test('stopReading() reads a message being delivered in parts to its end: the next reader starts at a whole message', async () => {
    // A small receive buffer and partial delivery point make the kernel hand a 4 MiB message over in parts as it arrives.
    const server = createServer({ receiveBufferSize: 64 * 1024, partialDeliveryPoint: 4096 });
    const { port } = await server.listen({ address: '127.0.0.1' });
    const acceptedP = waitFor<SctpSocket>(server, 'connection');
    const client = await connect({ address: '127.0.0.1', port, options: { sendBufferSize: 8 << 20 } });
    const first = await acceptedP;
    const big = Buffer.alloc(4 << 20);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE(i, i);
    const got: Buffer[] = [];
    first.on('message', (m: SctpMessage) => got.push(m.data));
    client.send(big, { stream: 1 });
    await eventually('a first part of the big message read', () => first.messagesInParts > 0, 5_000_000);
    await first.stopReading();
    expect(first.messagesInParts).toBe(0);
    expect(got.map((b) => b.length)).toEqual([big.length]);
    expect(got[0].equals(big)).toBe(true);
    // Another process's view of the same kernel socket (a handed-off association): the next message, whole.
    client.send('after', { stream: 1 });
    const { channel, remoteFd } = FdChannel.pair();
    const other = FdChannel.fromFd(remoteFd);
    await channel.sendSocket(first);
    const { fd } = await other.recvFd();
    first.close();
    const second = adoptSctpFd(fd) as SctpSocket;
    const next = await waitFor<SctpMessage>(second, 'message');
    expect(next.data.toString()).toBe('after');
    client.close();
    second.close();
    channel.close();
    other.close();
    await server.close();
  });

  test('end() while connecting, with nothing queued, still shuts the association down', async () => {
    const server = createServer();
    const { port } = await server.listen({ address: '127.0.0.1' });
    const acceptedP = waitFor<SctpSocket>(server, 'connection');
    const client = SctpSocket.connect({ address: '127.0.0.1', port });
    const ended = client.end();
    const accepted = await acceptedP;
    await waitFor(accepted, 'end');
    await ended;
    expect(client.readyState).toBe('closed');
    await server.close();
  });

  test('a message the kernel refuses (stream out of range) fails alone: the association goes on', async () => {
    const p = await pair({ initMsg: { outStreams: 4, maxInStreams: 4 } }, { initMsg: { outStreams: 4, maxInStreams: 4 } });
    const failed = waitFor<Error & { code?: string }>(p.client, 'send-error');
    const got = collect(p.accepted, 2);
    p.client.send('before', { stream: 1 });
    p.client.send('nowhere', { stream: 9 });
    p.client.send('after', { stream: 2 });
    expect((await failed).code).toBe('EINVAL');
    expect((await got).map((m) => m.data.toString())).toEqual(['before', 'after']);
    expect(p.client.readyState).toBe('open');
    expect(p.client.stats.sendErrors).toBe(1);
    await p.close();
  });
});

describe('delivery: one association\'s trouble stays with it (one-to-many)', () => {
  test('after a too-large message is aborted half read, the next message of another association arrives', async () => {
    // Delivered by the kernel in parts as it arrives: the limit is crossed long before the message's end is read.
    const ep = createEndpoint({ maxMessageBytes: 100_000, receiveBufferSize: 64 * 1024, partialDeliveryPoint: 4096 });
    const { port } = ep.bind({ address: '127.0.0.1' });
    const tooLarge = waitFor<Error & { assocId?: number }>(ep, 'association-error');
    const big = await connect({ address: '127.0.0.1', port, options: { sendBufferSize: 4 << 20 } });
    big.on('error', () => undefined);
    big.send(Buffer.alloc(600_000, 1));
    await tooLarge;
    const small = await connect({ address: '127.0.0.1', port });
    const next = waitFor<SctpMessage>(ep, 'message');
    small.send('hello');
    expect((await next).data.toString()).toBe('hello');
    small.close();
    big.close();
    ep.close();
  });
});

describe('delivery: accept under a descriptor shortage', () => {
  test('EMFILE on accept is reported once and retried later, not once per loop turn; the association is accepted after', async () => {
    const child = spawn('prlimit', ['--nofile=64:64', process.execPath, join(__dirname, 'helpers/emfile-server.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    let buffered = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      lines.push(...parts);
      child.emit('lines');
    });
    const line = (re: RegExp): Promise<string> => new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = lines.find((l) => re.test(l));
        if (hit !== undefined) {
          child.off('lines', check);
          resolve(hit);
        }
      };
      child.on('lines', check);
      child.once('exit', (code) => reject(new Error(`emfile-server exited with ${code} before printing ${re}: ${lines.join(' | ')}`)));
      check();
    });
    try {
      const port = Number((await line(/^port \d+$/)).split(' ')[1]);
      const client = await connect({ address: '127.0.0.1', port });
      // The child counts 'error' events over 2,000 turns of its event loop after the first, then frees descriptors.
      const report = await line(/^errors \d+ over turns$/);
      expect(report).toBe('errors 1 over turns');
      await line(/^accepted$/);
      client.close();
    } finally {
      child.kill();
    }
  });
});
