import { once } from 'node:events';
import { createSocket } from 'node:dgram';
import { type Listener, type ShoalError, isShoalError } from '@shoal/core';
import { type UdpContext, udpTransport } from '../src';
import { Holder, latch, listenerContext, metricValue, shut, udpRequest } from './helpers';

const udp = udpTransport();
const open: Listener[] = [];
const labels = { listener: 'udp-test', transport: 'udp' };

async function start(options: Record<string, unknown>, bindings: Parameters<typeof listenerContext>[2], extra = {}) {
  const context = listenerContext('udp', options, bindings, extra);
  const listener = await udp.open(context);
  open.push(listener);
  return { context, listener, port: listener.boundPort() };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map(shut));
});

describe('udp transport', () => {
  test('echoes each datagram to its sender, with the sender in the context', async () => {
    const { port, context } = await start({}, [
      { event: 'datagram', fn: (payload: Buffer, ctx: UdpContext) => `${payload} from ${ctx.remoteAddress} ${ctx.family} ${ctx.listener}` },
    ]);
    expect((await udpRequest(port, 'ping')).toString()).toBe('ping from 127.0.0.1 IPv4 udp-test');
    expect(await metricValue(context.worker, 'shoal_messages_received_total', labels)).toBe(1);
    expect(await metricValue(context.worker, 'shoal_bytes_received_total', labels)).toBe(4);
    expect(await metricValue(context.worker, 'shoal_messages_sent_total', labels)).toBe(1);
  });

  test('async replies and ctx.send reach the sender', async () => {
    const { port } = await start({}, [
      {
        event: 'datagram',
        fn: async (payload: Buffer, ctx: UdpContext) => {
          await new Promise(setImmediate);
          if (payload.toString() === 'send') {
            ctx.send(Buffer.from('via send'));
            return undefined;
          }
          return Buffer.from(`async ${payload}`);
        },
      },
    ]);
    expect((await udpRequest(port, 'x')).toString()).toBe('async x');
    expect((await udpRequest(port, 'send')).toString()).toBe('via send');
  });

  test('a throwing handler is counted and answered with nothing; the listener lives on', async () => {
    const { port, context } = await start({}, [
      {
        event: 'datagram',
        fn: (payload: Buffer) => {
          if (payload.toString() === 'boom') throw new Error('secret');
          return payload;
        },
      },
    ]);
    const client = createSocket('udp4');
    const replies: string[] = [];
    client.on('message', (m) => replies.push(m.toString()));
    client.send('boom', port, '127.0.0.1');
    client.send('after', port, '127.0.0.1');
    await once(client, 'message');
    expect(replies).toEqual(['after']); // datagrams on loopback keep their order
    client.close();
    expect(
      await metricValue(context.worker, 'shoal_handler_errors_total', { ...labels, event: 'datagram', code: 'SHOAL_ERR_HANDLER_FAILED' }),
    ).toBe(1);
  });

  test("onHandlerError 'reply' answers a throwing or rejecting handler with ERR <code>, never the message", async () => {
    const { port, context } = await start({ onHandlerError: 'reply' }, [
      {
        event: 'datagram',
        fn: (payload: Buffer) => {
          if (payload.toString() === 'throw') throw new Error('secret');
          return Promise.reject(Object.assign(new Error('secret'), { code: 'APP_DOWN' }));
        },
      },
    ]);
    expect((await udpRequest(port, 'x')).toString()).toBe('ERR APP_DOWN');
    expect((await udpRequest(port, 'throw')).toString()).toBe('ERR SHOAL_ERR_HANDLER_FAILED');
    expect(await metricValue(context.worker, 'shoal_handler_errors_total', { ...labels, event: 'datagram', code: 'APP_DOWN' })).toBe(1);
  });

  test("onHandlerError 'ignore' (the default) sends nothing for a failure; replyOnError, its deprecated form, still works", async () => {
    const ignoring = await start({ onHandlerError: 'ignore' }, [
      { event: 'datagram', fn: (payload: Buffer) => (payload.toString() === 'boom' ? Promise.reject(new Error('secret')) : payload) },
    ]);
    const client = createSocket('udp4');
    const replies: string[] = [];
    client.on('message', (m) => replies.push(m.toString()));
    client.send('boom', ignoring.port, '127.0.0.1');
    await new Promise(setImmediate);
    client.send('after', ignoring.port, '127.0.0.1');
    await once(client, 'message');
    expect(replies).toEqual(['after']);
    client.close();
    const replying = await start({ replyOnError: true }, [{ event: 'datagram', fn: () => Promise.reject(new Error('secret')) }]);
    expect(replying.listener).toMatchObject({ options: { onHandlerError: 'reply' } });
    expect((await udpRequest(replying.port, 'x')).toString()).toBe('ERR SHOAL_ERR_HANDLER_FAILED');
  });

  test('a reply that is not a payload is counted under SHOAL_ERR_HANDLER_REPLY_INVALID', async () => {
    const { port, context } = await start({ onHandlerError: 'reply' }, [{ event: 'datagram', fn: () => ({ an: 'object' }) }]);
    expect((await udpRequest(port, 'x')).toString()).toBe('ERR SHOAL_ERR_HANDLER_REPLY_INVALID');
    expect(
      await metricValue(context.worker, 'shoal_handler_errors_total', { ...labels, event: 'datagram', code: 'SHOAL_ERR_HANDLER_REPLY_INVALID' }),
    ).toBe(1);
  });

  test('datagrams over maxDatagramBytes are dropped and counted', async () => {
    const seen: number[] = [];
    const { port, context } = await start({ maxDatagramBytes: 8 }, [
      { event: 'datagram', fn: (payload: Buffer) => (seen.push(payload.length), payload) },
    ]);
    const client = createSocket('udp4');
    client.send(Buffer.alloc(9), port, '127.0.0.1');
    expect((await udpRequest(port, '12345678', client)).length).toBe(8);
    client.close();
    expect(seen).toEqual([8]);
    expect(
      await metricValue(context.worker, 'shoal_protocol_errors_total', { ...labels, code: 'SHOAL_ERR_UDP_DATAGRAM_TOO_LARGE' }),
    ).toBe(1);
  });

  test('a socket held by another process is adopted after the first listener stopped', async () => {
    const holder = new Holder();
    try {
      const first = await start({}, [{ event: 'datagram', fn: () => 'old' }]);
      expect((await udpRequest(first.port, 'a')).toString()).toBe('old');
      await holder.hold(first.listener.heldHandle());
      await first.listener.stopAccepting();
      const context = listenerContext('udp', {}, [{ event: 'datagram', fn: () => 'new' }]);
      const second = await udp.adopt(context, await holder.give());
      open.push(second);
      expect(second.boundPort()).toBe(first.port);
      expect((await udpRequest(first.port, 'b')).toString()).toBe('new');
    } finally {
      await holder.stop();
    }
  });

  test('stopAccepting stops reading at once; drain waits for pending handlers, whose replies still go out', async () => {
    const gate = latch();
    let started!: () => void;
    const inHandler = new Promise<void>((resolve) => (started = resolve));
    let calls = 0;
    const { port, listener } = await start({}, [
      {
        event: 'datagram',
        fn: async () => {
          calls++;
          started();
          await gate.promise;
          return 'late reply';
        },
      },
    ]);
    const client = createSocket('udp4');
    const reply = once(client, 'message');
    client.send('x', port, '127.0.0.1');
    await inHandler;
    await listener.stopAccepting();
    expect(() => listener.heldHandle()).toThrow(/SHOAL_ERR_UDP_HANDLE_UNAVAILABLE|stopped accepting/);
    client.send('not read here', port, '127.0.0.1');
    const report = listener.drain(Date.now() + 10_000);
    gate.open();
    expect(String((await reply)[0])).toBe('late reply');
    expect(await report).toEqual({ completed: 1, forced: 0 });
    expect(calls).toBe(1);
    client.close();
  });

  test('two listeners on one port both receive datagrams', async () => {
    const first = await start({}, [{ event: 'datagram', fn: () => 'first' }], { name: 'shared' });
    await start({}, [{ event: 'datagram', fn: () => 'second' }], { name: 'shared', port: first.port });
    const seen = new Set<string>();
    // The kernel picks the socket by a hash of the sender's address and port.
    for (let i = 0; i < 200 && seen.size < 2; i++) seen.add((await udpRequest(first.port, 'who')).toString());
    expect([...seen].sort()).toEqual(['first', 'second']);
  });

  test('a port held without SO_REUSEPORT gives SHOAL_ERR_LISTENER_ADDRESS_IN_USE', async () => {
    const plain = createSocket('udp4');
    plain.bind(0, '127.0.0.1');
    await once(plain, 'listening');
    const port = plain.address().port;
    try {
      const err = await udp.open(listenerContext('udp', {}, [], { name: 'taken', port })).catch((e: unknown) => e);
      expect(isShoalError(err, 'SHOAL_ERR_LISTENER_ADDRESS_IN_USE')).toBe(true);
      expect((err as ShoalError).message).toContain(`udp://127.0.0.1:${port}`);
      expect((err as ShoalError).message).toContain('without SO_REUSEPORT');
    } finally {
      plain.close();
    }
  });

  test('adopt refuses something that is not a UDP handle', async () => {
    const notUdp = { listen() {}, close() {} };
    await expect(udp.adopt(listenerContext('udp', {}, []), notUdp)).rejects.toMatchObject({
      code: 'SHOAL_ERR_UDP_HANDLE_INVALID',
    });
  });
});
