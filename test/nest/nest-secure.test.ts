/**
 * The Nest app of test/fixtures/nest over HTTPS on both platforms and over
 * HTTP/2 on Fastify, under `shoal start`; and a renewed certificate that a
 * reload serves without dropping a connection.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as connectH2 } from 'node:http2';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { TestCa } from '../helpers/certificates';
import { type Cluster, stopAllClusters } from '../helpers/cluster';
import { startNestApp } from '../helpers/nest';

let dir: string;
let ca: TestCa;

/** A server certificate for localhost in files of its own; `fingerprint` is the one it was issued with. */
function serverCertificate(name: string): { cert: string; key: string; fingerprint: string } {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  return { cert, key, fingerprint: ca.issueServer(cert, key) };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shoal-nest-tls-'));
  ca = new TestCa(dir);
});
afterAll(async () => {
  await stopAllClusters();
  rmSync(dir, { recursive: true, force: true });
});

function get(port: number, path: string, agent?: Agent, alpn?: string[]): Promise<{ status: number; body: any; fingerprint: string; alpn: string | false }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca: ca.pem, servername: 'localhost', ...(alpn && { ALPNProtocols: alpn }), ...(agent ? { agent } : { agent: false }) }, (res) => {
      let body = '';
      // Read now: a keep-alive agent takes the socket back once the response has ended.
      const socket = res.socket as TLSSocket;
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      const negotiated = socket.alpnProtocol ?? false;
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(body), fingerprint, alpn: negotiated }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(['fastify', 'express'])('HTTPS for a Nest app on %s', (platform) => {
  let cluster: Cluster;
  let port: number;
  let cert: { cert: string; key: string; fingerprint: string };

  beforeAll(async () => {
    cert = serverCertificate(`server-${platform}`);
    cluster = await startNestApp('app.js', { web: { transport: 'http', host: '127.0.0.1', port: 0, options: { platform, tls: { cert: cert.cert, key: cert.key } } } });
    port = cluster.ports.web;
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('controllers answer over TLS', async () => {
    const answer = await get(port, '/api/v1/items/1');
    expect(answer).toMatchObject({ status: 200, body: { data: { id: 1, name: 'anchor' } }, alpn: false });
  });

  test('a certificate renewed on disk is served after a reload; a keep-alive connection from before is not dropped', async () => {
    const before = await get(port, '/api/v1/items/1');
    expect(before.fingerprint).toBe(cert.fingerprint);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = await get(port, '/api/v1/items/1', agent);
    // The renewal: new files at the same paths.
    const renewed = ca.issueServer(cert.cert, cert.key);
    const reloaded = cluster.waitForEvent('reload.finished', undefined, 60_000);
    process.kill(cluster.pid, 'SIGHUP');
    // The connection opened before the reload carries on until the reload is over (its worker drains it at a response boundary).
    const during = await get(port, '/api/v1/items/1', agent);
    expect(during.status).toBe(200);
    await reloaded;
    const after = await get(port, '/api/v1/items/1');
    expect(after.fingerprint).toBe(renewed);
    expect(renewed).not.toBe(before.fingerprint);
    expect(first.fingerprint).toBe(before.fingerprint);
    agent.destroy();
  });
});

test('HTTP/2 for a Nest app on Fastify: h2 by ALPN, HTTP/1.1 on the same port', async () => {
  const { cert, key } = serverCertificate('server-h2');
  const cluster = await startNestApp('app.js', { web: { transport: 'http', host: '127.0.0.1', port: 0, options: { platform: 'fastify', tls: { cert, key }, http2: true } } }, { workers: 1 });
  const session = connectH2(`https://localhost:${cluster.ports.web}`, { ca: ca.pem });
  const stream = session.request({ ':path': '/api/v1/items/1' });
  let body = '';
  stream.on('data', (c: Buffer) => (body += c));
  const [headers] = (await once(stream, 'response')) as [Record<string, unknown>];
  await once(stream, 'end');
  expect(headers[':status']).toBe(200);
  expect(JSON.parse(body)).toMatchObject({ data: { id: 1 } });
  expect(session.alpnProtocol).toBe('h2');
  session.close();
  expect(await get(cluster.ports.web, '/api/v1/items/1', undefined, ['http/1.1'])).toMatchObject({ status: 200, alpn: 'http/1.1' });
  await cluster.stop();
});
