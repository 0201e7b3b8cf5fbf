// The library's API follows node:net where it can: highWaterMark with
// send() → false and 'drain', async iteration of messages with flow control,
// AbortSignal and a connect timeout, ref()/unref(), Symbol.asyncDispose, and
// errors whose `code` is the errno name.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { connect, createEndpoint, createServer, SctpAbortError, SctpSocket, type SctpMessage } from '../../src';
import { blockPath, pair, waitFor } from './helpers';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('node conventions', () => {
  test('highWaterMark: send() returns false once the bytes queued reach it, then drain', async () => {
    // Small kernel buffers on both sides and a paused reader: the kernel pushes back soon.
    const p = await pair({ receiveBufferSize: 4096 }, { sendBufferSize: 4096, highWaterMark: 20_000 });
    p.accepted.pause();
    const results: boolean[] = [];
    for (let i = 0; i < 200 && (results.length === 0 || results[results.length - 1]); i++) results.push(p.client.send(Buffer.alloc(1000, i)));
    expect(results[results.length - 1]).toBe(false);
    expect(results.filter((r) => !r)).toHaveLength(1);
    expect(p.client.writableLength).toBeGreaterThanOrEqual(20_000);
    expect(p.client.writableLength).toBeLessThan(21_000);
    expect(p.client.writableNeedDrain).toBe(true);
    expect(p.client.writableHighWaterMark).toBe(20_000);
    const drained = waitFor(p.client, 'drain');
    p.accepted.resume();
    await drained;
    expect(p.client.writableLength).toBe(0);
    expect(p.client.writableNeedDrain).toBe(false);
    await p.close();
  });

  test('for await: every message in order, the socket paused while the loop lags, the loop ends at the peer\'s shutdown', async () => {
    const p = await pair({ highWaterMark: 4096 });
    const sent = Array.from({ length: 300 }, (_, i) => `${i}:${'x'.repeat(1000)}`);
    for (const m of sent) p.client.send(m);
    const ended = p.client.end();
    const got: string[] = [];
    let pausedSeen = 0;
    for await (const m of p.accepted) {
      got.push(m.data.toString());
      if (p.accepted.isPaused) pausedSeen++;
      await turn(); // a slow consumer
    }
    await ended;
    expect(got).toEqual(sent);
    expect(pausedSeen).toBeGreaterThan(0);
    await p.server.close();
  });

  test('leaving a for await loop early closes the socket (destroyOnReturn), or not when asked', async () => {
    const p = await pair();
    p.client.send('one');
    for await (const m of p.accepted.messages({ destroyOnReturn: false })) {
      expect(m.data.toString()).toBe('one');
      break;
    }
    expect(p.accepted.readyState).toBe('open');
    const peerEnd = waitFor(p.client, 'end');
    p.client.send('two');
    for await (const m of p.accepted) {
      expect(m.data.toString()).toBe('two');
      break;
    }
    expect(p.accepted.readyState).toBe('closed');
    await peerEnd; // the kernel shut the association down gracefully
    await p.server.close();
  });

  test('an endpoint iterates the messages of all its associations', async () => {
    const ep = createEndpoint();
    const { port } = ep.bind({ address: '127.0.0.1' });
    const a = await connect({ address: '127.0.0.1', port });
    const b = await connect({ address: '127.0.0.1', port });
    a.send('from a');
    b.send('from b');
    const got: SctpMessage[] = [];
    for await (const m of ep) {
      got.push(m);
      if (got.length === 2) break;
    }
    expect(got.map((m) => m.data.toString()).sort()).toEqual(['from a', 'from b']);
    expect(new Set(got.map((m) => m.assocId)).size).toBe(2);
    expect(ep.isClosed).toBe(true);
    a.close();
    b.close();
  });

  test('connect: timeoutMs gives up with ETIMEDOUT, an AbortSignal with an AbortError (one-to-one and one-to-many)', async () => {
    const restore = blockPath('127.0.0.29');
    try {
      await expect(connect({ address: '127.0.0.29', port: 4000, timeoutMs: 300 })).rejects.toMatchObject({
        code: 'ETIMEDOUT', shoalCode: 'SHOAL_ERR_SCTP_CONNECT_FAILED',
      });
      const controller = new AbortController();
      const pending = connect({ address: '127.0.0.29', port: 4000, signal: controller.signal });
      controller.abort(new Error('user gave up'));
      const err = await pending.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SctpAbortError);
      expect(err).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', cause: new Error('user gave up') });
      expect(() => SctpSocket.connect({ address: '127.0.0.29', port: 4000, signal: AbortSignal.abort() })).toThrow(SctpAbortError);
      expect(() => SctpSocket.connect({ address: '127.0.0.29', port: 4000, signal: 'no' as unknown as AbortSignal })).toThrow(/signal must be an AbortSignal/);

      const ep = createEndpoint();
      await expect(ep.connect('127.0.0.29', 4000, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
      const c2 = new AbortController();
      const p2 = ep.connect('127.0.0.29', 4000, { signal: c2.signal });
      c2.abort();
      await expect(p2).rejects.toMatchObject({ name: 'AbortError' });
      ep.close();
    } finally {
      restore();
    }
  });

  test('unref(): an open server and socket do not keep the process alive; ref() does again', async () => {
    const script = join(__dirname, 'helpers/unref-child.js');
    const run = (mode: string): Promise<{ code: number | null; out: string }> => new Promise((resolve) => {
      const child = spawn(process.execPath, [script, mode], { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (mode === 'ref-again' && out === 'listening\n') child.stdin!.write('close\n');
      });
      child.on('exit', (code) => resolve({ code, out }));
    });
    // Unref'd: the event loop empties and the process exits on its own ('beforeExit' fires first).
    expect(await run('unref')).toEqual({ code: 0, out: 'listening\nbeforeExit\n' });
    // Ref'd again: alive until told to close (no 'beforeExit' before that).
    expect(await run('ref-again')).toEqual({ code: 0, out: 'listening\nclosed\n' });
  });

  test('Symbol.asyncDispose: a socket ends gracefully, a server and an endpoint close', async () => {
    const p = await pair();
    const peerEnd = waitFor(p.accepted, 'end');
    await p.client[Symbol.asyncDispose]();
    expect(p.client.readyState).toBe('closed');
    await peerEnd;
    await p.server[Symbol.asyncDispose]();
    expect(p.server.fd).toBe(-1);
    const ep = createEndpoint();
    await ep[Symbol.asyncDispose]();
    expect(ep.isClosed).toBe(true);
    p.accepted.close();
  });

  test('errors carry the errno name as code, like node:net', async () => {
    const server = createServer();
    const { port } = await server.listen({ address: '127.0.0.1' });
    await server.close();
    await expect(connect({ address: '127.0.0.1', port })).rejects.toMatchObject({ code: 'ECONNREFUSED', shoalCode: 'SHOAL_ERR_SCTP_CONNECT_FAILED' });
    const s1 = createServer();
    const { port: taken } = await s1.listen({ address: '127.0.0.1' });
    await expect(createServer().listen({ address: '127.0.0.1', port: taken })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await s1.close();
  });
});
