/**
 * A Nest app's WebSocket gateways (test/fixtures/nest/gateway.ts, Nest's
 * WsAdapter) on the port of the HTTP listener that serves it, under
 * `shoal start`, on both of Nest's HTTP platforms: messages answered as in
 * Nest, bad input costing only its connection, a reload draining a
 * connection (its messages in flight answered, then 1001) or handing it,
 * alive, to the new worker.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { type Cluster, stopAllClusters } from '../helpers/cluster';
import { metricValue } from '../helpers/clients';
import { startNestApp } from '../helpers/nest';
import { WsClient } from '../helpers/websocket';

afterAll(async () => {
  await stopAllClusters();
});

/** Sends `text` on a raw connection and reads until the server closes it. */
async function raw(port: number, text: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  socket.write(text);
  await once(socket, 'close');
  return answer;
}

function reload(cluster: Cluster, count: number): Promise<unknown> {
  const finished = cluster.waitForLogs((l) => l.event === 'reload.finished' || l.event === 'reload.failed', count, 60_000);
  process.kill(cluster.pid, 'SIGHUP');
  return finished.then((all) => expect(all[count - 1].event).toBe('reload.finished'));
}

describe.each(['fastify', 'express'])('WebSocket gateways of a Nest app on platform %s', (platform) => {
  let cluster: Cluster;
  let url: string;
  let reloads = 0;

  beforeAll(async () => {
    const web = { transport: 'http', host: '127.0.0.1', port: 0, options: { platform, websocket: { maxMessageBytes: 4096 } } };
    cluster = await startNestApp('ws-app.js', { web });
    url = `ws://127.0.0.1:${cluster.ports.web}`;
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('messages in { event, data } form are answered by @SubscribeMessage handlers, with guards, pipes and filters as in Nest', async () => {
    const client = await WsClient.connect(`${url}/ws`, { headers: { 'x-client': 'first' } });
    await cluster.waitForLog((l) => l.msg.startsWith('websocket first connected to /ws'));
    expect(await client.ask('echo', { hello: 'there' })).toEqual({ event: 'echo', data: { data: { hello: 'there' }, pid: expect.any(Number) } });
    // An Observable pushes its values, each a message.
    client.send('count', 3);
    expect([await client.next(), await client.next(), await client.next()]).toEqual([1, 2, 3].map((data) => ({ event: 'count', data })));
    expect(await client.ask('secret', {})).toEqual({ event: 'exception', data: 'Forbidden resource' });
    expect(await client.ask('secret', { token: 'secret' })).toEqual({ event: 'secret', data: 'granted' });
    expect(await client.ask('add', { a: 1, b: 'two' })).toEqual({
      event: 'exception',
      data: { statusCode: 400, error: 'Bad Request', message: ['b must be an integer number'] },
    });
    expect(await client.ask('add', { a: 1, b: 2 })).toEqual({ event: 'sum', data: 3 });
    // The HTTP side answers on the same port.
    expect((await fetch(`http://127.0.0.1:${cluster.ports.web}/nothing`)).status).toBe(404);
    client.ws.close();
    expect((await client.closed).code).toBe(1005);
  });

  test('each gateway answers on its own path; permessage-deflate is negotiated where the gateway enables it', async () => {
    const client = await WsClient.connect(`${url}/deflate`);
    expect(client.ws.extensions).toContain('permessage-deflate');
    const text = 'compressible '.repeat(200);
    expect(await client.ask('echo', text)).toMatchObject({ event: 'echo', data: { data: text } });
    client.ws.close();
  });

  test('bad input costs only its connection, and is counted by its code', async () => {
    const bystander = await WsClient.connect(`${url}/ws`);
    const codes = ['SHOAL_ERR_WS_MESSAGE_TOO_LARGE', 'SHOAL_ERR_WS_BAD_FRAME', 'SHOAL_ERR_WS_BAD_HANDSHAKE'];
    const counted = (metrics: string): number[] =>
      codes.map((code) => (metrics.includes(code) ? metricValue(metrics, 'shoal_protocol_errors_total', { listener: 'web', code }) : 0));
    const before = counted(await cluster.metrics());

    const large = await WsClient.connect(`${url}/ws`);
    large.send('echo', 'x'.repeat(5000));
    expect((await large.closed).code).toBe(1009);

    // RSV2 set: no extension defines it.
    const malformed = await WsClient.connect(`${url}/ws`);
    (malformed.ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(Buffer.from([0xa1, 0x80, 0, 0, 0, 0]));
    expect((await malformed.closed).code).toBe(1002);

    const noKey = await raw(cluster.ports.web, 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n');
    expect(noKey).toMatch(/^HTTP\/1.1 400 Bad Request\r\n/);
    expect(noKey).toContain('{"error":{"code":"SHOAL_ERR_WS_BAD_HANDSHAKE"}}');
    const wrongPath = new WebSocket(`${url}/nowhere`);
    wrongPath.on('error', () => undefined);
    const [, response] = (await once(wrongPath, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(response.statusCode).toBe(400);
    wrongPath.terminate();

    expect(await bystander.ask('echo', 'still here')).toMatchObject({ event: 'echo', data: { data: 'still here' } });
    bystander.ws.close();
    expect(counted(await cluster.metrics())).toEqual([before[0] + 1, before[1] + 1, before[2] + 2]);
  });

  test('a reload answers the messages in flight, then closes the connection with 1001; the drain counts it as completed', async () => {
    const client = await WsClient.connect(`${url}/ws`);
    const pid = (await client.ask('echo', 1)).data.pid as number;
    client.send('slow', 1500);
    await cluster.waitForLog((l) => l.pid === pid && l.msg === `slow message of 1500 ms in ${pid}`);
    const reloaded = reload(cluster, ++reloads);
    expect(await client.next()).toEqual({ event: 'slow', data: { waited: 1500, pid } });
    expect(await client.closed).toEqual({ code: 1001, reason: '' });
    await reloaded;
    const drained = cluster.logs.find((l) => l.pid === pid && l.event === 'websocket.drained') as any;
    expect(drained).toMatchObject({ listener: 'web', closed: 1, handedOff: 0 });
    expect(cluster.logs.find((l) => l.pid === pid && l.event === 'worker.drained')).toMatchObject({ completed: expect.any(Number), forced: 0, handedOff: 0 });
    // The client reconnects to the new workers.
    const again = await WsClient.connect(`${url}/ws`);
    expect((await again.ask('echo', 2)).data.pid).not.toBe(pid);
    again.ws.close();
  });
});

describe('WebSocket hand-off on reload', () => {
  let cluster: Cluster;
  let url: string;

  beforeAll(async () => {
    // No adapter in configure(): options.websocket makes Shoal install WsAdapter.
    const web = { transport: 'http', host: '127.0.0.1', port: 0, options: { platform: 'express', websocket: { handOffOnReload: true } } };
    cluster = await startNestApp('ws-auto-app.js', { web });
    url = `ws://127.0.0.1:${cluster.ports.web}`;
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('a connection moves, alive, to the new worker: its URL and headers come along, messages go on, no reconnect', async () => {
    const plain = await WsClient.connect(`${url}/ws?room=7`, { headers: { 'x-client': 'mover' } });
    // Compressed, without context takeover (Shoal negotiates it when hand-off is on).
    const deflate = await WsClient.connect(`${url}/deflate`);
    const negotiated = (deflate.ws as unknown as { _extensions: Record<string, { params: object }> })._extensions['permessage-deflate'].params;
    expect(negotiated).toMatchObject({ server_no_context_takeover: true, client_no_context_takeover: true });
    const first = (await plain.ask('echo', 0)).data.pid as number;
    const firstDeflate = (await deflate.ask('echo', 'a'.repeat(300))).data.pid as number;
    // A message in flight when the reload starts is answered by the old worker, and the connection moves after it.
    plain.send('count', 5);
    const reloaded = cluster.waitForEvent('reload.finished', undefined, 60_000);
    process.kill(cluster.pid, 'SIGHUP');
    for (let i = 1; i <= 5; i++) expect(await plain.next()).toEqual({ event: 'count', data: i });
    await reloaded;
    const moved = await plain.ask('echo', 1);
    expect(moved.data.pid).not.toBe(first);
    expect((await deflate.ask('echo', 'b'.repeat(300))).data).toMatchObject({ data: 'b'.repeat(300) });
    expect((await deflate.ask('echo', 'c')).data.pid).not.toBe(firstDeflate);
    // The gateway of the new worker saw the connection with its original request.
    await cluster.waitForLog((l) => l.pid === moved.data.pid && l.msg.startsWith('websocket mover connected to /ws?room=7'));
    for (const pid of new Set([first, firstDeflate])) {
      expect(cluster.logs.find((l) => l.pid === pid && l.event === 'websocket.drained')).toMatchObject({ closed: 0, ended: 0 });
    }
    const handedOff = cluster.logs.filter((l) => (l.pid === first || l.pid === firstDeflate) && l.event === 'worker.drained').reduce((n, l: any) => n + l.handedOff, 0);
    expect(handedOff).toBe(2);
    plain.ws.close();
    deflate.ws.close();
    expect((await plain.closed).code).toBe(1005);
  });
});
