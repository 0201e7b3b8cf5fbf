import { once } from 'node:events';
import { createServer } from 'node:net';
import { ShoalError, WorkerMetrics, isShoalError, resolveOptions } from '@shoal/core';
import { type Listener } from '@shoal/core';
import { LengthPrefixedFramer, type TcpContext, tcpTransport, tcpTransports } from '../src';
import { Client, Holder, latch, listenerContext, metricValue, shut } from './helpers';

const tcp = tcpTransport();
const open: Listener[] = [];

async function start(options: Record<string, unknown>, bindings: Parameters<typeof listenerContext>[2], extra = {}) {
  const context = listenerContext('tcp', options, bindings, extra);
  const listener = await tcp.open(context);
  open.push(listener);
  return { context, listener, port: listener.boundPort() };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map(shut));
});

const echo = { event: 'message', fn: (frame: Buffer) => frame };
const labels = { listener: 'tcp-test', transport: 'tcp' };

describe('tcp transport: echo per framing', () => {
  test('lines: each line comes back, \\r\\n accepted, replies get \\n', async () => {
    const { port, context } = await start({ framing: 'lines' }, [{ event: 'message', fn: (f: Buffer) => f.toString().toUpperCase() }]);
    const client = await Client.connect(port);
    client.write('hello\r\nwor');
    client.write('ld\n\n');
    expect(await client.lines(3)).toEqual(['HELLO', 'WORLD', '']);
    client.destroy();
    await client.closed;
    expect(await metricValue(context.worker, 'shoal_messages_received_total', labels)).toBe(3);
    expect(await metricValue(context.worker, 'shoal_bytes_received_total', labels)).toBe(10);
    expect(await metricValue(context.worker, 'shoal_messages_sent_total', labels)).toBe(3);
    expect(await metricValue(context.worker, 'shoal_connections_total', labels)).toBe(1);
  });

  test('length-prefixed: frames come back whole, also when split across writes', async () => {
    const { port } = await start({ framing: 'length-prefixed' }, [echo]);
    const codec = new LengthPrefixedFramer(1 << 20);
    const big = Buffer.alloc(200_000, 7);
    const wire = Buffer.concat([codec.encode('one'), codec.encode(big), codec.encode('')]);
    const client = await Client.connect(port);
    client.write(wire.subarray(0, 5));
    client.write(wire.subarray(5, 100_000));
    client.write(wire.subarray(100_000));
    const data = await client.until((d) => d.length >= wire.length, 'three frames');
    expect(new LengthPrefixedFramer(1 << 20).push(data).map((f) => f.length)).toEqual([3, 200_000, 0]);
    expect(data.equals(wire)).toBe(true);
    client.destroy();
  });

  test('replies larger than the socket buffers all arrive, in order, when the client reads late', async () => {
    const { port } = await start({ framing: 'length-prefixed' }, [echo]);
    const codec = new LengthPrefixedFramer(1 << 20);
    const frames = Array.from({ length: 100 }, (_, i) => Buffer.alloc(64 * 1024, i));
    const client = await Client.connect(port);
    client.socket.pause(); // the server's writes back up until the client reads
    for (const frame of frames) client.write(codec.encode(frame));
    await new Promise((resolve) => setImmediate(resolve));
    client.socket.resume();
    const total = frames.length * (4 + 64 * 1024);
    const data = await client.until((d) => d.length >= total, 'all replies');
    const got = new LengthPrefixedFramer(1 << 20).push(data);
    expect(got.length).toBe(frames.length);
    got.forEach((frame, i) => expect(frame.equals(frames[i])).toBe(true));
    client.destroy();
  });

  test('raw: the bytes come back as they are', async () => {
    const { port } = await start({ framing: 'raw' }, [echo]);
    const client = await Client.connect(port);
    const payload = Buffer.alloc(100_000, 'x');
    client.write(payload);
    const data = await client.until((d) => d.length >= payload.length, 'all bytes');
    expect(data.equals(payload)).toBe(true);
    client.destroy();
  });

  test('a handler returning undefined sends nothing; ctx.send frames a reply', async () => {
    const { port } = await start({}, [
      {
        event: 'message',
        fn: (frame: Buffer, ctx: TcpContext) => {
          if (frame.toString() === 'quiet') return undefined;
          ctx.send(`sent:${frame}`);
          return null;
        },
      },
    ]);
    const client = await Client.connect(port);
    client.write('quiet\nloud\n');
    expect(await client.lines(1)).toEqual(['sent:loud']);
    client.destroy();
  });
});

