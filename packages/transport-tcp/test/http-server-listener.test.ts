/**
 * Slow clients on every kind of HTTP listener (what HttpServerListener does
 * for Shoal's router and for Nest's Fastify and Express platforms alike): a
 * slow-loris client that never finishes its request head is answered 408 once
 * headersTimeoutMs has passed, a TLS client that never completes its
 * handshake is closed after tls.handshakeTimeoutMs; each is counted by its
 * code in shoal_protocol_errors_total, and costs only its own connection.
 */
import 'reflect-metadata';
import { once } from 'node:events';
import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type Socket, connect as connectTcp, createServer as createTcpServer } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Listener } from '@shoal/core';
import { type HttpContext, HttpListener, NestHttpListener } from '../src';
import { createHttpPlatform } from '../src/nest-platform';
import { TestCa, certificateDir } from './certificates';
import { listenerContext, metricValue, shut } from './helpers';

@Controller()
class HelloController {
  @Get('hello')
  hello(): { hello: string } {
    return { hello: 'world' };
  }

  @Post('echo')
  echo(@Body() body: unknown): unknown {
    return body;
  }
}

@Module({ controllers: [HelloController] })
class HelloModule {}

const routes = [
  { event: 'request', options: { method: 'GET', path: '/hello' }, fn: (_ctx: HttpContext) => ({ hello: 'world' }) },
  { event: 'request', options: { method: 'POST', path: '/echo' }, fn: (ctx: HttpContext) => ctx.json() },
];

let files: ReturnType<typeof certificateDir>;
let ca: TestCa;
let server: { cert: string; key: string };
const open: Listener[] = [];
const apps: INestApplication[] = [];

beforeAll(() => {
  files = certificateDir();
  ca = new TestCa(files.dir, 'test-ca');
  server = ca.issue('localhost', { names: ['localhost'] });
});
afterAll(() => files.remove());
afterEach(async () => {
  await Promise.all(open.splice(0).map(shut));
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

type Platform = 'router' | 'fastify' | 'express';

/** A listener on `platform` with `options`, serving GET /hello, as a worker opens it. */
async function start(platform: Platform, options: Record<string, unknown>) {
  if (platform === 'router') {
    const context = listenerContext('http', options, routes);
    const listener = await HttpListener.open(context);
    open.push(listener);
    return { context, port: listener.boundPort() };
  }
  const context = listenerContext('http', { ...options, platform }, []);
  const nest = createHttpPlatform(context.spec)!;
  const app = await NestFactory.create<INestApplication>(HelloModule, nest.adapter as never, { logger: false });
  apps.push(app);
  nest.configured(app);
  await app.init();
  const listener = await NestHttpListener.open({ ...context, application: { platform: nest, app } });
  open.push(listener);
  return { context, port: listener.boundPort() };
}

/** GET /hello on a fresh connection (HTTPS with `secure`). */
function get(port: number, secure: boolean): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path: '/hello', agent: false as const };
    const done = (res: import('node:http').IncomingMessage) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    };
    const req = secure ? httpsRequest({ ...options, ca: ca.pem, servername: 'localhost' }, done) : httpRequest(options, done);
    req.on('error', reject);
    req.end();
  });
}

/** What a connection read until it closed, and whether it closed. */
function collect(socket: Socket): { text: () => string; closed: Promise<void> } {
  let data = '';
  socket.on('data', (c: Buffer) => (data += c.toString('latin1')));
  socket.on('error', () => undefined);
  return { text: () => data, closed: once(socket, 'close').then(() => undefined) };
}

/** A raw connection (over TLS with `secure`, its handshake done) that has sent `text`. */
async function raw(port: number, secure: boolean, text: string): Promise<{ socket: Socket; text: () => string; closed: Promise<void> }> {
  const socket = secure ? connectTls({ host: '127.0.0.1', port, ca: ca.pem, servername: 'localhost' }) : connectTcp(port, '127.0.0.1');
  const read = collect(socket);
  await once(socket, secure ? 'secureConnect' : 'connect');
  socket.write(text);
  return { socket, ...read };
}

/**
 * A slow-loris client: a request line, then one header byte every 100 ms,
 * never the end of the head. Over TLS with `secure` (its handshake done).
 */
