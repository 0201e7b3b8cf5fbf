import 'reflect-metadata';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { Agent, createServer } from 'node:http';
import { BadRequestException, ForbiddenException } from '@nestjs/common';
import { ERR_OFFLOAD_CLOSED, ERR_OFFLOAD_QUEUE_FULL, type Listener, type ShoalError, isShoalError } from '@shoal/core';
import { type HttpContext, httpTransport } from '../src';
import { Client, Holder, httpRequest, latch, listenerContext, metricValue, shut } from './helpers';

const http = httpTransport();
const open: Listener[] = [];
const labels = { listener: 'http-test', transport: 'http' };

async function start(options: Record<string, unknown>, bindings: Parameters<typeof listenerContext>[2], extra = {}) {
  const context = listenerContext('http', options, bindings, extra);
  const listener = await http.open(context);
  open.push(listener);
  return { context, listener, port: listener.boundPort() };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map(shut));
});

const route = (method: string | undefined, path: string | undefined, fn: (ctx: HttpContext) => unknown) => ({
  event: 'request',
  fn,
  options: { ...(method && { method }), ...(path && { path }) },
});

describe('http transport: routes and replies', () => {
  let port: number;
  let context: ReturnType<typeof listenerContext>;
  let handled: string[];

  beforeEach(async () => {
    handled = [];
    ({ port, context } = await start({}, [
      route('GET', '/', () => ({ hello: 'world' })),
      route('GET', '/text', () => 'plain text'),
      route('GET', '/bin', () => Buffer.from([1, 2, 3])),
      route('GET', '/empty', () => undefined),
      route('GET', '/accepted', (ctx) => {
        ctx.status(202);
      }),
      route('GET', '/custom', (ctx) => ctx.status(201).header('content-type', 'application/x-custom').header('x-extra', 'yes') && 'custom'),
      route('GET', '/stream', (ctx) => {
        ctx.res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 6 });
        ctx.res.end('stream');
      }),
      route('GET', '/piped', (ctx) => {
        Readable.from([Buffer.from('pip'), Buffer.from('ed')]).pipe(ctx.res);
      }),
      route('POST', '/echo', async (ctx) => {
        handled.push('echo');
        await new Promise(setImmediate);
        return { got: ctx.json(), length: ctx.body.length };
      }),
      route('GET', '/info', (ctx) => ({
        method: ctx.method,
        path: ctx.path,
        q: ctx.query.get('q'),
        all: ctx.query.getAll('tag'),
        agent: ctx.headers['user-agent'],
        remote: ctx.remoteAddress,
        listener: ctx.listener,
      })),
      route(undefined, '/api/*', (ctx) => `api ${ctx.method} ${ctx.path} ${ctx.params['*']}`),
      route('GET', '/api/special', () => 'special: the most specific path wins'),
      route('GET', '/users/:id', (ctx) => ({ params: ctx.params, path: ctx.path })),
      route('POST', '/users/:id/notes/:note', (ctx) => ({ params: ctx.params, body: ctx.body.toString() })),
      route('GET', '/orders/:id(^\\d+$)', (ctx) => `order ${ctx.params.id}`),
    ]));
  });

  test('an object is 200 JSON, a string text/plain, a Buffer octet-stream', async () => {
    const json = await httpRequest(port);
    expect(json.status).toBe(200);
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(json.text)).toEqual({ hello: 'world' });
    const text = await httpRequest(port, { path: '/text' });
    expect([text.status, text.headers['content-type'], text.text]).toEqual([200, 'text/plain; charset=utf-8', 'plain text']);
    const bin = await httpRequest(port, { path: '/bin' });
    expect([bin.status, bin.headers['content-type'], [...bin.body]]).toEqual([200, 'application/octet-stream', [1, 2, 3]]);
  });

  test('undefined is 204 unless a status was set; status() and header() shape the response; a handler may write res itself', async () => {
    expect((await httpRequest(port, { path: '/empty' })).status).toBe(204);
    const accepted = await httpRequest(port, { path: '/accepted' });
    expect([accepted.status, accepted.text]).toEqual([202, '']);
    const custom = await httpRequest(port, { path: '/custom' });
    expect([custom.status, custom.headers['content-type'], custom.headers['x-extra'], custom.text]).toEqual([
      201,
      'application/x-custom',
      'yes',
      'custom',
    ]);
    const stream = await httpRequest(port, { path: '/stream' });
    expect([stream.status, stream.text]).toEqual([200, 'stream']);
    const piped = await httpRequest(port, { path: '/piped' });
    expect([piped.status, piped.text]).toEqual([200, 'piped']);
  });

  test('the body is read before the handler and parsed by json()', async () => {
    const reply = await httpRequest(port, {
      method: 'POST',
      path: '/echo',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: [1, 2] }),
    });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toEqual({ got: { a: [1, 2] }, length: 11 });
    const bad = await httpRequest(port, { method: 'POST', path: '/echo', body: '{not json' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toEqual({ error: { code: 'SHOAL_ERR_HTTP_BODY_INVALID_JSON' } });
  });

  test('the context carries method, path, query, headers and the peer', async () => {
    const reply = await httpRequest(port, { path: '/info?q=x%20y&tag=a&tag=b', headers: { 'user-agent': 'jest' } });
    expect(JSON.parse(reply.text)).toEqual({
      method: 'GET',
      path: '/info',
      q: 'x y',
      all: ['a', 'b'],
      agent: 'jest',
      remote: '127.0.0.1',
      listener: 'http-test',
    });
  });

  test('prefix routes match any method when none is given; the most specific path wins; HEAD uses GET routes', async () => {
    expect((await httpRequest(port, { method: 'DELETE', path: '/api/x/y' })).text).toBe('api DELETE /api/x/y x/y');
    expect((await httpRequest(port, { path: '/api/special' })).text).toBe('special: the most specific path wins');
    expect((await httpRequest(port, { method: 'POST', path: '/api/special' })).text).toBe('api POST /api/special special');
    const head = await httpRequest(port, { method: 'HEAD', path: '/text' });
    expect([head.status, head.text]).toEqual([200, '']);
    const headParams = await httpRequest(port, { method: 'HEAD', path: '/users/1' });
    expect([headParams.status, headParams.headers['content-type'], headParams.text]).toEqual([200, 'application/json; charset=utf-8', '']);
  });

  test('path parameters reach the handler decoded in ctx.params; ctx.path stays as sent; {} without params', async () => {
    const user = await httpRequest(port, { path: '/users/J%C3%BCrgen%20M?tab=1' });
    expect([user.status, JSON.parse(user.text)]).toEqual([200, { params: { id: 'Jürgen M' }, path: '/users/J%C3%BCrgen%20M' }]);
    const slash = await httpRequest(port, { path: '/users/a%2Fb' });
    expect(JSON.parse(slash.text).params).toEqual({ id: 'a/b' });
    // A request with a body: the params wait with the route while it is read.
    const note = await httpRequest(port, { method: 'POST', path: '/users/7/notes/n1', body: 'hello' });
    expect([note.status, JSON.parse(note.text)]).toEqual([200, { params: { id: '7', note: 'n1' }, body: 'hello' }]);
    expect((await httpRequest(port, { path: '/orders/42' })).text).toBe('order 42');
    expect((await httpRequest(port, { path: '/orders/abc' })).status).toBe(404);
    expect((await httpRequest(port, { path: '/users/1/more' })).status).toBe(404);
  });

  test('a path parameter longer than maxParamLength (100 by default) is 404; the option raises it', async () => {
    const long = `/users/${'x'.repeat(101)}`;
    const refused = await httpRequest(port, { path: long });
    expect([refused.status, JSON.parse(refused.text)]).toEqual([404, { error: { code: 'SHOAL_ERR_HTTP_NOT_FOUND' } }]);
    expect((await httpRequest(port, { path: `/users/${'x'.repeat(100)}` })).status).toBe(200);
    const raised = await start({ maxParamLength: 200 }, [route('GET', '/users/:id', (ctx) => ctx.params.id.length)]);
    expect((await httpRequest(raised.port, { path: long })).text).toBe('101');
  });

  test('ignoreTrailingSlash and caseSensitive reach the router', async () => {
    const lenient = await start({ ignoreTrailingSlash: true, caseSensitive: false }, [route('GET', '/Users/:id', (ctx) => ctx.params.id)]);
    expect((await httpRequest(lenient.port, { path: '/users/AbC/' })).text).toBe('AbC');
    expect((await httpRequest(port, { path: '/USERS/AbC' })).status).toBe(404);
    expect((await httpRequest(port, { path: '/users/AbC/' })).status).toBe(404);
  });

  test('no matching route is 404 JSON; a wrong method does not match', async () => {
    for (const [method, path] of [
      ['GET', '/nowhere'],
      ['POST', '/text'],
      ['GET', '/api'],
    ]) {
      const reply = await httpRequest(port, { method, path });
      expect(reply.status).toBe(404);
      expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(reply.text)).toEqual({ error: { code: 'SHOAL_ERR_HTTP_NOT_FOUND' } });
    }
  });

  test('bodies over maxBodyBytes are 413 and never reach the handler', async () => {
    await shut(open.pop()!);
    ({ port, context } = await start({ maxBodyBytes: 100 }, [
      route('POST', '/echo', (ctx) => {
        handled.push('echo');
        return ctx.body.length;
      }),
    ]));
    const declared = await httpRequest(port, { method: 'POST', path: '/echo', body: 'x'.repeat(101) });
    expect(declared.status).toBe(413);
    expect(declared.headers.connection).toBe('close');
    expect(JSON.parse(declared.text)).toEqual({ error: { code: 'SHOAL_ERR_HTTP_BODY_TOO_LARGE' } });
    // Chunked: no length up front, found while reading.
    const chunked = await httpRequest(port, {
      method: 'POST',
      path: '/echo',
      headers: { 'transfer-encoding': 'chunked' },
      body: 'y'.repeat(500),
    });
    expect(chunked.status).toBe(413);
    expect(handled).toEqual([]);
    const fits = await httpRequest(port, { method: 'POST', path: '/echo', body: 'z'.repeat(100) });
    expect([fits.status, fits.text]).toEqual([200, '100']);
    expect(await metricValue(context.worker, 'shoal_protocol_errors_total', { ...labels, code: 'SHOAL_ERR_HTTP_BODY_TOO_LARGE' })).toBe(2);
  });

  test('requests, responses, bytes and connections are counted', async () => {
    await httpRequest(port, { path: '/text' });
    await httpRequest(port, { method: 'POST', path: '/echo', body: '[1]' });
    await httpRequest(port, { path: '/nowhere' });
    const w = context.worker;
    expect(await metricValue(w, 'shoal_messages_received_total', labels)).toBe(3);
    expect(await metricValue(w, 'shoal_bytes_received_total', labels)).toBe(3);
    expect(await metricValue(w, 'shoal_messages_sent_total', labels)).toBe(3);
    const echoBody = JSON.stringify({ got: [1], length: 3 });
    const notFound = JSON.stringify({ error: { code: 'SHOAL_ERR_HTTP_NOT_FOUND' } });
    expect(await metricValue(w, 'shoal_bytes_sent_total', labels)).toBe('plain text'.length + echoBody.length + notFound.length);
    expect(await metricValue(w, 'shoal_connections_total', labels)).toBe(3);
  });
});