describe('tcp transport: protocol errors', () => {
  test('an oversized line gets an error frame and closes only that connection', async () => {
    const { port, context } = await start({ framing: 'lines', maxFrameBytes: 16 }, [echo]);
    const good = await Client.connect(port);
    const bad = await Client.connect(port);
    bad.write('ok\n');
    bad.write('x'.repeat(40)); // no newline: found while the line is still incomplete
    const data = await bad.end();
    expect(data.toString()).toBe('ok\nERR SHOAL_ERR_TCP_FRAME_TOO_LARGE\n');
    await bad.closed;
    good.write('still here\n');
    expect(await good.lines(1)).toEqual(['still here']);
    expect(
      await metricValue(context.worker, 'shoal_protocol_errors_total', { ...labels, code: 'SHOAL_ERR_TCP_FRAME_TOO_LARGE' }),
    ).toBe(1);
    good.destroy();
  });

  test('an oversized length-prefixed frame gets a JSON error frame as soon as its header arrives', async () => {
    const { port, context } = await start({ framing: 'length-prefixed', maxFrameBytes: 1000 }, [echo]);
    const bad = await Client.connect(port);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(5_000_000);
    bad.write(header); // the 5 MB never follow
    const data = await bad.end();
    const frames = new LengthPrefixedFramer(1000).push(data);
    expect(frames.map((f) => JSON.parse(f.toString()))).toEqual([{ error: { code: 'SHOAL_ERR_TCP_FRAME_TOO_LARGE' } }]);
    expect(
      await metricValue(context.worker, 'shoal_protocol_errors_total', { ...labels, code: 'SHOAL_ERR_TCP_FRAME_TOO_LARGE' }),
    ).toBe(1);
  });

  test('connections over maxConnections are refused and counted', async () => {
    const { port, context, listener } = await start({ maxConnections: 1 }, [echo]);
    const first = await Client.connect(port);
    first.write('a\n');
    await first.lines(1);
    const second = await Client.connect(port);
    await second.closed;
    expect(listener.activeConnections()).toBe(1);
    expect(
      await metricValue(context.worker, 'shoal_protocol_errors_total', { ...labels, code: 'SHOAL_ERR_TCP_TOO_MANY_CONNECTIONS' }),
    ).toBe(1);
    first.destroy();
  });
});

