// Notifications that can be provoked on one host: adaptation indication,
// sender dry, send failed, partial delivery (aborted), shutdown, assoc change.
// (Peer address changes are covered in multihoming.test.ts.)
import { connect, createEndpoint, createServer, type SctpMessage, type SctpNotification, type SctpSocket } from '../../src';
import { delay, waitFor } from './helpers';

describe('notifications', () => {
  test('adaptation indication reaches the peer at set-up', async () => {
    const server = createEndpoint();
    const { port } = server.bind({ address: '127.0.0.1' });
    const note = waitFor<{ adaptationInd: number; assocId: number }>(server, 'adaptation-indication');
    const client = createEndpoint({ adaptationIndication: 0x5eed });
    await client.connect('127.0.0.1', port);
    const n = await note;
    expect(n.adaptationInd).toBe(0x5eed);
    expect(server.associations.has(n.assocId)).toBe(true);
    client.close();
    server.close();
  });

  test('sender dry follows once everything sent is acknowledged', async () => {
    const server = createEndpoint();
    const { port } = server.bind({ address: '127.0.0.1' });
    const client = createEndpoint({ events: { senderDry: true } });
    const id = await client.connect('127.0.0.1', port);
    await delay(50);
    const dry = waitFor<{ type: string; assocId: number }>(client, 'sender-dry', 10000);
    client.send(Buffer.alloc(20000), { assocId: id });
    const d = await dry;
    expect(d).toMatchObject({ type: 'sender-dry', assocId: id });
    expect(client.status(id).unackData).toBe(0);
    client.close();
    server.close();
  });

  test('send failed: messages still queued when the peer aborts come back with their data', async () => {
    const server = createEndpoint({ receiveBufferSize: 16384 });
    const { port } = server.bind({ address: '127.0.0.1' });
    const client = createEndpoint();
    const failed: SctpNotification[] = [];
    client.on('send-failed', (n: SctpNotification) => failed.push(n));
    const id = await client.connect('127.0.0.1', port);
    server.pause();
    for (let i = 0; i < 64; i++) client.send(Buffer.alloc(4096, i), { assocId: id }, { context: 1000 + i, ppid: 5 });
    await delay(300);
    const end = waitFor<{ state: string }>(client, 'association-end');
    const sid = [...server.associations.keys()][0];
    server.abort(sid);
    expect((await end).state).toBe('COMM_LOST');
    expect(failed.length).toBeGreaterThan(0);
    const f = failed[0] as { type: string; context: number; ppid: number; data: Buffer; assocId: number };
    expect(f.type).toBe('send-failed');
    expect(f.ppid).toBe(5);
    expect(f.context).toBeGreaterThanOrEqual(1000);
    expect(f.data.length).toBe(4096);
    expect(f.data[0]).toBe(f.context - 1000);
    client.close();
    server.close();
  });

  test('partial reliability: messages with ttlMs that cannot be sent in time are abandoned and reported', async () => {
    const server = createEndpoint({ receiveBufferSize: 16384 });
    const { port } = server.bind({ address: '127.0.0.1' });
    const client = createEndpoint();
    const id = await client.connect('127.0.0.1', port);
    expect(client.getOptions(id).events.sendFailed).toBe(true);
    const failed: { context: number; unsent: boolean }[] = [];
    client.on('send-failed', (n: { context: number; unsent: boolean }) => failed.push(n));
    let received = 0;
    server.on('message', () => received++);
    server.pause(); // the window closes: later messages wait in the sender's queue
    for (let i = 0; i < 100; i++) client.send(Buffer.alloc(4096, i), { assocId: id }, { ttlMs: 100, context: i });
    await delay(600); // past every message's lifetime
    server.resume();
    await delay(600);
    // Some went out before the window closed; the rest expired and came back.
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(100);
    expect(failed.length).toBeGreaterThan(0);
    expect(received + failed.length).toBeLessThanOrEqual(100);
    expect(failed.every((f) => f.context >= 0 && f.context < 100)).toBe(true);
    client.close();
    server.close();
  });

  test('partial delivery: an aborted large message is reported and its part dropped', async () => {
    const server = createServer({ receiveBufferSize: 16384, partialDeliveryPoint: 4096 });
    const { port } = await server.listen({ address: '127.0.0.1' });
    const acceptedP = waitFor<SctpSocket>(server, 'connection');
    const client = await connect({ address: '127.0.0.1', port, options: { sendBufferSize: 4 << 20 } });
    const accepted = await acceptedP;
    expect(accepted.getOptions().partialDeliveryPoint).toBe(4096);
    const notes: SctpNotification[] = [];
    const msgs: SctpMessage[] = [];
    accepted.on('notification', (n: SctpNotification) => notes.push(n));
    accepted.on('message', (m: SctpMessage) => msgs.push(m));
    accepted.on('error', () => undefined);
    accepted.pause();
    client.send(Buffer.alloc(1 << 20, 1));
    await delay(300);
    client.abort();
    await delay(100);
    const closed = new Promise((resolve) => accepted.once('close', resolve));
    accepted.resume();
    await closed;
    const pd = notes.find((n) => n.type === 'partial-delivery') as { indication: number } | undefined;
    expect(pd).toBeDefined();
    expect(pd!.indication).toBe(0); // SCTP_PARTIAL_DELIVERY_ABORTED
    expect(msgs).toHaveLength(0);
    expect(notes.some((n) => n.type === 'assoc-change' && n.state === 'COMM_LOST')).toBe(true);
    await server.close();
  });

  test('shutdown event and SHUTDOWN_COMP on a graceful end', async () => {
    const server = createServer();
    const { port } = await server.listen({ address: '127.0.0.1' });
    const acceptedP = waitFor<SctpSocket>(server, 'connection');
    const client = await connect({ address: '127.0.0.1', port });
    const accepted = await acceptedP;
    const shut = waitFor<{ type: string }>(accepted, 'shutdown');
    const comp = waitFor<{ state: string }>(client, 'assoc-change', 10000, (n) => n.state === 'SHUTDOWN_COMP');
    const end = client.end();
    await shut;
    await comp;
    await end;
    await server.close();
  });
});