describe('http transport: errors', () => {
  test('a throwing handler is 500 with only its code; the listener serves the next request', async () => {
    const { port, context } = await start({}, [
      route('GET', '/throw', () => {
        throw new Error('secret detail');
      }),
      route('GET', '/reject', async () => Promise.reject(Object.assign(new Error('secret detail'), { code: 'APP_DOWN' }))),
      route('GET', '/cyclic', () => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      }),
      route('GET', '/half-set', (ctx) => {
        ctx.header('content-length', 1000).header('x-partial', 'yes');
        throw new Error('secret detail');
      }),
      route('GET', '/ok', () => 'ok'),
    ]);
    const thrown = await httpRequest(port, { path: '/throw' });
    expect(thrown.status).toBe(500);
    expect(JSON.parse(thrown.text)).toEqual({ error: { code: 'SHOAL_ERR_HANDLER_FAILED' } });
    const rejected = await httpRequest(port, { path: '/reject' });
    expect([rejected.status, JSON.parse(rejected.text)]).toEqual([500, { error: { code: 'APP_DOWN' } }]);
    const cyclic = await httpRequest(port, { path: '/cyclic' });
    expect([cyclic.status, JSON.parse(cyclic.text)]).toEqual([500, { error: { code: 'SHOAL_ERR_HANDLER_REPLY_INVALID' } }]);
    const halfSet = await httpRequest(port, { path: '/half-set' });
    expect([halfSet.status, halfSet.headers['x-partial'], JSON.parse(halfSet.text)]).toEqual([
      500,
      undefined,
      { error: { code: 'SHOAL_ERR_HANDLER_FAILED' } },
    ]);
    for (const r of [thrown, rejected, cyclic]) expect(r.text).not.toContain('secret');
    expect((await httpRequest(port, { path: '/ok' })).text).toBe('ok');
    expect(
      await metricValue(context.worker, 'shoal_handler_errors_total', { ...labels, event: 'request', code: 'SHOAL_ERR_HANDLER_FAILED' }),
    ).toBe(2);
    expect(
      await metricValue(context.worker, 'shoal_handler_errors_total', { ...labels, event: 'request', code: 'SHOAL_ERR_HANDLER_REPLY_INVALID' }),
    ).toBe(1);
  });

  test("onHandlerError 'close' cuts the connection of a failed handler without a response; the listener serves on", async () => {
    const { port, context } = await start({ onHandlerError: 'close' }, [
      route('GET', '/throw', () => {
        throw new Error('secret detail');
      }),
      route('GET', '/reject', async () => Promise.reject(new Error('secret detail'))),
      route('GET', '/ok', () => 'ok'),
    ]);
    for (const path of ['/throw', '/reject']) {
      const client = await Client.connect(port);
      client.write(`GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`);
      expect((await client.end()).toString()).toBe('');
    }
    expect((await httpRequest(port, { path: '/ok' })).text).toBe('ok');
    expect(
      await metricValue(context.worker, 'shoal_handler_errors_total', { ...labels, event: 'request', code: 'SHOAL_ERR_HANDLER_FAILED' }),
    ).toBe(2);
  });

  test('a busy error (full offload queue) is 503 with Retry-After; its headers replace the handler\'s', async () => {
    const { port } = await start({}, [
      route('GET', '/busy', (ctx) => {
        ctx.header('x-partial', 'yes');
        return Promise.reject(Object.assign(new ERR_OFFLOAD_QUEUE_FULL(16), { retryAfterSeconds: 3 }));
      }),
      route('GET', '/closing', () => Promise.reject(new ERR_OFFLOAD_CLOSED('spin', 'the pool no longer takes tasks'))),
    ]);
    const busy = await httpRequest(port, { path: '/busy' });
    expect([busy.status, busy.headers['retry-after'], busy.headers['x-partial'], JSON.parse(busy.text)]).toEqual([
      503,
      '3',
      undefined,
      { error: { code: 'SHOAL_ERR_OFFLOAD_QUEUE_FULL' } },
    ]);
    const closing = await httpRequest(port, { path: '/closing' });
    expect([closing.status, closing.headers['retry-after'], JSON.parse(closing.text)]).toEqual([503, '1', { error: { code: 'SHOAL_ERR_OFFLOAD_CLOSED' } }]);
  });

  test("Nest's HttpException answers with its status and response body", async () => {
    const { port } = await start({}, [
      route('POST', '/validate', () => {
        throw new BadRequestException('name is required');
      }),
      route('GET', '/forbidden', async () => {
        throw new ForbiddenException({ reason: 'no' });
      }),
    ]);
    const bad = await httpRequest(port, { method: 'POST', path: '/validate', body: '{}' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toEqual({ statusCode: 400, message: 'name is required', error: 'Bad Request' });
    const forbidden = await httpRequest(port, { path: '/forbidden' });
    expect([forbidden.status, JSON.parse(forbidden.text)]).toEqual([403, { reason: 'no' }]);
  });

  test('a request node:http cannot parse is 400 with a code, counted as a protocol error', async () => {
    const { port, context } = await start({}, [route('GET', '/', () => 'ok')]);
    const client = await Client.connect(port);
    client.write('THIS IS NOT HTTP\r\n\r\n');
    const data = (await client.end()).toString();
    expect(data).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(data).toContain('{"error":{"code":"SHOAL_ERR_HTTP_BAD_REQUEST"}}');
    expect(await metricValue(context.worker, 'shoal_protocol_errors_total', { ...labels, code: 'SHOAL_ERR_HTTP_BAD_REQUEST' })).toBe(1);
  });

  test('headers over maxHeaderSize are 431', async () => {
    const { port } = await start({ maxHeaderSize: 1024 }, [route('GET', '/', () => 'ok')]);
    const reply = await httpRequest(port, { headers: { 'x-big': 'b'.repeat(2000) } });
    expect(reply.status).toBe(431);
    expect(JSON.parse(reply.text)).toEqual({ error: { code: 'SHOAL_ERR_HTTP_HEADERS_TOO_LARGE' } });
  });

  test('a request not complete within requestTimeoutMs is 408', async () => {
    const { port, context } = await start({ requestTimeoutMs: 200 }, [route('POST', '/', () => 'ok')]);
    const client = await Client.connect(port);
    client.write('POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc'); // 7 bytes never follow
    const data = (await client.end()).toString();
    expect(data).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(data).toContain('{"error":{"code":"SHOAL_ERR_HTTP_REQUEST_TIMEOUT"}}');
    expect(await metricValue(context.worker, 'shoal_protocol_errors_total', { ...labels, code: 'SHOAL_ERR_HTTP_REQUEST_TIMEOUT' })).toBe(1);
  });

  test('an invalid route is refused at open', async () => {
    const err = await http.open(listenerContext('http', {}, [route('GET', 'no-slash', () => 'x')])).catch((e: unknown) => e);
    expect(isShoalError(err, 'SHOAL_ERR_HTTP_ROUTE_INVALID')).toBe(true);
    expect((err as ShoalError).message).toContain(`path must start with '/'`);
  });

  test('two routes of one method and path are refused at open, naming both handlers', async () => {
    const bindings = [
      { ...route('GET', '/items/:id', () => 'x'), name: 'Items.get' },
      { ...route('GET', '/items/:key', () => 'y'), name: 'Items.read' },
    ];
    const err = await http.open(listenerContext('http', {}, bindings)).catch((e: unknown) => e);
    expect(isShoalError(err, 'SHOAL_ERR_HTTP_ROUTE_INVALID')).toBe(true);
    expect((err as ShoalError).message).toMatch(
      /^handler Items\.read has an invalid route: GET "\/items\/:key" is the route of handler Items\.get already .*give one of them another method or path/,
    );
  });
});

describe('http transport: sockets and drain', () => {
  test('two listeners on one port both accept', async () => {
    const first = await start({}, [route('GET', '/', () => 'first')], { name: 'web' });
    await start({}, [route('GET', '/', () => 'second')], { name: 'web', port: first.port });
    const seen = new Set<string>();
    for (let i = 0; i < 200 && seen.size < 2; i++) seen.add((await httpRequest(first.port)).text);
    expect([...seen].sort()).toEqual(['first', 'second']);
  });

  test('a held handle is adopted by a new listener after the first stopped accepting', async () => {
    const holder = new Holder();
    try {
      const first = await start({}, [route('GET', '/', () => 'old')]);
      expect((await httpRequest(first.port)).text).toBe('old');
      await holder.hold(first.listener.heldHandle());
      await first.listener.stopAccepting();
      const second = await http.adopt(listenerContext('http', {}, [route('GET', '/', () => 'new')]), await holder.give());
      open.push(second);
      expect((await httpRequest(first.port)).text).toBe('new');
    } finally {
      await holder.stop();
    }
  });

  test('a port held without SO_REUSEPORT gives SHOAL_ERR_LISTENER_ADDRESS_IN_USE', async () => {
    const plain = createServer();
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    const port = (plain.address() as { port: number }).port;
    try {
      const err = await http.open(listenerContext('http', {}, [], { port })).catch((e: unknown) => e);
      expect(isShoalError(err, 'SHOAL_ERR_LISTENER_ADDRESS_IN_USE')).toBe(true);
      expect((err as ShoalError).message).toContain('without SO_REUSEPORT');
    } finally {
      plain.close();
    }
  });

  test('drain: the in-flight request completes with Connection: close, idle keep-alive connections close after the grace', async () => {
    const gate = latch();
    let started!: () => void;
    const inHandler = new Promise<void>((resolve) => (started = resolve));
    const { port, listener, context } = await start({ drainIdleGraceMs: 200 }, [
      route('GET', '/fast', () => 'fast'),
      route('GET', '/slow', async () => {
        started();
        await gate.promise;
        return 'slow';
      }),
    ]);
    const idle = await Client.connect(port);
    idle.write('GET /fast HTTP/1.1\r\nHost: t\r\n\r\n');
    await idle.until((d) => d.toString().endsWith('fast'), 'the first response');
    expect(idle.data.toString()).toContain('Connection: keep-alive');

    const busy = await Client.connect(port);
    busy.write('GET /fast HTTP/1.1\r\nHost: t\r\n\r\n');
    await busy.until((d) => d.toString().endsWith('fast'), 'the first response');
    busy.write('GET /slow HTTP/1.1\r\nHost: t\r\n\r\n');
    await inHandler;

    await listener.stopAccepting();
    const report = listener.drain(Date.now() + 10_000);
    await idle.end();
    expect(busy.ended).toBe(false);
    gate.open();
    const data = (await busy.end()).toString();
    const last = data.slice(data.lastIndexOf('HTTP/1.1'));
    expect(last).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(last).toMatch(/\r\nconnection: close\r\n/i);
    expect(last.endsWith('\r\n\r\nslow')).toBe(true);
    expect(await report).toEqual({ completed: 2, forced: 0, handedOff: 0 });
    expect(await metricValue(context.worker, 'shoal_connections_active', labels)).toBe(0);
  });

  /** A keep-alive client answered once, and its listener draining with `drainIdleGraceMs`. */
  async function drainingAfterOneRequest(drainIdleGraceMs: number) {
    const { port, listener } = await start({ drainIdleGraceMs }, [route('GET', '/fast', () => 'fast')]);
    const client = await Client.connect(port);
    client.write('GET /fast HTTP/1.1\r\nHost: t\r\n\r\n');
    await client.until((d) => d.toString().endsWith('fast'), 'the first response');
    await listener.stopAccepting();
    return { client, report: listener.drain(Date.now() + 10_000) };
  }

  test('drain: a keep-alive client whose next request comes within the grace is answered, with Connection: close', async () => {
    const { client, report } = await drainingAfterOneRequest(5_000);
    // The request a busy client sends right after the drain began is not lost to a reset.
    client.write('GET /fast HTTP/1.1\r\nHost: t\r\n\r\n');
    const data = (await client.end()).toString();
    const last = data.slice(data.lastIndexOf('HTTP/1.1'));
    expect(last).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(last).toMatch(/\r\nconnection: close\r\n/i);
    expect(await report).toEqual({ completed: 1, forced: 0, handedOff: 0 });
  });

  test('drain: a request that arrived while the event loop was stalled past the grace is answered, not reset', async () => {
    const { client, report } = await drainingAfterOneRequest(20);
    // The request reaches the server's socket at once (loopback), and the loop
    // then stalls past the grace, as a starved worker's does on a busy host.
    client.write('GET /fast HTTP/1.1\r\nHost: t\r\n\r\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    const data = (await client.end()).toString();
    expect(data.split('HTTP/1.1 200 OK').length - 1).toBe(2);
    expect(data.slice(data.lastIndexOf('HTTP/1.1'))).toMatch(/\r\nconnection: close\r\n/i);
    expect(await report).toEqual({ completed: 1, forced: 0, handedOff: 0 });
  });

  test('drain: a response already streaming finishes, then its keep-alive connection closes', async () => {
    const gate = latch();
    let started!: () => void;
    const streaming = new Promise<void>((resolve) => (started = resolve));
    const { port, listener } = await start({}, [
      route('GET', '/stream', async (ctx) => {
        ctx.res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 8 });
        ctx.res.write('part');
        started();
        await gate.promise;
        ctx.res.end('done');
      }),
    ]);
    const client = await Client.connect(port);
    client.write('GET /stream HTTP/1.1\r\nHost: t\r\n\r\n');
    await streaming;
    await client.until((d) => d.toString().endsWith('part'), 'the first part');
    const report = listener.drain(Date.now() + 10_000);
    gate.open();
    expect((await client.end()).toString().endsWith('\r\n\r\npartdone')).toBe(true);
    expect(await report).toEqual({ completed: 1, forced: 0, handedOff: 0 });
  });

  test('drain: connections still busy at the deadline are cut', async () => {
    let started!: () => void;
    const inHandler = new Promise<void>((resolve) => (started = resolve));
    const { port, listener } = await start({}, [
      route('GET', '/stuck', () => {
        started();
        return new Promise(() => undefined);
      }),
    ]);
    const agent = new Agent({ keepAlive: true });
    const pending = httpRequest(port, { path: '/stuck', agent }).catch((e: NodeJS.ErrnoException) => e.code);
    await inHandler;
    expect(await listener.drain(Date.now() + 100)).toEqual({ completed: 0, forced: 1, handedOff: 0 });
    expect(await pending).toBe('ECONNRESET');
    agent.destroy();
  });
});
