/**
 * HTTPS, HTTP/2 (h2 by ALPN with the HTTP/1.1 fallback, h2c) on Shoal's own
 * HTTP listener, with a test CA made by openssl: real clients (node:https,
 * node:http2, node:tls), the drain of each protocol, and bad input that
 * costs only its own connection.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect as connectH2, type ClientHttp2Session, constants } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { connect as connectTcp } from 'node:net';
import type { Listener } from '@shoal/core';
import { type HttpContext, httpTransport } from '../src';
import { TestCa, certificateDir, fingerprint } from './certificates';
import { type Binding, listenerContext, metricValue, shut } from './helpers';

const http = httpTransport();
const open: Listener[] = [];
let files: ReturnType<typeof certificateDir>;
let ca: TestCa;
let server: { cert: string; key: string };
let client: { cert: string; key: string };

beforeAll(() => {
  files = certificateDir();
  ca = new TestCa(files.dir, 'test-ca');
  server = ca.issue('localhost', { names: ['localhost'] });
  client = ca.issue('client-1');
});
afterAll(() => files.remove());
afterEach(async () => {
  await Promise.all(open.splice(0).map(shut));
});

const hello = { event: 'request', options: { method: 'GET', path: '/hello/:name' }, fn: (ctx: HttpContext) => ({ hello: ctx.params.name, version: ctx.req.httpVersion }) };

async function start(options: Record<string, unknown>, bindings: Binding[] = [hello]) {
  const context = listenerContext('http', options, bindings);
  const listener = await http.open(context);
  open.push(listener);
  return { context, listener, port: listener.boundPort() };
}

function httpsGet(port: number, path: string, extra: Record<string, unknown> = {}): Promise<{ status: number; body: string; alpn: string | false; peer: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, ca: ca.pem, servername: 'localhost', agent: false, ...extra }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => {
        const socket = res.socket as import('node:tls').TLSSocket;
        resolve({ status: res.statusCode!, body, alpn: socket.alpnProtocol ?? false, peer: socket.getPeerCertificate().fingerprint256 });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function h2Get(session: ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  const stream = session.request({ ':path': path });
  let body = '';
  stream.on('data', (c: Buffer) => (body += c));
  const [headers] = (await once(stream, 'response')) as [Record<string, string | number>];
  await once(stream, 'end');
  return { status: Number(headers[':status']), body };
}

describe('https on the router', () => {
  test('serves its certificate; a client certificate is required when configured, refused without', async () => {
    const { port } = await start({ tls: { cert: server.cert, key: server.key } });
    const answer = await httpsGet(port, '/hello/a%20b');
    expect(answer).toMatchObject({ status: 200, peer: fingerprint(server.cert) });
    expect(JSON.parse(answer.body)).toEqual({ hello: 'a b', version: '1.1' });

    const strict = await start({ tls: { cert: server.cert, key: server.key, ca: [ca.cert], clientCertificate: 'require' } });
    await expect(httpsGet(strict.port, '/hello/x')).rejects.toThrow();
    const withCert = await httpsGet(strict.port, '/hello/x', { cert: readFileSync(client.cert), key: readFileSync(client.key) });
    expect(withCert.status).toBe(200);
    expect(await metricValue(strict.context.worker, 'shoal_protocol_errors_total', { listener: 'http-test', code: 'SHOAL_ERR_TLS_CLIENT_CERT_REFUSED' })).toBe(1);
  });

  test('plain text sent to the TLS port costs that connection and a metric; others are served', async () => {
    const { port, context } = await start({ tls: { cert: server.cert, key: server.key } });
    const plain = connectTcp(port, '127.0.0.1');
    plain.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    plain.resume();
    await once(plain, 'close');
    expect((await httpsGet(port, '/hello/after')).status).toBe(200);
    expect(await metricValue(context.worker, 'shoal_protocol_errors_total', { listener: 'http-test', code: 'SHOAL_ERR_TLS_HANDSHAKE_FAILED' })).toBe(1);
  });
});

describe('HTTP/2 on the router', () => {
  test('h2 by ALPN, and HTTP/1.1 on the same port for a client that does not offer h2', async () => {
    const { port } = await start({ tls: { cert: server.cert, key: server.key }, http2: true });
    const session = connectH2(`https://localhost:${port}`, { ca: ca.pem });
    const answer = await h2Get(session, '/hello/h2');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ hello: 'h2', version: '2.0' });
    expect(session.alpnProtocol).toBe('h2');
    session.close();
    // A client that offers only HTTP/1.1 by ALPN, and one that offers no ALPN at all.
    const fallback = await httpsGet(port, '/hello/h1', { ALPNProtocols: ['http/1.1'] });
    expect(fallback).toMatchObject({ status: 200, alpn: 'http/1.1' });
    expect(JSON.parse(fallback.body)).toEqual({ hello: 'h1', version: '1.1' });
    expect(await httpsGet(port, '/hello/plain')).toMatchObject({ status: 200, alpn: false });
  });

  test('h2c with prior knowledge', async () => {
    const { port } = await start({ http2: true });
    const session = connectH2(`http://127.0.0.1:${port}`);
    expect(await h2Get(session, '/hello/clear')).toEqual({ status: 200, body: JSON.stringify({ hello: 'clear', version: '2.0' }) });
    session.close();
  });

  test('drain: the session gets GOAWAY, its stream in flight completes, then the connection closes', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const slow = { event: 'request', options: { path: '/slow' }, fn: async () => (started(), await held, 'done') };
    const { listener, port } = await start({ tls: { cert: server.cert, key: server.key }, http2: true }, [slow]);
    const session = connectH2(`https://localhost:${port}`, { ca: ca.pem });
    const goaway = once(session, 'goaway');
    const answer = h2Get(session, '/slow');
    await inFlight;
    const drained = listener.drain(Date.now() + 10_000);
    const [code] = (await goaway) as [number];
    expect(code).toBe(constants.NGHTTP2_NO_ERROR);
    release();
    expect(await answer).toEqual({ status: 200, body: 'done' });
    expect(await drained).toEqual({ completed: 1, forced: 0, handedOff: 0 });
  });

  // node:http2 stops reading a session that sent a GOAWAY while no stream is open: without
  // reading on, the PING's answer and the client's own close would wait unread until the deadline
  // (the grace, after which the final GOAWAY goes anyway, is longer than the deadline here).
  test('drain of a session with no stream open: it closes once the client has answered, nothing is forced', async () => {
    const { listener, port } = await start({ http2: true, drainIdleGraceMs: 60_000 });
    const session = connectH2(`http://127.0.0.1:${port}`);
    expect((await h2Get(session, '/hello/idle')).status).toBe(200);
    const closed = once(session, 'close');
    const drained = listener.drain(Date.now() + 10_000);
    const [code, lastStreamId] = (await once(session, 'goaway')) as [number, number];
    expect({ code, lastStreamId }).toEqual({ code: constants.NGHTTP2_NO_ERROR, lastStreamId: 2 ** 31 - 1 });
    await closed;
    expect(await drained).toEqual({ completed: 1, forced: 0, handedOff: 0 });
  });

  test('a client that opens an h2c connection and says nothing is cut after headersTimeoutMs and counted; one that said hello and idles gets a GOAWAY', async () => {
    const { port, context } = await start({ http2: true, headersTimeoutMs: 300, keepAliveTimeoutMs: 300 });
    const silent = connectTcp(port, '127.0.0.1');
    silent.resume();
    const silentClosed = once(silent, 'close');
    const idle = connectH2(`http://127.0.0.1:${port}`);
    const [goaway, idleClosed] = [once(idle, 'goaway'), once(idle, 'close')];
    expect((await h2Get(idle, '/hello/idle')).status).toBe(200);
    const [code] = (await goaway) as [number];
    expect(code).toBe(constants.NGHTTP2_NO_ERROR);
    await Promise.all([idleClosed, silentClosed]);
    expect(await metricValue(context.worker, 'shoal_protocol_errors_total', { listener: 'http-test', code: 'SHOAL_ERR_HTTP2_SESSION_TIMEOUT' })).toBe(1);
  });

  test('a protocol error costs that session and a metric; another session is served', async () => {
    const { port, context } = await start({ http2: true });
    const bad = connectTcp(port, '127.0.0.1');
    // The client preface, then a frame of a type and length the server must refuse (a SETTINGS frame of 5 bytes).
    bad.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    bad.write(Buffer.from([0, 0, 5, 4, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5]));
    bad.resume();
    await once(bad, 'close');
    const good = connectH2(`http://127.0.0.1:${port}`);
    expect((await h2Get(good, '/hello/ok')).status).toBe(200);
    good.close();
    expect(await metricValue(context.worker, 'shoal_protocol_errors_total', { listener: 'http-test', code: 'SHOAL_ERR_HTTP2_SESSION_ERROR' })).toBe(1);
  });
});

test("tls options on an HTTP listener: ALPN is the listener's own, and http2 is not for express", () => {
  const path = 'listeners.web.options';
  expect(http.validateOptions({ tls: { cert: 'a.pem', key: 'a.key', alpnProtocols: ['x'] } }, path).problems).toEqual([
    expect.stringContaining(`${path}.tls.alpnProtocols must be unset on an HTTP listener`),
  ]);
  expect(http.validateOptions({ http2: true, platform: 'express' }, path).problems).toEqual([expect.stringContaining(`${path}.http2 must be false with platform 'express'`)]);
});
