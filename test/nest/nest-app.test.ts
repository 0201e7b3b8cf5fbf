/**
 * A Nest service as its team wrote it (test/fixtures/nest/items.ts: a
 * controller, a validated DTO, a guard, an interceptor, an exception filter,
 * middleware, a shutdown hook; app.ts: what its main.ts did) under
 * `shoal start`, on both of Nest's HTTP platforms.
 */
import { type Cluster, stopAllClusters } from '../helpers/cluster';
import { metricValue } from '../helpers/clients';
import { startNestApp } from '../helpers/nest';

const start = startNestApp;

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function ask(port: number, path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, body };
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

afterAll(async () => {
  await stopAllClusters();
});

describe.each(['fastify', 'express'])('a Nest app on platform %s', (platform) => {
  let cluster: Cluster;
  let port: number;

  beforeAll(async () => {
    cluster = await start('app.js', { web: { transport: 'http', host: '127.0.0.1', port: 0, options: { platform } } });
    port = cluster.ports.web;
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('route parameters, pipes, guards, interceptors, filters, middleware, prefix, versioning, CORS and raw body work as in Nest', async () => {
    const item = await ask(port, '/api/v1/items/1');
    expect(item.status).toBe(200);
    expect(item.body).toEqual({ data: { id: 1, name: 'anchor', stock: 3, pid: expect.any(Number) } });
    expect(item.headers.get('x-served-by')).toBe(String(item.body.data.pid));

    expect(await ask(port, '/api/v1/items/abc')).toMatchObject({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: 'Validation failed (numeric string is expected)' },
    });
    expect(await ask(port, '/api/v1/items', json({ name: 'rope', stock: 4 }))).toMatchObject({
      status: 403,
      body: { statusCode: 403, error: 'Forbidden', message: 'Forbidden resource' },
    });
    const invalid = await ask(port, '/api/v1/items', json({ name: '', stock: -1, extra: true }, { 'x-token': 'secret' }));
    expect(invalid.status).toBe(400);
    expect(invalid.body.message).toEqual(
      expect.arrayContaining(['property extra should not exist', 'name must be longer than or equal to 1 characters', 'stock must not be less than 0']),
    );
    expect(await ask(port, '/api/v1/items', json({ name: 'rope', stock: 4 }, { 'x-token': 'secret' }))).toMatchObject({
      status: 201,
      body: { data: { name: 'rope', stock: 4, id: expect.any(Number) } },
    });
    expect(await ask(port, '/api/v1/items/999')).toMatchObject({ status: 404, body: { error: 'item-not-found', id: 999 } });
    expect(await ask(port, '/api/v1/items/raw', json({ a: 1 }))).toMatchObject({ status: 201, body: { data: { bytes: 7, type: 'application/json' } } });
    expect((await ask(port, '/items/1')).status).toBe(404);

    const preflight = await fetch(`http://127.0.0.1:${port}/api/v1/items`, {
      method: 'OPTIONS',
      headers: { origin: 'https://example.test', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://example.test');
  });

  test('requests and connections are counted per listener in the aggregated /metrics', async () => {
    const before = metricValue(await cluster.metrics(), 'shoal_messages_sent_total', { listener: 'web' });
    for (let i = 0; i < 5; i++) await ask(port, '/api/v1/items/1');
    const metrics = await cluster.metrics();
    expect(metricValue(metrics, 'shoal_messages_sent_total', { listener: 'web' })).toBe(before + 5);
    expect(metricValue(metrics, 'shoal_connections_total', { listener: 'web' })).toBeGreaterThan(0);
  });

  test('a reload lets an in-flight request finish, then runs the shutdown hooks with SIGTERM', async () => {
    const first = await ask(port, '/api/v1/items/1');
    const slow = ask(port, '/api/v1/items/slow/1500', { headers: { connection: 'close' } });
    // The request is in a worker when the reload starts.
    await cluster.waitForLog((l) => l.msg.startsWith('slow request of 1500 ms'));
    const reloaded = cluster.waitForEvent('reload.finished', undefined, 60_000);
    process.kill(cluster.pid, 'SIGHUP');
    const answer = await slow;
    expect(answer).toMatchObject({ status: 200, body: { data: { waited: 1500 } } });
    await reloaded;
    const old = answer.body.data.pid as number;
    const hook = await cluster.waitForLog((l) => l.pid === old && l.msg === `items shut down (SIGTERM) in ${old}`);
    const drained = cluster.logs.find((l) => l.pid === old && l.event === 'worker.drained')!;
    expect(drained).toBeDefined();
    // Hooks run once the listener has drained: after the response, before the worker reports it drained.
    expect(cluster.logs.indexOf(hook)).toBeLessThan(cluster.logs.indexOf(drained));
    expect((await ask(port, '/api/v1/items/1')).status).toBe(200);
    expect(first.status).toBe(200);
  });
});

test('two listeners serve the same controllers, each with its own options', async () => {
  const cluster = await start(
    'app.js',
    {
      web: { transport: 'http', host: '127.0.0.1', port: 0, options: { platform: 'fastify' } },
      second: { transport: 'http', host: '127.0.0.1', port: 0, options: { platform: 'fastify', keepAliveTimeoutMs: 1000 } },
    },
    { workers: 1 },
  );
  const a = await ask(cluster.ports.web, '/api/v1/items/1');
  const b = await ask(cluster.ports.second, '/api/v1/items/1');
  expect([a.status, b.status]).toEqual([200, 200]);
  expect(b.body.data.pid).toBe(a.body.data.pid);
  await cluster.stop();
});

describe('mistakes are named at start', () => {
  test('an @OnRequest handler on the listener that serves the controllers', async () => {
    await expect(start('mixed-app.js', { web: { transport: 'http', host: '127.0.0.1', port: 0, options: { platform: 'fastify' } } }, { workers: 1 })).rejects.toThrow(
      /SHOAL_ERR_HTTP_PLATFORM_ROUTES.*RawRoutes\.raw is an @OnRequest handler of it/,
    );
  });

  test('app.listen() left in configure()', async () => {
    await expect(start('listen-app.js', { web: { transport: 'http', host: '127.0.0.1', port: 0, options: { platform: 'express' } } }, { workers: 1 })).rejects.toThrow(
      /SHOAL_ERR_APP_LISTEN.*app\.listen\(\) was called in the app's configure\(\)/,
    );
  });

  test('listeners on two different platforms', async () => {
    const web = { transport: 'http', host: '127.0.0.1', port: 0, options: { platform: 'fastify' } };
    const api = { transport: 'http', host: '127.0.0.1', port: 0, options: { platform: 'express' } };
    await expect(start('app.js', { web, api }, { workers: 1 })).rejects.toThrow(/SHOAL_ERR_APP_PLATFORM_SEVERAL.*web \(fastify\), api \(express\)/);
  });
});
