// One-to-many style on a real kernel: one endpoint, many associations,
// implicit set-up, autoclose, peeloff, per-association shutdown and abort.
import { createEndpoint, type SctpAssociationInfo, type SctpEndpoint, type SctpMessage, type SctpSocket } from '../../src';
import { collect, waitFor } from './helpers';

function serverEndpoint(options = {}): { ep: SctpEndpoint; port: number } {
  const ep = createEndpoint(options);
  const { port } = ep.bind({ address: '127.0.0.1', port: 0 });
  return { ep, port };
}

describe('one-to-many style', () => {
  test('one endpoint serves several associations; replies go to each by assoc id', async () => {
    const { ep: server, port } = serverEndpoint();
    server.on('message', (m: SctpMessage) => {
      server.send(Buffer.concat([Buffer.from('echo:'), m.data]), { assocId: m.assocId }, { stream: m.stream, ppid: m.ppid });
    });
    const clients = [createEndpoint(), createEndpoint(), createEndpoint()];
    const ids = await Promise.all(clients.map((c) => c.connect('127.0.0.1', port)));
    expect(ids.every((id) => id > 0)).toBe(true);
    const replies = clients.map((c) => waitFor<SctpMessage>(c, 'message'));
    clients.forEach((c, i) => c.send(`c${i}`, { assocId: ids[i] }, { stream: i, ppid: 40 + i }));
    const got = await Promise.all(replies);
    expect(got.map((m) => m.data.toString())).toEqual(['echo:c0', 'echo:c1', 'echo:c2']);
    expect(got.map((m) => [m.stream, m.ppid])).toEqual([[0, 40], [1, 41], [2, 42]]);
    expect(server.associations.size).toBe(3);
    const st = server.status([...server.associations.keys()][0]);
    expect(st.stateName).toBe('ESTABLISHED');
    clients.forEach((c) => c.close());
    server.close();
  });

  test('sending to an address sets the association up implicitly', async () => {
    const { ep: server, port } = serverEndpoint();
    const client = createEndpoint();
    const up = waitFor<SctpAssociationInfo>(client, 'association');
    const got = waitFor<SctpMessage>(server, 'message');
    client.send('hello', { address: '127.0.0.1', port }, { ppid: 7 });
    const m = await got;
    expect([m.data.toString(), m.ppid]).toEqual(['hello', 7]);
    const info = await up;
    expect(info.outboundStreams).toBe(16);
    expect(client.remoteAddresses(info.assocId)).toEqual([{ address: '127.0.0.1', port, family: 'IPv4' }]);
    client.close();
    server.close();
  });

  test('autoclose ends idle associations', async () => {
    const { ep: server, port } = serverEndpoint({ autoCloseSeconds: 1 });
    expect(server.getOptions().autoCloseSeconds).toBe(1);
    const client = createEndpoint();
    const id = await client.connect('127.0.0.1', port);
    const ended = waitFor<{ assocId: number; state: string }>(client, 'association-end', 15000);
    const serverEnded = waitFor<{ assocId: number; state: string }>(server, 'association-end', 15000);
    const t0 = Date.now();
    const e = await ended;
    expect(e.assocId).toBe(id);
    expect(e.state).toBe('SHUTDOWN_COMP');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    await serverEnded;
    expect(server.associations.size).toBe(0);
    client.close();
    server.close();
  });

  test('peeloff moves an association to its own one-to-one socket that keeps working', async () => {
    const { ep: server, port } = serverEndpoint();
    const client = createEndpoint();
    const first = waitFor<SctpMessage>(server, 'message');
    const cid = await client.connect('127.0.0.1', port);
    client.send('before', { assocId: cid });
    const m = await first;
    const sock: SctpSocket = server.peeloff(m.assocId);
    expect(server.associations.has(m.assocId)).toBe(false);
    expect(sock.status().stateName).toBe('ESTABLISHED');
    const next = waitFor<SctpMessage>(sock, 'message');
    client.send('after', { assocId: cid }, { stream: 3, ppid: 9 });
    const n = await next;
    expect([n.data.toString(), n.stream, n.ppid]).toEqual(['after', 3, 9]);
    const back = waitFor<SctpMessage>(client, 'message');
    sock.send('from-peeled');
    expect((await back).data.toString()).toBe('from-peeled');
    // The endpoint no longer sees that association's traffic.
    let leaked = 0;
    server.on('message', () => leaked++);
    const two = collect(sock, 2);
    client.send('x', { assocId: cid });
    client.send('y', { assocId: cid });
    await two;
    expect(leaked).toBe(0);
    sock.close();
    client.close();
    server.close();
  });

  test('shutdown(assocId) ends one association gracefully and abort(assocId) another, with a reason', async () => {
    const { ep: server, port } = serverEndpoint();
    const a = createEndpoint();
    const b = createEndpoint();
    const ups: number[] = [];
    server.on('association', (i: SctpAssociationInfo) => ups.push(i.assocId));
    await a.connect('127.0.0.1', port);
    const bid = await b.connect('127.0.0.1', port);
    while (ups.length < 2) await new Promise((r) => setTimeout(r, 10));
    const aShut = waitFor<{ type: string }>(a, 'shutdown');
    const aEnd = waitFor<{ state: string }>(a, 'association-end');
    server.shutdown(ups[0]);
    await aShut;
    expect((await aEnd).state).toBe('SHUTDOWN_COMP');
    const bEnd = waitFor<{ assocId: number; state: string }>(b, 'association-end');
    const bNote = waitFor<{ state: string; info: Buffer }>(b, 'assoc-change', 10000, (n) => n.state === 'COMM_LOST');
    server.abort(ups[1], 'going away');
    const e = await bEnd;
    expect([e.assocId, e.state]).toEqual([bid, 'COMM_LOST']);
    // The ABORT chunk carries the user-initiated-abort cause with our reason.
    expect((await bNote).info.toString('latin1')).toContain('going away');
    expect(server.associations.size).toBe(0);
    a.close();
    b.close();
    server.close();
  });

  test('bindx adds and removes local addresses of a bound endpoint', async () => {
    const { ep } = serverEndpoint();
    ep.addAddresses(['127.0.0.5', '127.0.0.6']);
    expect(ep.localAddresses().map((a) => a.address).sort()).toEqual(['127.0.0.1', '127.0.0.5', '127.0.0.6']);
    ep.removeAddresses('127.0.0.5');
    expect(ep.localAddresses().map((a) => a.address).sort()).toEqual(['127.0.0.1', '127.0.0.6']);
    ep.close();
    expect(() => ep.send('x', { assocId: 1 })).toThrow(expect.objectContaining({ code: 'SHOAL_ERR_SCTP_SOCKET_CLOSED' }));
  });

  test('a message over maxMessageBytes aborts only that association and counts it', async () => {
    const { ep: server, port } = serverEndpoint({ maxMessageBytes: 10000 });
    const good = createEndpoint();
    const bad = createEndpoint();
    const gid = await good.connect('127.0.0.1', port);
    const bid = await bad.connect('127.0.0.1', port);
    const err = waitFor<Error & { code: string; assocId: number }>(server, 'association-error');
    const badEnd = waitFor<{ state: string }>(bad, 'association-end');
    bad.send(Buffer.alloc(50000), { assocId: bid });
    const e = await err;
    expect(e.code).toBe('SHOAL_ERR_SCTP_MESSAGE_TOO_LARGE');
    expect((await badEnd).state).toBe('COMM_LOST');
    expect(server.stats.messagesTooLarge).toBe(1);
    const ok = waitFor<SctpMessage>(server, 'message');
    good.send('still fine', { assocId: gid });
    expect((await ok).data.toString()).toBe('still fine');
    good.close();
    bad.close();
    server.close();
  });
});