describe('tcp transport: handler errors', () => {
  const failing = {
    event: 'message',
    fn: (frame: Buffer) => {
      const text = frame.toString();
      if (text === 'boom') throw new Error('secret detail');
      if (text === 'coded') throw Object.assign(new Error('secret detail'), { code: 'APP_REFUSED' });
      if (text === 'object') return { not: 'a payload' };
      if (text === 'reject') return Promise.reject(new Error('secret detail'));
      return frame;
    },
  };

  test('a throwing handler is answered with an error frame naming only the code; the worker and connection live on', async () => {
    const { port, context } = await start({}, [failing]);
    const client = await Client.connect(port);
    client.write('boom\ncoded\nobject\nreject\nafter\n');
    const lines = await client.lines(5);
    expect(lines).toEqual([
      'ERR SHOAL_ERR_HANDLER_FAILED',
      'ERR APP_REFUSED',
      'ERR SHOAL_ERR_HANDLER_REPLY_INVALID',
      'ERR SHOAL_ERR_HANDLER_FAILED',
      'after',
    ]);
    expect(client.data.toString()).not.toContain('secret');
    const other = await Client.connect(port);
    other.write('fine\n');
    expect(await other.lines(1)).toEqual(['fine']);
    expect(
      await metricValue(context.worker, 'shoal_handler_errors_total', { ...labels, event: 'message', code: 'SHOAL_ERR_HANDLER_FAILED' }),
    ).toBe(2);
    expect(
      await metricValue(context.worker, 'shoal_handler_errors_total', { ...labels, event: 'message', code: 'SHOAL_ERR_HANDLER_REPLY_INVALID' }),
    ).toBe(1);
    client.destroy();
    other.destroy();
  });

  test("onHandlerError 'close' closes the connection without an error frame", async () => {
    const { port } = await start({ onHandlerError: 'close' }, [failing]);
    const client = await Client.connect(port);
    client.write('ok\nboom\nnever\n');
    expect((await client.end()).toString()).toBe('ok\n');
  });

  test("onHandlerError 'ignore' counts the failure, answers nothing and keeps the connection", async () => {
    const { port, context } = await start({ onHandlerError: 'ignore' }, [failing]);
    const client = await Client.connect(port);
    client.write('boom\nobject\nreject\nafter\n');
    expect(await client.lines(1)).toEqual(['after']);
    expect(client.ended).toBe(false);
    expect(
      await metricValue(context.worker, 'shoal_handler_errors_total', { ...labels, event: 'message', code: 'SHOAL_ERR_HANDLER_FAILED' }),
    ).toBe(2);
    expect(
      await metricValue(context.worker, 'shoal_handler_errors_total', { ...labels, event: 'message', code: 'SHOAL_ERR_HANDLER_REPLY_INVALID' }),
    ).toBe(1);
    client.destroy();
  });

  test('raw framing closes the connection of a throwing handler', async () => {
    const { port } = await start({ framing: 'raw' }, [failing]);
    const client = await Client.connect(port);
    client.write('boom');
    expect((await client.end()).length).toBe(0);
  });
});

