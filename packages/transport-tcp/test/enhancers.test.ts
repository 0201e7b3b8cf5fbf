/**
 * Nest's enhancers on Shoal handlers, end to end: a real Nest application
 * context, its handlers found by the worker's discovery, TCP and UDP
 * listeners on loopback, and clients that see the replies and refusals.
 */
import 'reflect-metadata';
import { createSocket } from 'node:dgram';
import {
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  Injectable,
  type INestApplicationContext,
  Module,
  type NestInterceptor,
  ParseIntPipe,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { DiscoveryModule, NestFactory } from '@nestjs/core';
import { Ctx, type HandlerBinding, JsonPayload, type Listener, OnDatagram, OnMessage, WorkerMetrics, shoalCallOf } from '@shoal/core';
import { discoverHandlers } from '@shoal/core/dist/worker';
import { type Observable, map } from 'rxjs';
import { type TcpContext, type UdpContext, tcpTransport, udpTransport } from '../src';
import { Client, listenerContext, metricValue, shut } from './helpers';

/** Refuses a payload that starts with "deny". */
@Injectable()
class NotDenied implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return !String(context.switchToRpc().getData()).startsWith('deny');
  }
}

/** Puts the event's name before the reply. */
@Injectable()
class EventPrefix implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<string> {
    const event = shoalCallOf(context)?.event;
    return next.handle().pipe(map((reply) => `${event}: ${reply}`));
  }
}

@Injectable()
@UseGuards(NotDenied)
@UseInterceptors(EventPrefix)
class Doubler {
  @OnMessage('tcp-test')
  message(@JsonPayload('n', ParseIntPipe) n: number, @Ctx() ctx: TcpContext): string {
    return `${n * 2} for ${ctx.remoteAddress}`;
  }

  @OnDatagram('udp-test')
  datagram(@JsonPayload('n', ParseIntPipe) n: number, @Ctx() ctx: UdpContext): string {
    return `${n * 2} for ${ctx.family}`;
  }
}

@Module({ imports: [DiscoveryModule], providers: [Doubler] })
class AppModule {}

let app: INestApplicationContext;
let bindings: HandlerBinding[];
const open: Listener[] = [];

beforeAll(async () => {
  app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  bindings = discoverHandlers(app);
});

afterEach(async () => {
  await Promise.all(open.splice(0).map(shut));
});

afterAll(async () => {
  await app.close();
});

function bindingsOf(listener: string) {
  return bindings.filter((b) => b.listener === listener).map(({ event, fn, name, enhanced }) => ({ event, fn, name, enhanced }));
}

test('TCP: the mapped reply, the refusal and the rejected payload as error frames, counted by code; the connection lives on', async () => {
  const worker = new WorkerMetrics();
  const context = listenerContext('tcp', { framing: 'lines' }, bindingsOf('tcp-test'), { worker });
  expect(context.handlers.all('message').map((h) => h.enhanced)).toEqual([true]);
  const listener = await tcpTransport().open(context);
  open.push(listener);
  const client = await Client.connect(listener.boundPort());
  client.write('{"n":"21"}\ndeny\n{"n":"many"}\n{"n":\n{"n":"1"}\n');
  expect(await client.lines(5)).toEqual([
    'message: 42 for 127.0.0.1',
    'ERR HTTP_403',
    'ERR HTTP_400',
    'ERR SHOAL_ERR_PAYLOAD_INVALID_JSON',
    'message: 2 for 127.0.0.1',
  ]);
  const errors = (code: string) => metricValue(worker, 'shoal_handler_errors_total', { listener: 'tcp-test', event: 'message', code });
  expect([await errors('HTTP_403'), await errors('HTTP_400'), await errors('SHOAL_ERR_PAYLOAD_INVALID_JSON')]).toEqual([1, 1, 1]);
  client.destroy();
});

test("UDP: the mapped reply, and the refusal as an ERR datagram with onHandlerError 'reply', counted by code", async () => {
  const worker = new WorkerMetrics();
  const listener = await udpTransport().open(listenerContext('udp', { onHandlerError: 'reply' }, bindingsOf('udp-test'), { worker }));
  open.push(listener);
  const client = createSocket('udp4');
  const replies: string[] = [];
  const allAnswered = new Promise<void>((resolve) =>
    client.on('message', (message) => {
      if (replies.push(message.toString()) === 3) resolve();
    }),
  );
  for (const payload of ['{"n":"4"}', 'deny', '{"n":"x"}']) client.send(payload, listener.boundPort(), '127.0.0.1');
  await allAnswered;
  client.close();
  // Handlers run concurrently; each reply goes to its own datagram's sender.
  expect(replies.sort()).toEqual(['ERR HTTP_400', 'ERR HTTP_403', 'datagram: 8 for IPv4']);
  const errors = (code: string) => metricValue(worker, 'shoal_handler_errors_total', { listener: 'udp-test', event: 'datagram', code });
  expect([await errors('HTTP_403'), await errors('HTTP_400')]).toEqual([1, 1]);
});
