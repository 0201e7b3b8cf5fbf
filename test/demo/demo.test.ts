/**
 * The demo as a new user runs it: `shoal start` with apps/demo/shoal.config.ts,
 * then the key-value store over HTTP, TCP and UDP from real clients, one
 * store shared by every worker, and its changes pushed to WebSocket clients.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { httpGet, metricValue, tcpAsk, udpAsk } from '../helpers/clients';
import { startCluster, stopAllClusters, testControlSocket } from '../helpers/cluster';
import type { Cluster } from '../helpers/cluster';
import { WsClient } from '../helpers/websocket';

const ROOT = join(__dirname, '..', '..');
const SHOAL_BIN = join(ROOT, 'packages', 'core', 'bin', 'shoal.js');
const DEMO_CONFIG = join(ROOT, 'apps', 'demo', 'shoal.config.ts');
const KV_CLIENT = join(ROOT, 'apps', 'demo', 'kv-client.js');

let cluster: Cluster;

/** What a write to the JSON API carries: a JSON body, and the demo's write token (its guard). */
const WRITE = { 'content-type': 'application/json', 'x-demo-token': 'demo' };
/** A write without a body (an increment): the token alone (Fastify refuses an empty body declared JSON). */
const TOKEN = { 'x-demo-token': 'demo' };

/** One request of the TCP key-value protocol (length-prefixed JSON) on a connection of its own. */
function kvTcp(port: number, request: object | string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const body = Buffer.from(typeof request === 'string' ? request : JSON.stringify(request));
    const header = Buffer.alloc(4);
    header.writeUInt32BE(body.length);
    socket.write(Buffer.concat([header, body]));
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 4 && buffered.length >= 4 + buffered.readUInt32BE(0)) {
        socket.destroy();
        resolve(JSON.parse(buffered.subarray(4, 4 + buffered.readUInt32BE(0)).toString()));
      }
    });
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer in 5 s')));
  });
}

beforeAll(async () => {
  cluster = await startCluster({
    config: {},
    entry: SHOAL_BIN,
    args: ['start', '--config', DEMO_CONFIG, '--socket', testControlSocket(), '--workers', '2', '--admin', '127.0.0.1:0'],
    env: Object.fromEntries(['HTTP', 'HTTPS', 'ECHO', 'UDP', 'KV', 'KV_UDP'].map((name) => [`SHOAL_LISTENER_${name}_PORT`, '0'])),
  });
});

afterAll(stopAllClusters);

