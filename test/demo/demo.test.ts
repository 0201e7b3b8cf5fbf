/**
 * The demo as a new user runs it: `shoal start` with apps/demo/shoal.config.ts,
 * then the key-value store over HTTP, TCP and UDP from real clients, one
 * store shared by every worker.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { httpGet, metricValue, tcpAsk, udpAsk } from '../helpers/clients';
import { startCluster, stopAllClusters, testControlSocket } from '../helpers/cluster';
import type { Cluster } from '../helpers/cluster';

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
    const { readFileSync } = await import('node:fs');
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
