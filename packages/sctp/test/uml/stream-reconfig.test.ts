// RFC 6525 stream reconfiguration against the kernel: reset streams (SSNs
// start again at 0, the notification on both ends), add streams (the new
// outbound count, STREAM_CHANGE on both ends), reset the association, and a
// refusal that names what is missing.
import { connect, createEndpoint, createServer, isShoalError, type SctpEndpoint, type SctpMessage, type SctpSocket } from '../../src';
import type { AssocResetNotification, StreamChangeNotification, StreamResetNotification } from '../../src';
import { collect, waitFor } from './helpers';

const RECONF = {
  reconfig: true,
  streamReset: { resetStreams: true, resetAssociation: true, addStreams: true },
  events: { senderDry: true },
} as const;

async function endpoints(serverOpts: object = RECONF, clientOpts: object = RECONF): Promise<{ server: SctpEndpoint; client: SctpEndpoint; id: number; sid: number }> {
  const server = createEndpoint(serverOpts);
  const { port } = server.bind({ address: '127.0.0.1' });
  const up = waitFor<{ assocId: number }>(server, 'association');
  const client = createEndpoint(clientOpts);
  const id = await client.connect('127.0.0.1', port);
  const sid = (await up).assocId;
  return { server, client, id, sid };
}

/** Sends `n` messages on `stream` and resolves with them as received, once the sender has nothing unacknowledged. */
async function roundTrip(client: SctpEndpoint, server: SctpEndpoint, id: number, stream: number, n: number): Promise<SctpMessage[]> {
  const got = collect(server, n);
  const dry = waitFor(client, 'sender-dry', 10000, (d: { assocId: number }) => d.assocId === id);
  for (let i = 0; i < n; i++) client.send(Buffer.from(`s${stream}m${i}`), { assocId: id }, { stream });
  const msgs = await got;
  await dry;
  return msgs;
}