describe('the demo service', () => {
  it('runs without SCTP on a kernel that has none, and says why in one line, once', async () => {
    const notices = cluster.logs.filter((l) => /SCTP services off/.test(String(l.msg)));
    expect(notices.map((l) => l.msg)).toEqual(['SCTP services off: this kernel has no SCTP (modprobe sctp; shoal doctor tells more)']);
    const { sctpDemoListeners } = require(join(ROOT, 'apps', 'demo', 'dist', 'sctp-listeners.js'));
    expect(Object.keys(sctpDemoListeners({}, () => true).listeners)).toEqual(['sctp-echo', 'sctp-kv', 'sctp-echo-many']);
    expect(sctpDemoListeners({ SHOAL_DEMO_SCTP_PORT: '3000', SHOAL_DEMO_SCTP_MANY_PORT: 'off' }, () => true).listeners).toEqual({
      'sctp-echo': { transport: 'sctp', port: 3000, options: { style: 'one-to-one' } },
      'sctp-kv': { transport: 'sctp', port: 3001, options: { style: 'one-to-one', streams: 16 } },
    });
    expect(() => sctpDemoListeners({ SHOAL_DEMO_SCTP_PORT: 'x' }, () => true)).toThrow(/SHOAL_DEMO_SCTP_PORT must be a port number from 1 to 65534 or "off", got "x"/);
  });

  it('passes its own configuration check', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [SHOAL_BIN, 'start', '--config', DEMO_CONFIG, '--check']);
    expect(stdout).toMatch(/configuration OK/);
    expect(stdout).toMatch(/module AppModule/);
    expect(stdout).toMatch(/kv \(tcp 0\.0\.0\.0:7072\), kv-udp \(udp 0\.0\.0\.0:7073\)/);
  });

  it('stores a value over HTTP that every worker serves, and UDP and TCP read', async () => {
    const { http, kv } = cluster.ports;
    const put = await httpGet(http, '/kv/greeting', { method: 'PUT', body: JSON.stringify({ value: { text: 'hello' } }), headers: WRITE });
    expect(put.status).toBe(200);
    const readers = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const got = await httpGet(http, '/kv/greeting', { headers: { connection: 'close' } });
      expect(JSON.parse(got.body)).toEqual({ key: 'greeting', value: { text: 'hello' } });
    }
    for (let i = 0; i < 20; i++) readers.add((await httpGet(http, '/', { headers: { connection: 'close' } })).body);
    expect(readers.size).toBe(2);
    expect(await udpAsk(cluster.ports['kv-udp'], 'GET greeting')).toBe('OK {"text":"hello"}');
    expect(await kvTcp(kv, { op: 'get', key: 'greeting', id: 7 })).toEqual({ id: 7, ok: true, found: true, value: { text: 'hello' } });
    expect((await httpGet(http, '/kv/nothing-here')).status).toBe(404);
    // The key is the path parameter, decoded; the longest key a store takes fits the route.
    const long = 'k'.repeat(127);
    expect((await httpGet(http, `/kv/${long}%3A`, { method: 'PUT', body: '{"value":2}', headers: WRITE })).status).toBe(200);
    expect(JSON.parse((await httpGet(http, `/kv/${long}:`)).body)).toEqual({ key: `${long}:`, value: 2 });
  });

  it('counts exactly under concurrent increments from all three transports', async () => {
    const { http, kv } = cluster.ports;
    const rounds = 40;
    await Promise.all(
      Array.from({ length: rounds }, (_, i) =>
        Promise.all([
          httpGet(http, '/kv/hits/increment', { method: 'POST', headers: { ...TOKEN, connection: i % 2 ? 'close' : 'keep-alive' } }),
          kvTcp(kv, { op: 'increment', key: 'hits', by: 2 }),
          udpAsk(cluster.ports['kv-udp'], 'INCR hits 3'),
        ]),
      ),
    );
    expect(JSON.parse((await httpGet(http, '/kv/hits')).body).value).toBe(rounds * 6);
  });

  it('answers bad requests with a clear error and keeps serving', async () => {
    const { http, kv } = cluster.ports;
    const badKey = await httpGet(http, `/kv/${encodeURIComponent('no spaces')}`, { method: 'PUT', body: '{"value":1}', headers: WRITE });
    expect(badKey.status).toBe(400);
    expect(JSON.parse(badKey.body).error).toMatch(/a key is 1 to 128 of/);
    const longKey = await httpGet(http, `/kv/${'k'.repeat(129)}`);
    expect([longKey.status, JSON.parse(longKey.body).error]).toEqual([400, expect.stringMatching(/a key is 1 to 128 of/)]);
    // The DTO, checked by the app's global ValidationPipe: Nest's 400 body.
    const badBody = await httpGet(http, '/kv/a', { method: 'PUT', body: '{"val":1}', headers: WRITE });
    expect(badBody.status).toBe(400);
    expect(JSON.parse(badBody.body)).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.arrayContaining(['property val should not exist', expect.stringMatching(/the body must be JSON like/)]) });
    // The guard on writes: no token, no write.
    const unguarded = await httpGet(http, '/kv/a', { method: 'PUT', body: '{"value":1}', headers: { 'content-type': 'application/json' } });
    expect([unguarded.status, JSON.parse(unguarded.body)]).toEqual([403, { statusCode: 403, error: 'Forbidden', message: 'Forbidden resource' }]);
    expect((await httpGet(http, '/kv/a')).status).toBe(404);
    expect((await httpGet(http, '/kv/hits/increment?by=two', { method: 'POST', headers: TOKEN })).status).toBe(400);
    expect(await kvTcp(kv, 'not json')).toEqual({ ok: false, error: expect.stringMatching(/a request is a JSON object/) });
    expect(await kvTcp(kv, { op: 'explode', key: 'a' })).toEqual({ ok: false, error: 'op must be one of get, set, delete, increment' });
    expect(await udpAsk(cluster.ports['kv-udp'], 'FLY away')).toMatch(/^ERR commands:/);
    await httpGet(http, '/kv/text', { method: 'PUT', body: '{"value":"abc"}', headers: WRITE });
    expect((await httpGet(http, '/kv/text/increment', { method: 'POST', headers: TOKEN })).status).toBe(400);
    expect(await udpAsk(cluster.ports['kv-udp'], 'INCR text')).toMatch(/^ERR /);
    expect((await httpGet(http, '/kv/hits')).status).toBe(200);
  });

  it('serves the same API over HTTPS with its certificate made at first start, h2 by ALPN', async () => {
    const { connect } = await import('node:http2');
    const ca = readFileSync(join(ROOT, 'apps', 'demo', '.certs', 'localhost.pem'));
    const session = connect(`https://localhost:${cluster.ports.https}`, { ca });
    const stream = session.request({ ':path': '/kv/greeting' });
    let body = '';
    stream.on('data', (c: Buffer) => (body += c));
    const [headers] = (await once(stream, 'response')) as [Record<string, unknown>];
    await once(stream, 'end');
    session.close();
    expect(headers[':status']).toBe(200);
    expect(JSON.parse(body)).toEqual({ key: 'greeting', value: { text: 'hello' } });
    expect(session.alpnProtocol).toBe('h2');
  });

  it('works with its TCP client, keeps the echo endpoints, and shows its metrics in /metrics', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, KV_PORT: String(cluster.ports.kv) };
    expect((await run(process.execPath, [KV_CLIENT, 'set', 'city', '"Lisbon"', '60000'], { env })).stdout).toBe('{"ok":true}\n');
    expect(JSON.parse((await run(process.execPath, [KV_CLIENT, 'get', 'city'], { env })).stdout)).toMatchObject({ ok: true, value: 'Lisbon' });
    expect(await tcpAsk(cluster.ports.echo, 'ping')).toBe('ping');
    expect(await udpAsk(cluster.ports.udp, 'ping')).toBe('ping');
    const metrics = await cluster.metrics();
    expect(metricValue(metrics, 'demo_kv_operations_total', { op: 'increment', transport: 'udp', result: 'ok' })).toBe(40);
    expect(metricValue(metrics, 'demo_kv_operations_total', { op: 'get', transport: 'tcp', result: 'hit' })).toBeGreaterThanOrEqual(2);
  });
});

