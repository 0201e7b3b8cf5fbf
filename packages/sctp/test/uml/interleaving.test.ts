// RFC 8260 message interleaving (I-DATA) against the kernel: with it and a
// round-robin stream scheduler, small messages on one stream are not held up
// behind a large message on another; without it they wait (the control).
//
// The kernel switch net.sctp.intl_enable is off by default; these tests turn
// it on in the guest (and check the error that names it while it is off).
//
// On loopback in a one-CPU guest a sendmsg of 2 MiB goes out whole before the
// next call (the SACKs come back inside it), so nothing could interleave: a
// netem delay of 5 ms each way on lo gives the association a 10 ms RTT, and
// congestion control then keeps most of the large message queued while the
// small ones are sent.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createEndpoint, isShoalError, type SctpEndpoint, type SctpMessage } from '../../src';
import { collect, waitFor } from './helpers';

const INTL = '/proc/sys/net/sctp/intl_enable';
const BIG = 2 << 20;
const SMALL = 20;

function setIntl(on: boolean): void {
  fs.writeFileSync(INTL, on ? '1' : '0');
}

async function endpoints(interleaving: boolean, receiverExtra: object = {}): Promise<{ server: SctpEndpoint; client: SctpEndpoint; id: number; sid: number }> {
  const common = { sendBufferSize: 4 << 20, receiveBufferSize: 4 << 20, maxMessageBytes: 4 << 20 };
  const server = createEndpoint({ ...common, interleaving, ...receiverExtra });
  const { port } = server.bind({ address: '127.0.0.1' });
  const client = createEndpoint({ ...common, interleaving, streamScheduler: 'rr' });
  const up = waitFor<{ assocId: number }>(server, 'association');
  const id = await client.connect('127.0.0.1', port);
  const sid = (await up).assocId;
  return { server, client, id, sid };
}

function bigMessage(): Buffer {
  const b = Buffer.alloc(BIG);
  for (let i = 0; i < BIG; i += 4) b.writeUInt32BE(i, i);
  return b;
}

/** Sends one large message on stream 1, then SMALL small ones on stream 2; returns the arrival order. */
async function race(client: SctpEndpoint, server: SctpEndpoint, id: number): Promise<SctpMessage[]> {
  const got = collect(server, SMALL + 1, 60000);
  client.send(bigMessage(), { assocId: id }, { stream: 1, ppid: 1 });
  for (let i = 0; i < SMALL; i++) client.send(Buffer.from(`small ${i}`), { assocId: id }, { stream: 2, ppid: 2 });
  return got;
}

function checkIntact(msgs: SctpMessage[]): void {
  const big = msgs.filter((m) => m.stream === 1);
  const small = msgs.filter((m) => m.stream === 2);
  expect(big).toHaveLength(1);
  expect(big[0].data.equals(bigMessage())).toBe(true);
  expect(small.map((m) => m.data.toString())).toEqual(Array.from({ length: SMALL }, (_, i) => `small ${i}`));
  expect(small.map((m) => m.ssn)).toEqual(Array.from({ length: SMALL }, (_, i) => i));
}

describe('message interleaving (RFC 8260)', () => {
  let before = '0';
  beforeAll(() => {
    before = fs.readFileSync(INTL, 'utf8').trim();
    const release = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
    if (!fs.existsSync('/sys/module/sch_netem')) {
      execFileSync('insmod', [`/usr/lib/uml/modules/${release}/kernel/net/sched/sch_netem.ko`], { stdio: 'pipe' });
    }
    execFileSync('tc', ['qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '5ms', 'limit', '100000'], { stdio: 'pipe' });
  });
  afterAll(() => {
    execFileSync('tc', ['qdisc', 'del', 'dev', 'lo', 'root'], { stdio: 'pipe' });
    fs.writeFileSync(INTL, before);
  });

  test('with net.sctp.intl_enable=0 the error names SCTP_INTERLEAVING_SUPPORTED and the sysctl', () => {
    setIntl(false);
    let err: unknown;
    try {
      createEndpoint({ interleaving: true }).close();
    } catch (e) {
      err = e;
    }
    expect(isShoalError(err, 'SHOAL_ERR_SCTP_FEATURE_UNAVAILABLE')).toBe(true);
    expect(err).toMatchObject({ code: 'EPERM', message: expect.stringContaining('SCTP_INTERLEAVING_SUPPORTED') });
    expect((err as Error).message).toContain('net.sctp.intl_enable');
  });

  test('both ends negotiate I-DATA; options read back', async () => {
    setIntl(true);
    const { server, client, id, sid } = await endpoints(true);
    expect(client.getOptions().interleaving).toBe(true);
    expect(client.getOptions().streamScheduler).toBe('rr');
    expect(client.getOptions(id).interleaving).toBe(true);
    expect(server.getOptions(sid).interleaving).toBe(true);
    client.close();
    server.close();
  });

  test('control, without interleaving: the small messages wait behind the large one', async () => {
    setIntl(true);
    const { server, client, id } = await endpoints(false);
    const msgs = await race(client, server, id);
    checkIntact(msgs);
    expect(msgs[0].stream).toBe(1);
    client.close();
    server.close();
  });

  test('with interleaving, a large message on stream 1 does not hold up small ones on stream 2', async () => {
    setIntl(true);
    const { server, client, id } = await endpoints(true);
    const msgs = await race(client, server, id);
    checkIntact(msgs);
    // Every small message arrived before the large one was complete.
    expect(msgs.findIndex((m) => m.stream === 1)).toBe(SMALL);
    client.close();
    server.close();
  });

  // NEEDS PER-(ASSOCIATION, STREAM) REASSEMBLY. Here the receiver delivers the
  // large message in parts (partialDeliveryPoint 64 KiB), and the kernel puts
  // the small messages of stream 2 between those parts (interleave level 2).
  // The addon's reassembly is per socket until the ReadData rewrite (another
  // branch) keys it per association and stream: until that lands, this test
  // fails because a small message is appended to the large one's parts.
  test('with partial delivery, parts of the large message and the small ones interleave intact', async () => {
    setIntl(true);
    const { server, client, id } = await endpoints(true, { partialDeliveryPoint: 65536 });
    const msgs = await race(client, server, id);
    checkIntact(msgs);
    expect(msgs.findIndex((m) => m.stream === 1)).toBe(SMALL);
    client.close();
    server.close();
  });
});
