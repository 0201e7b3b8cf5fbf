// One-to-one style on a real kernel: messages with stream/PPID, unordered,
// reassembly, limits, shutdown and abort, backpressure, options, status.
import { connect, createServer, type SctpNotification, type SctpSocket } from '../../src';
import { collect, delay, openFds, pair, waitFor } from './helpers';

describe('one-to-one style', () => {
  test('messages keep their boundaries, streams and PPIDs in both directions', async () => {
    const p = await pair();
    const got = collect(p.accepted, 6);
    for (let i = 0; i < 6; i++) expect(p.client.send(Buffer.from(`m${i}`), { stream: i % 3, ppid: 1000 + i })).toBe(true);
    const msgs = await got;
    expect(msgs.map((m) => m.data.toString())).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    expect(msgs.map((m) => m.stream)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(msgs.map((m) => m.ppid)).toEqual([1000, 1001, 1002, 1003, 1004, 1005]);
    // SSNs count per stream; TSNs rise by one per message; all on one association.
    expect(msgs.map((m) => m.ssn)).toEqual([0, 0, 0, 1, 1, 1]);
    for (let i = 1; i < 6; i++) expect(msgs[i].tsn).toBe((msgs[i - 1].tsn + 1) >>> 0);
    expect(new Set(msgs.map((m) => m.assocId)).size).toBe(1);
    expect(msgs[0].assocId).toBe(p.accepted.assocId);
    const back = waitFor<{ data: Buffer; ppid: number; stream: number }>(p.client, 'message');
    p.accepted.send('reply', { stream: 5, ppid: 0xfffffffe });
    const r = await back;
    expect([r.data.toString(), r.stream, r.ppid]).toEqual(['reply', 5, 0xfffffffe]);
    await p.close();
  });

  test('IPv6: an association over ::1', async () => {
    const server = createServer();
    const { port, addresses } = await server.listen({ address: '::1' });
    expect(addresses).toEqual([{ address: '::1', port, family: 'IPv6' }]);
    const acceptedP = waitFor<SctpSocket>(server, 'connection');
    const client = await connect({ address: '::1', port });
    const accepted = await acceptedP;
    const got = waitFor<{ data: Buffer; stream: number }>(accepted, 'message');
    client.send('over v6', { stream: 1 });
    expect((await got).data.toString()).toBe('over v6');
    expect(client.remoteAddresses()).toEqual([{ address: '::1', port, family: 'IPv6' }]);
    expect(accepted.remoteAddresses()[0].family).toBe('IPv6');
    client.close();
    accepted.close();
    await server.close();
  });

  test('unordered messages are flagged unordered with no SSN', async () => {
    const p = await pair();
    const got = collect(p.accepted, 2);
    p.client.send('u', { stream: 1, unordered: true });
    p.client.send('o', { stream: 1 });
    const [u, o] = (await got).sort((a, b) => a.data.toString().localeCompare(b.data.toString())).reverse();
    expect(u.data.toString()).toBe('u');
    expect(u.unordered).toBe(true);
    expect(o.unordered).toBe(false);
    await p.close();
  });

  test('large messages are reassembled (1 MiB and 3 MiB)', async () => {
    const p = await pair({}, { sendBufferSize: 4 << 20 });
    const big1 = Buffer.alloc(1 << 20, 7);
    const big4 = Buffer.alloc(3 << 20);
    for (let i = 0; i < big4.length; i += 4) big4.writeUInt32LE(i, i);
    const got = collect(p.accepted, 3, 60000);
    p.client.send(big1, { ppid: 9 });
    p.client.send('small');
    p.client.send(big4, { ppid: 10 });
    const msgs = await got;
    expect(msgs[0].data.equals(big1)).toBe(true);
    expect(msgs[0].ppid).toBe(9);
    expect(msgs[1].data.toString()).toBe('small');
    expect(msgs[2].data.length).toBe(big4.length);
    expect(msgs[2].data.equals(big4)).toBe(true);
    await p.close();
  });

  test('a message over maxMessageBytes aborts the association with a clear error and a counter', async () => {
    const p = await pair({ maxMessageBytes: 100000 });
    const err = waitFor<Error & { code: string }>(p.accepted, 'error');
    const lost = waitFor<Error & { code: string }>(p.client, 'error');
    p.client.send(Buffer.alloc(50000));
    p.client.send(Buffer.alloc(300000));
    const e = await err;
    expect(e.code).toBe('SHOAL_ERR_SCTP_MESSAGE_TOO_LARGE');
    expect(e.message).toMatch(/raise maxMessageBytes/);
    expect(p.accepted.stats.messagesTooLarge).toBe(1);
    expect(p.accepted.stats.messagesIn).toBe(1);
    expect(await lost).toMatchObject({ code: 'ECONNRESET', shoalCode: 'SHOAL_ERR_SCTP_ASSOC_LOST', errno: -104 });
    await p.close();
  });

  test('graceful end: the peer sees end and close; the socket frees its fd', async () => {
    const before = openFds();
    const p = await pair();
    const got = collect(p.accepted, 3);
    const ended = waitFor(p.accepted, 'end');
    const closed = waitFor(p.accepted, 'close');
    p.client.send('a');
    p.client.send('b');
    p.client.send('c');
    await p.client.end();
    expect((await got).map((m) => m.data.toString())).toEqual(['a', 'b', 'c']);
    await ended;
    await closed;
    expect(p.client.isClosed).toBe(true);
    expect(p.accepted.isClosed).toBe(true);
    await p.server.close();
    await delay(50);
    expect(openFds()).toBe(before);
  });

  test('abort: the peer gets SHOAL_ERR_SCTP_ASSOC_LOST with code ECONNRESET (as node:net) and a COMM_LOST notification', async () => {
    const p = await pair();
    const note = waitFor<SctpNotification>(p.accepted, 'assoc-change', 10000, (n) => (n as { state: string }).state === 'COMM_LOST');
    const err = waitFor<Error & { code: string }>(p.accepted, 'error');
    p.client.abort();
    expect(await err).toMatchObject({ code: 'ECONNRESET', shoalCode: 'SHOAL_ERR_SCTP_ASSOC_LOST', syscall: 'recvmsg' });
    const n = (await note) as { state: string; info: Buffer };
    expect(n.state).toBe('COMM_LOST');
    await p.close();
  });

  test('connect to a port with no listener fails with SHOAL_ERR_SCTP_CONNECT_FAILED', async () => {
    const server = createServer();
    const { port } = await server.listen({ address: '127.0.0.1' });
    await server.close();
    await expect(connect({ address: '127.0.0.1', port })).rejects.toMatchObject({ code: expect.stringMatching(/^E[A-Z]+$/), shoalCode: 'SHOAL_ERR_SCTP_CONNECT_FAILED', syscall: 'connect' });
  });

  test('backpressure: send() returns false under a slow reader, then drain; nothing is lost or reordered', async () => {
    const small = { sendBufferSize: 65536, receiveBufferSize: 65536 };
    const p = await pair(small, small);
    p.accepted.pause();
    const chunk = Buffer.alloc(8192, 1);
    let sent = 0;
    while (p.client.send(Buffer.concat([Buffer.from(String(sent).padStart(8, '0')), chunk]))) sent++;
    sent++; // the one that returned false is queued, not lost
    expect(p.client.queuedMessages).toBeGreaterThan(0);
    expect(p.client.stats.backpressure).toBeGreaterThan(0);
    const drained = waitFor(p.client, 'drain');
    const got = collect(p.accepted, sent, 60000);
    await delay(100);
    p.accepted.resume();
    await drained;
    const msgs = await got;
    expect(msgs.map((m) => Number(m.data.subarray(0, 8).toString()))).toEqual([...Array(sent).keys()]);
    await p.close();
  });

  test('every option is set and read back', async () => {
    const server = createServer();
    const { port } = await server.listen({ address: '127.0.0.1' });
    const accepted = waitFor<SctpSocket>(server, 'connection');
    const client = await connect({
      address: '127.0.0.1', port,
      options: {
        noDelay: false, sendBufferSize: 200000, receiveBufferSize: 150000,
        initMsg: { outStreams: 33, maxInStreams: 44, maxAttempts: 3, maxInitTimeoutMs: 2000 },
        rtoInfo: { initialMs: 700, maxMs: 5000, minMs: 300 },
        assocInfo: { maxRetrans: 7, cookieLifeMs: 30000 },
        peerAddrParams: { hbIntervalMs: 4000, pathMaxRetrans: 3 },
        delayedSack: { delayMs: 40, freq: 3 },
        defaultSendInfo: { stream: 2, ppid: 77, unordered: true, context: 5 },
        disableFragments: true, maxSegment: 1200, reusePort: true, adaptationIndication: 0xabc,
        events: { senderDry: true, partialDelivery: false },
      },
    });
    const o = client.getOptions();
    expect(o.noDelay).toBe(false);
    expect(o.sendBufferSize).toBe(400000); // the kernel doubles SO_SNDBUF
    expect(o.receiveBufferSize).toBe(300000);
    expect(o.initMsg).toEqual({ outStreams: 33, maxInStreams: 44, maxAttempts: 3, maxInitTimeoutMs: 2000 });
    expect(o.rtoInfo).toEqual({ initialMs: 700, maxMs: 5000, minMs: 300 });
    expect(o.assocInfo.maxRetrans).toBe(7);
    expect(o.assocInfo.numberPeerDestinations).toBe(1);
    expect(o.peerAddrParams.hbIntervalMs).toBe(4000);
    expect(o.peerAddrParams.pathMaxRetrans).toBe(3);
    expect(o.delayedSack).toEqual({ delayMs: 40, freq: 3 });
    expect(o.defaultSendInfo).toEqual({ stream: 2, ppid: 77, unordered: true, context: 5 });
    expect(o.disableFragments).toBe(true);
    expect(o.maxSegment).toBeLessThanOrEqual(1200);
    expect(o.maxSegment).toBeGreaterThan(1000);
    expect(o.reusePort).toBe(true);
    expect(o.adaptationIndication).toBe(0xabc);
    expect(o.events.senderDry).toBe(true);
    expect(o.events.partialDelivery).toBe(false);
    expect(o.events.assocChange).toBe(true);
    // The default send info is used when send() gets none.
    const s = await accepted;
    const m = waitFor<{ stream: number; ppid: number; unordered: boolean }>(s, 'message');
    client.send('x');
    expect(await m).toMatchObject({ stream: 2, ppid: 77, unordered: true });
    // Changing options later applies just those.
    client.setOptions({ noDelay: true, delayedSack: { delayMs: 10, freq: 2 } });
    expect(client.getOptions().noDelay).toBe(true);
    expect(client.getOptions().delayedSack).toEqual({ delayMs: 10, freq: 2 });
    // The defaults are the fast ones.
    const d = s.getOptions();
    expect(d.noDelay).toBe(true);
    expect(d.delayedSack).toEqual({ delayMs: 10, freq: 2 });
    // 1 MiB asked, doubled by the kernel, capped at 2 x rmem_max (8 MiB in the suite).
    expect(d.receiveBufferSize).toBe(2 << 20);
    // STATUS
    const st = client.status();
    expect(st.stateName).toBe('ESTABLISHED');
    expect(st.outboundStreams).toBe(16); // the server accepts at most its 16 inbound
    expect(st.inboundStreams).toBe(16);
    expect(st.primary.address).toMatchObject({ address: '127.0.0.1', port });
    expect(client.remoteAddresses()).toEqual([{ address: '127.0.0.1', port, family: 'IPv4' }]);
    client.close();
    s.close();
    await server.close();
  });

  test('bad arguments throw before reaching the kernel, naming the field', async () => {
    const p = await pair();
    expect(() => p.client.send(42 as unknown as Buffer)).toThrow(/data must be a Buffer/);
    expect(() => p.client.send('x', { stream: 70000 })).toThrow(/stream must be an integer from 0 to 65535/);
    expect(() => p.client.send('x', { ppid: -1 })).toThrow(expect.objectContaining({ code: 'SHOAL_ERR_SCTP_INVALID_ARGUMENT' }));
    expect(() => p.client.setOptions({ delayedSack: { delayMs: 0 } })).toThrow(/options\.delayedSack\.delayMs must be an integer from 1 to 500, got 0/);
    expect(() => p.client.setPrimary('not-an-ip', 1)).toThrow(/address must be an IPv4 or IPv6/);
    // A stream beyond the negotiated ones is the kernel's EINVAL, reported ('send-error'), not fatal.
    const err = waitFor<Error & { code: string; shoalCode: string; errno: number; syscall: string }>(p.client, 'send-error');
    p.client.send('x', { stream: 100 });
    expect(await err).toMatchObject({ code: 'EINVAL', shoalCode: 'SHOAL_ERR_SCTP_SYSCALL', errno: -22, syscall: 'sendmsg' });
    expect(p.client.readyState).toBe('open');
    await p.close();
  });
});
