/**
 * The drain of a listener's WebSocket connections, driven directly: a
 * gateway on Nest's Fastify platform, its app booted as a worker boots it
 * (configure, then the platform's hook, then init), served by the listener.
 */
import 'reflect-metadata';
import { once } from 'node:events';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { INestApplication } from '@nestjs/common';
import WebSocket from 'ws';
import { NestHttpListener } from '../src';
import { createHttpPlatform } from '../src/nest-platform';
import { listenerContext } from './helpers';

/** The slow handler of the test in progress: resolved by the test. */
let release: (() => void) | undefined;
let entered: (() => void) | undefined;

@WebSocketGateway({ path: '/ws' })
class TestGateway {
  @SubscribeMessage('echo')
  echo(@MessageBody() data: unknown): object {
    return { event: 'echo', data };
  }

  @SubscribeMessage('slow')
  async slow(): Promise<object> {
    entered?.();
    await new Promise<void>((resolve) => (release = resolve));
    return { event: 'slow', data: 'done' };
  }
}

@Module({ providers: [TestGateway] })
class TestModule {}

interface Served {
  app: INestApplication;
  listener: NestHttpListener;
  handOffs: { unread: Buffer; state: any }[];
}

async function serve(websocket: Record<string, unknown>, handOff: () => Promise<boolean> = async () => false): Promise<Served> {
  const context = listenerContext('http', { platform: 'fastify', websocket }, []);
  const platform = createHttpPlatform(context.spec)!;
  const app = await NestFactory.create<INestApplication>(TestModule, platform.adapter as never, { logger: false });
  platform.configured(app);
  await app.init();
  const handOffs: Served['handOffs'] = [];
  const listener = await NestHttpListener.open({
    ...context,
    application: { platform, app },
    handOff: (_handle, unread, state) => {
      handOffs.push({ unread, state });
      return handOff();
    },
  });
  return { app, listener, handOffs };
}

async function client(port: number): Promise<{ ws: WebSocket; messages: any[]; closed: Promise<number> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?x=1`, { headers: { 'x-test': 'yes' } });
  const messages: any[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await once(ws, 'open');
  return { ws, messages, closed };
}

/** Until the slow handler runs. */
function slowEntered(): Promise<void> {
  return new Promise((resolve) => (entered = resolve));
}

describe.each([
  ['without hand-off', { handOffOnReload: false }],
  ['with hand-off nobody takes (a plain stop)', { handOffOnReload: true }],
])('the drain of a WebSocket connection, %s', (_, websocket) => {
  let served: Served;

  beforeEach(async () => {
    served = await serve(websocket);
  });
  afterEach(async () => {
    await served.app.close();
  });

  it('takes no message from then on, answers the one in flight, then closes with 1001; the report counts it completed', async () => {
    const c = await client(served.listener.boundPort());
    const running = slowEntered();
    c.ws.send(JSON.stringify({ event: 'slow' }));
    await running;
    const report = served.listener.drain(Date.now() + 5_000);
    // Sent after the drain began: not taken.
    c.ws.send(JSON.stringify({ event: 'echo', data: 'late' }));
    // The server has read it (into the paused socket), and not taken it.
    const sockets = (served.listener as unknown as { connections: Set<import('node:net').Socket> }).connections;
    for (let i = 0; i < 2_000 && ![...sockets].some((s) => s.readableLength > 0); i++) await new Promise((resolve) => setTimeout(resolve, 1));
    release!();
    expect(await c.closed).toBe(1001);
    expect(c.messages).toEqual([{ event: 'slow', data: 'done' }]);
    expect(await report).toEqual({ completed: 1, forced: 0, handedOff: 0 });
    if (websocket.handOffOnReload) {
      // It was offered, with what a replacement needs, the message not taken among the bytes (put back, then dropped with the close).
      expect(served.handOffs).toHaveLength(1);
      expect(served.handOffs[0].state).toMatchObject({ websocket: 1, path: '/ws', url: '/ws?x=1', headers: { 'x-test': 'yes' }, protocol: '' });
      expect(served.handOffs[0].unread.length).toBeGreaterThan(0);
    }
  });
});

describe('a hand-off a replacement takes', () => {
  it('leaves the connection open: no close frame, counted as handed off', async () => {
    const served = await serve({ handOffOnReload: true }, async () => true);
    const c = await client(served.listener.boundPort());
    c.ws.send(JSON.stringify({ event: 'echo', data: 1 }));
    while (c.messages.length === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(await served.listener.drain(Date.now() + 5_000)).toEqual({ completed: 0, forced: 0, handedOff: 1 });
    // This process let go of its descriptor only: the test holds the other end, still open.
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    c.ws.terminate();
    await served.app.close();
  });
});