describe('tcp transport: ordering and connection handlers', () => {
  test('a client that shuts down its side after its requests still gets every answer, then the end', async () => {
    const { port } = await start({}, [
      { event: 'message', fn: async (frame: Buffer) => new Promise((resolve) => setTimeout(() => resolve(`late ${frame}`), 30)) },
    ]);
    const client = await Client.connect(port);
    client.socket.end('one\ntwo\nthree\n'); // FIN right behind the requests, as socat does at end of input
    expect(await client.lines(3)).toEqual(['late one', 'late two', 'late three']);
    await client.closed;
    expect(client.ended).toBe(true);
  });

  test('replies of async handlers go out in frame order, and later frames wait for a pending one', async () => {
    const gates = new Map<string, ReturnType<typeof latch>>();
    const seen: string[] = [];
    let pending = 0;
    const { port } = await start({}, [
      {
        event: 'message',
        fn: (frame: Buffer) => {
          const text = frame.toString();
          seen.push(text);
          expect(pending).toBe(0);
          if (text.startsWith('sync')) return text;
          const gate = latch();
          gates.set(text, gate);
          pending++;
          return gate.promise.then(() => {
            pending--;
            return text;
          });
        },
      },
    ]);
    const client = await Client.connect(port);
    client.write('slow1\nsync1\nslow2\nsync2\n');
    while (!gates.has('slow1')) await new Promise(setImmediate);
    expect(seen).toEqual(['slow1']);
    gates.get('slow1')!.open();
    while (!gates.has('slow2')) await new Promise(setImmediate);
    expect(seen).toEqual(['slow1', 'sync1', 'slow2']);
    gates.get('slow2')!.open();
    expect(await client.lines(4)).toEqual(['slow1', 'sync1', 'slow2', 'sync2']);
    client.destroy();
  });

  test('connect runs before the first frame, state lives per connection, disconnect runs at close', async () => {
    const disconnected = latch();
    const ids = new Set<number>();
    const { port } = await start({}, [
      {
        event: 'connect',
        fn: async (ctx: TcpContext) => {
          await new Promise(setImmediate);
          ctx.state.set('count', 0);
          ids.add(ctx.id);
        },
      },
      {
        event: 'message',
        fn: (frame: Buffer, ctx: TcpContext) => {
          const count = (ctx.state.get('count') as number) + 1;
          ctx.state.set('count', count);
          if (frame.toString() === 'bye') ctx.close();
          return `${count} ${ctx.listener} ${ctx.remoteAddress} ${ctx.localPort}`;
        },
      },
      { event: 'disconnect', fn: (_ctx: TcpContext) => disconnected.open() },
    ]);
    const client = await Client.connect(port);
    client.write('a\nb\nbye\nignored\n');
    const data = await client.end();
    expect(data.toString()).toBe(`1 tcp-test 127.0.0.1 ${port}\n2 tcp-test 127.0.0.1 ${port}\n3 tcp-test 127.0.0.1 ${port}\n`);
    await disconnected.promise;
    expect(ids.size).toBe(1);
  });

  test('a throwing connect handler closes that connection; a throwing disconnect handler harms nothing', async () => {
    const gone = latch();
    const { port } = await start({}, [
      {
        event: 'connect',
        fn: (ctx: TcpContext) => {
          if (ctx.remotePort % 2 === 0) throw new Error('refused');
        },
      },
      echo,
      {
        event: 'disconnect',
        fn: () => {
          gone.open();
          throw new Error('disconnect failed');
        },
      },
    ]);
    const refused = await (async () => {
      for (let i = 0; ; i++) {
        if (i === 100) throw new Error('no client port was even in 100 connections');
        const client = await Client.connect(port);
        if (client.socket.localPort! % 2 === 0) return client;
        client.write('odd\n');
        expect(await client.lines(1)).toEqual(['odd']);
        client.destroy();
      }
    })();
    refused.write('never handled\n');
    expect((await refused.end()).length).toBe(0);
    await gone.promise;
  });

  test('idleTimeoutMs closes a silent connection', async () => {
    const gone = latch();
    const { port, listener } = await start({ idleTimeoutMs: 50 }, [echo, { event: 'disconnect', fn: () => gone.open() }]);
    const client = await Client.connect(port);
    client.write('a\n');
    expect((await client.end()).toString()).toBe('a\n');
    await gone.promise;
    expect(listener.activeConnections()).toBe(0);
  });
});