async function slowLoris(port: number, secure: boolean): Promise<{ text: () => string; closed: Promise<void> }> {
  const loris = await raw(port, secure, 'GET /hello HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
  const drip = setInterval(() => loris.socket.write('a'), 100);
  void loris.closed.then(() => clearInterval(drip));
  return loris;
}

/** The first bytes a TLS client sends: its ClientHello (a TLS record), taken from a real handshake. */
async function clientHello(): Promise<Buffer> {
  const sink = createTcpServer();
  sink.listen(0, '127.0.0.1');
  await once(sink, 'listening');
  const hello = once(sink, 'connection').then(async ([socket]: Socket[]) => {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    socket.destroy();
    return chunk;
  });
  const client = connectTls({ host: '127.0.0.1', port: (sink.address() as { port: number }).port, servername: 'localhost' });
  client.on('error', () => undefined);
  const chunk = await hello;
  client.destroy();
  sink.close();
  return chunk;
}

const protocolErrors = (context: ReturnType<typeof listenerContext>, code: string) =>
  metricValue(context.worker, 'shoal_protocol_errors_total', { listener: 'http-test', transport: 'http', code });

/** HTTP/1.1 over each kind of listener: [platform, tls, http2]. Express has no HTTP/2. */
const kinds: [string, Platform, boolean, boolean][] = [
  ['the router', 'router', false, false],
  ['the router over TLS', 'router', true, false],
  ["the router's HTTP/1.1 fallback of h2", 'router', true, true],
  ['Nest on Fastify', 'fastify', false, false],
  ['Nest on Fastify over TLS', 'fastify', true, false],
  ["Nest on Fastify's HTTP/1.1 fallback of h2", 'fastify', true, true],
  ['Nest on Express', 'express', false, false],
  ['Nest on Express over TLS', 'express', true, false],
];

describe.each(kinds)('slow clients of %s', (_, platform, secure, http2) => {
  const options = (extra: Record<string, unknown> = {}) => ({
    // A request head must be in within 1 s; the whole request has a minute, so only the head's timeout can end it.
    headersTimeoutMs: 1_000,
    requestTimeoutMs: 60_000,
    ...(secure && { tls: { cert: server.cert, key: server.key, ...extra } }),
    ...(http2 && { http2: true }),
  });

  test('a slow-loris client is answered 408 once headersTimeoutMs has passed and counted; another client is served meanwhile', async () => {
    const { context, port } = await start(platform, options());
    const loris = await slowLoris(port, secure);
    const bystander = await get(port, secure);
    expect([bystander.status, JSON.parse(bystander.body)]).toEqual([200, { hello: 'world' }]);
    await loris.closed;
    expect(loris.text()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(loris.text()).toContain('{"error":{"code":"SHOAL_ERR_HTTP_REQUEST_TIMEOUT"}}');
    expect(await protocolErrors(context, 'SHOAL_ERR_HTTP_REQUEST_TIMEOUT')).toBe(1);
    expect((await get(port, secure)).status).toBe(200);
  });

  test('a request whose body never completes is answered 408 once requestTimeoutMs has passed, and counted', async () => {
    const { context, port } = await start(platform, { ...options(), requestTimeoutMs: 1_500 });
    const slow = await raw(port, secure, 'POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{"a"');
    await slow.closed;
    expect(slow.text()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(slow.text()).toContain('{"error":{"code":"SHOAL_ERR_HTTP_REQUEST_TIMEOUT"}}');
    expect(await protocolErrors(context, 'SHOAL_ERR_HTTP_REQUEST_TIMEOUT')).toBe(1);
  });

  test('a request node:http cannot parse is answered 400 with a code and counted', async () => {
    const { context, port } = await start(platform, options());
    const bad = await raw(port, secure, 'THIS IS NOT HTTP\r\n\r\n');
    await bad.closed;
    expect(bad.text()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(bad.text()).toContain('{"error":{"code":"SHOAL_ERR_HTTP_BAD_REQUEST"}}');
    expect(await protocolErrors(context, 'SHOAL_ERR_HTTP_BAD_REQUEST')).toBe(1);
  });

  test("opens with no request timeout and a head timeout over node:http's default request timeout (5 min)", async () => {
    const { port } = await start(platform, { ...options(), requestTimeoutMs: 0, headersTimeoutMs: 400_000 });
    expect((await get(port, secure)).status).toBe(200);
  });

  if (secure) {
    test('a client that sends no ClientHello, or half of one, is closed after tls.handshakeTimeoutMs and counted; another client is served meanwhile', async () => {
      const { context, port } = await start(platform, options({ handshakeTimeoutMs: 1_000 }));
      const silent = connectTcp(port, '127.0.0.1');
      const silentRead = collect(silent);
      const half = connectTcp(port, '127.0.0.1');
      const halfRead = collect(half);
      const hello = await clientHello();
      half.write(hello.subarray(0, Math.floor(hello.length / 2)));
      expect((await get(port, secure)).status).toBe(200);
      await Promise.all([silentRead.closed, halfRead.closed]);
      expect(await protocolErrors(context, 'SHOAL_ERR_TLS_HANDSHAKE_TIMEOUT')).toBe(2);
      expect(await protocolErrors(context, 'SHOAL_ERR_TLS_HANDSHAKE_FAILED')).toBe(0);
      expect((await get(port, secure)).status).toBe(200);
    });
  }
});