describe('stream reconfiguration (RFC 6525)', () => {
  test('options reach the kernel and the association negotiates reconfiguration', async () => {
    const { server, client, id, sid } = await endpoints();
    expect(client.getOptions().reconfig).toBe(true);
    expect(client.getOptions().streamReset).toEqual({ resetStreams: true, resetAssociation: true, addStreams: true });
    // Per association: both ends offered it.
    expect(client.getOptions(id).reconfig).toBe(true);
    expect(server.getOptions(sid).reconfig).toBe(true);
    client.close();
    server.close();
  });

  test('resetting an outgoing stream: stream-reset on both ends, its SSNs start again at 0, other streams carry on', async () => {
    const { server, client, id, sid } = await endpoints();
    expect((await roundTrip(client, server, id, 1, 3)).map((m) => [m.stream, m.ssn])).toEqual([[1, 0], [1, 1], [1, 2]]);
    expect((await roundTrip(client, server, id, 2, 2)).map((m) => m.ssn)).toEqual([0, 1]);

    const mine = waitFor<StreamResetNotification>(client, 'stream-reset');
    const theirs = waitFor<StreamResetNotification>(server, 'stream-reset');
    client.resetStreams(id, { direction: 'outgoing', streams: [1] });
    const [c, s] = await Promise.all([mine, theirs]);
    expect(c).toMatchObject({ type: 'stream-reset', assocId: id, outgoing: true, incoming: false, denied: false, failed: false, streams: [1] });
    expect(s).toMatchObject({ type: 'stream-reset', assocId: sid, incoming: true, outgoing: false, denied: false, failed: false, streams: [1] });

    expect((await roundTrip(client, server, id, 1, 2)).map((m) => [m.stream, m.ssn, m.data.toString()])).toEqual([[1, 0, 's1m0'], [1, 1, 's1m1']]);
    expect((await roundTrip(client, server, id, 2, 1)).map((m) => m.ssn)).toEqual([2]);
    client.close();
    server.close();
  });

  test('asking the peer to reset (incoming, every stream): the peer resets its outgoing streams', async () => {
    const { server, client, id, sid } = await endpoints();
    expect((await roundTrip(server, client, sid, 3, 2)).map((m) => m.ssn)).toEqual([0, 1]);
    const mine = waitFor<StreamResetNotification>(client, 'stream-reset');
    const theirs = waitFor<StreamResetNotification>(server, 'stream-reset');
    client.resetStreams(id, { direction: 'incoming' });
    const [c, s] = await Promise.all([mine, theirs]);
    expect(c).toMatchObject({ incoming: true, denied: false, streams: [] });
    expect(s).toMatchObject({ outgoing: true, denied: false, streams: [] });
    expect((await roundTrip(server, client, sid, 3, 1)).map((m) => m.ssn)).toEqual([0]);
    client.close();
    server.close();
  });

  test('adding streams: stream-change on both ends and the new outbound stream count is usable', async () => {
    const { server, client, id, sid } = await endpoints();
    expect(client.status(id).outboundStreams).toBe(16);
    const mine = waitFor<StreamChangeNotification>(client, 'stream-change');
    const theirs = waitFor<StreamChangeNotification>(server, 'stream-change');
    client.addStreams(id, { outbound: 4 });
    const [c, s] = await Promise.all([mine, theirs]);
    // Linux reports the numbers of streams added (RFC 6458 describes totals): status() has the totals.
    expect(c).toMatchObject({ type: 'stream-change', assocId: id, outboundStreams: 4, inboundStreams: 0, denied: false, failed: false });
    expect(s).toMatchObject({ type: 'stream-change', assocId: sid, inboundStreams: 4, outboundStreams: 0, denied: false });
    expect(client.status(id).outboundStreams).toBe(20);
    expect(server.status(sid).inboundStreams).toBe(20);
    const m = await roundTrip(client, server, id, 19, 1);
    expect(m[0]).toMatchObject({ stream: 19, ssn: 0 });
    client.close();
    server.close();
  });

  test('resetting the association: assoc-reset on both ends, every stream starts again at SSN 0', async () => {
    const { server, client, id, sid } = await endpoints();
    await roundTrip(client, server, id, 5, 3);
    const mine = waitFor<AssocResetNotification>(client, 'assoc-reset');
    const theirs = waitFor<AssocResetNotification>(server, 'assoc-reset');
    client.resetAssociation(id);
    const [c, s] = await Promise.all([mine, theirs]);
    expect(c).toMatchObject({ type: 'assoc-reset', assocId: id, denied: false, failed: false });
    expect(s).toMatchObject({ type: 'assoc-reset', assocId: sid, denied: false, failed: false });
    // Each end's next TSN as the other end sees it.
    expect(c.localTsn).toBe(s.remoteTsn);
    expect(c.remoteTsn).toBe(s.localTsn);
    expect((await roundTrip(client, server, id, 5, 1)).map((m) => m.ssn)).toEqual([0]);
    client.close();
    server.close();
  });

  test('one-to-one sockets: resetStreams and addStreams with notifications on both ends', async () => {
    const server = createServer(RECONF);
    const { port } = await server.listen({ address: '127.0.0.1' });
    const acceptedP = waitFor<SctpSocket>(server, 'connection');
    const client = await connect({ address: '127.0.0.1', port, options: RECONF });
    const accepted = await acceptedP;
    const change = waitFor<StreamChangeNotification>(accepted, 'stream-change');
    client.addStreams({ outbound: 2, inbound: 0 });
    expect((await change).inboundStreams).toBe(2);
    expect(accepted.status().inboundStreams).toBe(18);
    expect(client.status().outboundStreams).toBe(18);
    const reset = waitFor<StreamResetNotification>(accepted, 'stream-reset');
    client.resetStreams({ direction: 'outgoing', streams: [0, 17] });
    expect(await reset).toMatchObject({ incoming: true, streams: [0, 17] });
    client.close();
    accepted.close();
    await server.close();
  });

  test('a peer that does not do reconfiguration: the error names SCTP_RESET_STREAMS and what is missing', async () => {
    const { server, client, id } = await endpoints({ reconfig: false }, RECONF);
    expect(client.getOptions(id).reconfig).toBe(false);
    let err: unknown;
    try {
      client.resetStreams(id, { direction: 'outgoing' });
    } catch (e) {
      err = e;
    }
    expect(isShoalError(err, 'SHOAL_ERR_SCTP_FEATURE_UNAVAILABLE')).toBe(true);
    expect(err).toMatchObject({ code: 'ENOPROTOOPT', syscall: 'setsockopt', assocId: id, message: expect.stringContaining('SCTP_RESET_STREAMS') });
    expect((err as Error).message).toContain('options.reconfig');
    expect(() => client.addStreams(id, { outbound: 1 })).toThrow(expect.objectContaining({ code: 'ENOPROTOOPT', message: expect.stringContaining('SCTP_ADD_STREAMS') }));
    client.close();
    server.close();
  });

  test('a peer that does reconfiguration but not stream resets denies the request', async () => {
    const { server, client, id } = await endpoints({ reconfig: true, streamReset: { resetStreams: false, resetAssociation: false, addStreams: false } }, RECONF);
    const mine = waitFor<StreamResetNotification>(client, 'stream-reset');
    client.resetStreams(id, { direction: 'outgoing', streams: [2] });
    expect(await mine).toMatchObject({ denied: true, streams: [2] });
    client.close();
    server.close();
  });

  test('arguments are checked before the kernel sees them', async () => {
    const { server, client, id } = await endpoints();
    expect(() => client.resetStreams(id, { direction: 'sideways' as never })).toThrow(/request.direction must be 'incoming', 'outgoing' or 'both'/);
    expect(() => client.resetStreams(id, { direction: 'outgoing', streams: [70000] })).toThrow(/request.streams\[0\] must be an integer from 0 to 65535/);
    expect(() => client.addStreams(id, {})).toThrow(/request must be at least one of inbound or outbound above 0/);
    expect(() => client.resetAssociation(0)).toThrow(/assocId must be an association id/);
    client.close();
    server.close();
  });
});