describe('tcp transport: sockets', () => {
  test('two listeners on one port (SO_REUSEPORT) both accept connections', async () => {
    const seenBy = new Set<string>();
    const first = await start({}, [{ event: 'message', fn: () => 'first' }], { name: 'shared' });
    await start({}, [{ event: 'message', fn: () => 'second' }], { name: 'shared', port: first.port });
    for (let i = 0; i < 200 && seenBy.size < 2; i++) {
      const client = await Client.connect(first.port);
      client.write('who\n');
      seenBy.add((await client.lines(1))[0]);
      client.destroy();
      await client.closed;
    }
    expect([...seenBy].sort()).toEqual(['first', 'second']);
  });

  test('a handle held by another process is adopted by a new listener after the first stopped accepting', async () => {
    const holder = new Holder();
    try {
      const first = await start({}, [{ event: 'message', fn: () => 'old' }]);
      const kept = await Client.connect(first.port);
      kept.write('a\n');
      expect(await kept.lines(1)).toEqual(['old']);
      await holder.hold(first.listener.heldHandle());
      await first.listener.stopAccepting();
      expect(() => first.listener.heldHandle()).toThrow(/SHOAL_ERR_TCP_HANDLE_UNAVAILABLE|no listening socket/);
      // Queued in the backlog while no process polls the socket.
      const early = await Client.connect(first.port);
      early.write('queued\n');
      const context = listenerContext('tcp', {}, [{ event: 'message', fn: () => 'new' }]);
      const second = await tcp.adopt(context, await holder.give());
      open.push(second);
      expect(second.boundPort()).toBe(first.port);
      expect(await early.lines(1)).toEqual(['new']);
      const late = await Client.connect(first.port);
      late.write('b\n');
      expect(await late.lines(1)).toEqual(['new']);
      // The connection accepted before the hand-over stays with the old listener.
      kept.write('c\n');
      expect(await kept.lines(2)).toEqual(['old', 'old']);
      for (const c of [kept, early, late]) c.destroy();
    } finally {
      await holder.stop();
    }
  });

  test('adopt refuses something that is not a TCP handle', async () => {
    const context = listenerContext('tcp', {}, [echo]);
    await expect(tcp.adopt(context, {})).rejects.toMatchObject({ code: 'SHOAL_ERR_TCP_HANDLE_INVALID' });
  });

  test('a port held without SO_REUSEPORT gives SHOAL_ERR_LISTENER_ADDRESS_IN_USE naming that cause', async () => {
    const plain = createServer();
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    const port = (plain.address() as { port: number }).port;
    try {
      const err = await tcp.open(listenerContext('tcp', {}, [echo], { name: 'taken', port })).catch((e: unknown) => e);
      expect(isShoalError(err, 'SHOAL_ERR_LISTENER_ADDRESS_IN_USE')).toBe(true);
      expect((err as ShoalError).message).toContain(`listener "taken" cannot bind tcp://127.0.0.1:${port}`);
      expect((err as ShoalError).message).toContain('without SO_REUSEPORT');
      expect(((err as ShoalError).cause as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
    } finally {
      plain.close();
    }
  });

  test('other open failures are SHOAL_ERR_LISTENER_OPEN_FAILED', async () => {
    const err = await tcp
      .open(listenerContext('tcp', {}, [echo], { name: 'nowhere', host: '192.0.2.1' }))
      .catch((e: unknown) => e);
    expect(isShoalError(err, 'SHOAL_ERR_LISTENER_OPEN_FAILED')).toBe(true);
    expect((err as ShoalError).message).toContain('listener "nowhere" could not open tcp://192.0.2.1:0');
  });

  test('invalid options are refused before any listener opens, with the field path', () => {
    // Listeners take their options as the transport validated them where the configuration was loaded.
    let err: unknown;
    try {
      resolveOptions({ listeners: { echo: { transport: 'tcp', port: 0, options: { maxFrameBytes: -1 } } } }, tcpTransports());
    } catch (e) {
      err = e;
    }
    expect(isShoalError(err, 'SHOAL_ERR_CONFIG_INVALID')).toBe(true);
    expect((err as ShoalError).message).toContain('listeners.echo.options.maxFrameBytes must be a positive integer');
  });
});

describe('tcp transport: drain', () => {
  test('idle connections end at once, busy ones after their in-flight frame is answered', async () => {
    const gate = latch();
    let started!: () => void;
    const inHandler = new Promise<void>((resolve) => (started = resolve));
    const { port, listener, context } = await start({}, [
      {
        event: 'message',
        fn: (frame: Buffer) => {
          if (frame.toString() !== 'slow') return frame;
          started();
          return gate.promise.then(() => 'slow done');
        },
      },
    ]);
    const idle = await Client.connect(port);
    idle.write('hi\n');
    await idle.lines(1);
    const busy = await Client.connect(port);
    busy.write('slow\n');
    await inHandler;
    await listener.stopAccepting();
    const report = listener.drain(Date.now() + 10_000);
    expect((await idle.end()).toString()).toBe('hi\n');
    expect(busy.ended).toBe(false);
    gate.open();
    expect((await busy.end()).toString()).toBe('slow done\n');
    expect(await report).toEqual({ completed: 2, forced: 0, handedOff: 0 });
    expect(listener.activeConnections()).toBe(0);
    expect(await metricValue(context.worker, 'shoal_connections_active', labels)).toBe(0);
  });

  test('a connection in the middle of a frame ends once that frame is answered', async () => {
    const { port, listener } = await start({}, [echo]);
    const client = await Client.connect(port);
    client.write('first\nhalf');
    await client.lines(1);
    const report = listener.drain(Date.now() + 10_000);
    expect(client.ended).toBe(false);
    client.write(' done\n');
    expect((await client.end()).toString()).toBe('first\nhalf done\n');
    expect(await report).toEqual({ completed: 1, forced: 0, handedOff: 0 });
  });

  test('connections still busy at the deadline are cut and reported as forced', async () => {
    let started!: () => void;
    const inHandler = new Promise<void>((resolve) => (started = resolve));
    const { port, listener } = await start({}, [
      {
        event: 'message',
        fn: () => {
          started();
          return new Promise(() => undefined); // never settles
        },
      },
    ]);
    const client = await Client.connect(port);
    client.write('stuck\n');
    await inHandler;
    const report = await listener.drain(Date.now() + 100);
    expect(report).toEqual({ completed: 0, forced: 1, handedOff: 0 });
    await client.closed;
  });
});

describe('tcp transport: hand-off at drain (handOffOnReload), nobody taking the connection', () => {
  /**
   * A lines echo listener whose connections may be handed off; `offered` gets
   * the unread bytes of each offer, which is refused (a plain stop), and
   * `firstOffer` resolves once the first is made.
   */
  async function startHandOff() {
    const sockets: import('node:net').Socket[] = [];
    const offered: string[] = [];
    const first = latch();
    const context = listenerContext('tcp', { handOffOnReload: true }, [
      { event: 'connect', fn: (ctx: TcpContext) => void sockets.push((ctx as unknown as { socket: import('node:net').Socket }).socket) },
      echo,
    ]);
    const listener = await tcp.open({
      ...context,
      handOff: async (_handle, unread) => {
        offered.push(unread.toString());
        first.open();
        return false;
      },
    });
    open.push(listener);
    return { listener, port: listener.boundPort(), sockets, offered, firstOffer: first.promise };
  }

  test("a reply still waiting in this process for a full socket buffer (too small for node to emit 'drain') does not stall the offer; every reply arrives, then the end", async () => {
    const { listener, port, sockets, offered } = await startHandOff();
    const client = await Client.connect(port);
    client.write('hello\n');
    await client.lines(1);
    const [server] = sockets;
    // The client stops reading; replies fill the kernel's buffers until one waits in this process, one
    // too small for the socket to ask for 'drain' (node emits it only after a write that returned false).
    client.socket.pause();
    const reply = 'r'.repeat(15_000);
    let sent = 1;
    while (server.writableLength === 0) {
      const answered = once(server, 'data');
      client.write(`${reply}\n`);
      await answered;
      await new Promise((resolve) => setImmediate(resolve));
      sent++;
    }
    expect(server.writableNeedDrain).toBe(false);
    const report = listener.drain(Date.now() + 5_000);
    client.socket.resume();
    const lines = (await client.end()).toString().split('\n');
    expect(lines.length - 1).toBe(sent);
    expect(offered).toEqual(['']);
    expect(await report).toEqual({ completed: 1, forced: 0, handedOff: 0 });
  });

  test('a connection in the middle of a frame that nobody takes is offered once, reads the rest of that frame, answers it and ends', async () => {
    const { listener, port, offered, firstOffer } = await startHandOff();
    const client = await Client.connect(port);
    client.write('first\nhalf');
    await client.lines(1);
    const report = listener.drain(Date.now() + 5_000);
    await firstOffer;
    client.write(' done\n');
    expect((await client.end()).toString()).toBe('first\nhalf done\n');
    expect(offered).toEqual(['half']);
    expect(await report).toEqual({ completed: 1, forced: 0, handedOff: 0 });
  });
});

test('metrics of separate listeners stay apart', async () => {
  const worker = new WorkerMetrics();
  const a = await start({}, [echo], { name: 'a', worker });
  await start({}, [echo], { name: 'b', worker });
  const client = await Client.connect(a.port);
  client.write('x\n');
  await client.lines(1);
  expect(await metricValue(worker, 'shoal_messages_received_total', { listener: 'a', transport: 'tcp' })).toBe(1);
  expect(await metricValue(worker, 'shoal_messages_received_total', { listener: 'b', transport: 'tcp' })).toBe(0);
  client.destroy();
});