describe('the key-change WebSocket gateway', () => {
  const changesUrl = (): string => `ws://127.0.0.1:${cluster.ports.http}/kv/changes`;

  /** A client of the gateway subscribed to `prefix`, and the worker that serves it (the ack says). */
  async function subscriber(prefix: string, url = changesUrl(), options = {}): Promise<{ client: WsClient; worker: number }> {
    const client = await WsClient.connect(url, options);
    const ack = await client.ask('subscribe', { prefix });
    expect(ack).toEqual({ event: 'subscribed', data: { prefixes: [prefix], worker: expect.any(Number) } });
    return { client, worker: ack.data.worker as number };
  }

  /** The next `count` messages `client` receives (waits for them). */
  async function nextMessages(client: WsClient, count: number): Promise<unknown[]> {
    const received = [];
    for (let i = 0; i < count; i++) received.push(await client.next());
    return received;
  }

  const set = (key: string, value: unknown) => ({ event: 'change', data: { key, op: 'set', value } });
  const deleted = (key: string) => ({ event: 'change', data: { key, op: 'delete' } });
  const put = (key: string, value: unknown, headers: Record<string, string> = {}) =>
    httpGet(cluster.ports.http, `/kv/${key}`, { method: 'PUT', body: JSON.stringify({ value }), headers: { ...WRITE, ...headers } });
  const remove = (key: string) => httpGet(cluster.ports.http, `/kv/${key}`, { method: 'DELETE', headers: TOKEN });

  it('pushes every change to the clients whose prefix it matches, in order, whichever transport made it', async () => {
    const users = (await subscriber('user:')).client;
    const bobs = (await subscriber('user:b')).client;
    expect((await put('user:ann', { name: 'Ann' })).status).toBe(200);
    expect((await put('order:1', 5)).status).toBe(200);
    expect(await kvTcp(cluster.ports.kv, { op: 'set', key: 'user:bob', value: 'Bob' })).toEqual({ ok: true });
    // An increment is a set of the new number.
    expect(await kvTcp(cluster.ports.kv, { op: 'increment', key: 'user:bob-visits', by: 2 })).toEqual({ ok: true, value: 2 });
    expect(await udpAsk(cluster.ports['kv-udp'], 'SET user:ann "Annie"')).toBe('OK');
    expect(JSON.parse((await remove('user:ann')).body)).toEqual({ key: 'user:ann', deleted: true });
    // Deleting a key that is not there changes nothing, and is not pushed.
    expect(JSON.parse((await remove('user:nobody')).body)).toEqual({ key: 'user:nobody', deleted: false });
    // The last change goes to both clients: whatever they were sent before it has arrived.
    expect((await remove('user:bob')).status).toBe(200);

    expect(await nextMessages(users, 6)).toEqual([
      set('user:ann', { name: 'Ann' }),
      set('user:bob', 'Bob'),
      set('user:bob-visits', 2),
      set('user:ann', 'Annie'),
      deleted('user:ann'),
      deleted('user:bob'),
    ]);
    expect(await nextMessages(bobs, 3)).toEqual([set('user:bob', 'Bob'), set('user:bob-visits', 2), deleted('user:bob')]);
    expect([users.unread, bobs.unread]).toEqual([[], []]);
    users.ws.close();
    bobs.ws.close();
  });

  it('sends the changes of a prefix no more once the client unsubscribes from it', async () => {
    const { client, worker } = await subscriber('left:');
    expect(await client.ask('subscribe', { prefix: 'stayed:' })).toEqual({ event: 'subscribed', data: { prefixes: ['left:', 'stayed:'], worker } });
    expect(await client.ask('unsubscribe', { prefix: 'left:' })).toEqual({ event: 'unsubscribed', data: { prefixes: ['stayed:'], worker } });
    await put('left:1', 1);
    await put('stayed:1', 1);
    expect(await client.next()).toEqual(set('stayed:1', 1));
    client.ws.close();
  });

  it('pushes a change made through one worker to the subscribers of every worker', async () => {
    // One subscriber on each of the two workers (the kernel spreads new connections).
    const byWorker = new Map<number, WsClient>();
    for (let attempt = 0; attempt < 40 && byWorker.size < 2; attempt++) {
      const { client, worker } = await subscriber('spread:');
      if (byWorker.has(worker)) client.ws.close();
      else byWorker.set(worker, client);
    }
    expect(byWorker.size).toBe(2);
    // Each write is made by one worker, over a connection of its own; both subscribers get every one, in order.
    const writes = 20;
    for (let i = 0; i < writes; i++) expect((await put(`spread:${i}`, i, { connection: 'close' })).status).toBe(200);
    const expected = Array.from({ length: writes }, (_, i) => set(`spread:${i}`, i));
    for (const client of byWorker.values()) {
      expect(await nextMessages(client, writes)).toEqual(expected);
      client.ws.close();
    }
  });

  it('answers bad messages with the JSON API\'s 400 body, and every connection stays open', async () => {
    const bystander = (await subscriber('bad-input:')).client;
    const client = await WsClient.connect(changesUrl());
    const badRequest = (message: unknown) => ({ event: 'exception', data: { statusCode: 400, error: 'Bad Request', message } });
    expect(await client.ask('fly', 1)).toEqual(badRequest('unknown event "fly"; the events are subscribe, unsubscribe'));
    client.ws.send('not json');
    expect(await client.next()).toEqual(badRequest(expect.stringMatching(/^a message is JSON like \{"event": \.\.\., "data": \.\.\.\}/)));
    expect(await client.ask('subscribe', { prefix: 'has space' })).toEqual(badRequest(['prefix is 0 to 128 of A-Z a-z 0-9 _ . : -']));
    expect(await client.ask('subscribe', { prefix: 'ok:', extra: 1 })).toEqual(badRequest(['property extra should not exist']));
    expect(await client.ask('subscribe')).toEqual(badRequest(['the data must be like {"prefix": "user:"}, a key prefix ("" for every key)']));
    for (let i = 1; i < 32; i++) expect((await client.ask('subscribe', { prefix: `many${i}:` })).event).toBe('subscribed');
    expect(await client.ask('subscribe', { prefix: 'bad-input:' })).toMatchObject({ event: 'subscribed', data: { prefixes: expect.arrayContaining(['bad-input:']) } });
    expect(await client.ask('subscribe', { prefix: 'one-too-many:' })).toEqual(badRequest('a connection subscribes to 32 prefixes at most; unsubscribe from one first'));

    await put('bad-input:1', 'still here');
    expect(await client.next()).toEqual(set('bad-input:1', 'still here'));
    expect(await bystander.next()).toEqual(set('bad-input:1', 'still here'));
    expect([client.ws.readyState, bystander.ws.readyState]).toEqual([WebSocket.OPEN, WebSocket.OPEN]);
    client.ws.close();
    bystander.ws.close();
  });

  it('is served on the HTTPS listener too (wss, with its certificate)', async () => {
    const ca = readFileSync(join(ROOT, 'apps', 'demo', '.certs', 'localhost.pem'));
    const { client } = await subscriber('secure:', `wss://localhost:${cluster.ports.https}/kv/changes`, { ca });
    await put('secure:1', true);
    expect(await client.next()).toEqual(set('secure:1', true));
    client.ws.close();
  });

  // Last: it replaces the workers.
  it('closes its connections with 1001 on a reload; a client that connects and subscribes again gets the changes', async () => {
    const { client, worker } = await subscriber('reload:');
    const reloaded = cluster.waitForEvent('reload.finished', undefined, 60_000);
    process.kill(cluster.pid, 'SIGHUP');
    expect(await client.closed).toEqual({ code: 1001, reason: '' });
    await reloaded;
    const again = await subscriber('reload:');
    expect(again.worker).not.toBe(worker);
    await put('reload:1', 'after');
    expect(await again.client.next()).toEqual(set('reload:1', 'after'));
    again.client.ws.close();
  });
});
