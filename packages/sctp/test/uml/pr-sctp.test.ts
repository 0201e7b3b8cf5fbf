// PR-SCTP policies besides TTL against the kernel: priority (SCTP_PR_SCTP_PRIO:
// a full send buffer drops lower-priority messages for a higher one),
// retransmission count (SCTP_PR_SCTP_RTX: abandoned after N retransmissions),
// SCTP_DEFAULT_PRINFO, and the abandoned counters (SCTP_PR_ASSOC_STATUS,
// SCTP_PR_STREAM_STATUS).
import { createEndpoint, type SctpEndpoint, type SctpMessage } from '../../src';
import { delay, waitFor } from './helpers';

async function endpoints(clientOpts: object = {}): Promise<{ server: SctpEndpoint; client: SctpEndpoint; id: number; sid: number }> {
  const server = createEndpoint({ receiveBufferSize: 1024 });
  const { port } = server.bind({ address: '127.0.0.1' });
  const up = waitFor<{ assocId: number }>(server, 'association');
  const client = createEndpoint({ sendBufferSize: 65536, ...clientOpts });
  const id = await client.connect('127.0.0.1', port);
  const sid = (await up).assocId;
  return { server, client, id, sid };
}

const LOW = 1; // ppid of low-priority messages
const HIGH = 2;

describe('PR-SCTP policies', () => {
  test('counters start at zero, for the association and per stream', async () => {
    const { server, client, id } = await endpoints();
    const zero = { unsent: 0, sent: 0 };
    expect(client.prStatus(id)).toEqual({ ttl: zero, rtx: zero, prio: zero, all: zero });
    expect(client.prStatus(id, 3)).toEqual({ ttl: zero, rtx: zero, prio: zero, all: zero });
    client.close();
    server.close();
  });

  // The sender's buffer is 2 x 64 KiB; the paused receiver (its buffer at the
  // kernel's minimum) takes a few messages. Thirty low-priority 3 KiB messages
  // fit; a 60000-byte high-priority one then does not, so the kernel abandons
  // low-priority ones to make room for it. (60000 bytes: one DATA chunk on lo,
  // which the receiver's tiny window takes whole once it reads again.)
  async function priorityRun(corked: boolean): Promise<void> {
    // Corked, the 90 KiB of low-priority messages wait in user space until uncork(): a highWaterMark above that keeps send() true.
    const { server, client, id } = await endpoints({ highWaterMark: 1 << 20 });
    server.pause();
    await delay(50);
    if (corked) client.cork();
    for (let i = 0; i < 30; i++) {
      expect(client.send(Buffer.alloc(3072, i), { assocId: id }, { stream: 1, ppid: LOW, priority: 9 })).toBe(true);
    }
    if (corked) expect(client.uncork()).toBe(true); // one sendmmsg, PRINFO on each message
    expect(client.queuedMessages).toBe(0);
    expect(client.prStatus(id).all).toEqual({ unsent: 0, sent: 0 });
    expect(client.send(Buffer.alloc(60000, 0xee), { assocId: id }, { stream: 2, ppid: HIGH, priority: 0 })).toBe(true);
    const st = client.prStatus(id);
    const abandoned = st.prio.unsent + st.prio.sent;
    expect(abandoned).toBeGreaterThan(0);
    expect(st.all.unsent + st.all.sent).toBe(abandoned);
    expect(st.ttl).toEqual({ unsent: 0, sent: 0 });
    expect(st.rtx).toEqual({ unsent: 0, sent: 0 });
    const s1 = client.prStatus(id, 1);
    expect(s1.prio.unsent + s1.prio.sent).toBe(abandoned);
    expect(client.prStatus(id, 2).prio).toEqual({ unsent: 0, sent: 0 });

    // Once the receiver reads again: the high-priority message arrives whole,
    // and every low one is delivered or was abandoned.
    const received: Record<number, number> = { [LOW]: 0, [HIGH]: 0 };
    let highBytes = 0;
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`after 20 s: received ${JSON.stringify(received)}, abandoned ${abandoned}, pr ${JSON.stringify(client.prStatus(id))}`)), 20000);
      server.on('message', (m: SctpMessage) => {
        received[m.ppid]++;
        if (m.ppid === HIGH) highBytes = m.data.length;
        if (received[HIGH] === 1 && received[LOW] + abandoned === 30) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    server.resume();
    await done;
    expect(highBytes).toBe(60000);
    await delay(200);
    expect(received).toEqual({ [LOW]: 30 - abandoned, [HIGH]: 1 });
    client.close();
    server.close();
  }

  test('priority: a full send buffer makes the kernel abandon lower-priority messages for a higher one', async () => {
    await priorityRun(false);
  });

  test('priority on corked messages: the batch (sendmmsg) carries the policy of each message', async () => {
    await priorityRun(true);
  });

  test('retransmission count: messages whose retransmissions run out are abandoned and counted', async () => {
    const fastRto = { rtoInfo: { initialMs: 100, minMs: 50, maxMs: 200 } };
    const { server, client, id } = await endpoints(fastRto);
    server.pause();
    await delay(50);
    let total = 0;
    for (let i = 0; i < 200; i++) {
      total++;
      if (!client.send(Buffer.alloc(4096, i & 0xff), { assocId: id }, { maxRetransmissions: 0, context: i })) break;
    }
    // Zero-window probes into a full receive buffer are dropped; each one is
    // retransmitted on T3 and with maxRetransmissions 0 abandoned at once.
    const deadline = Date.now() + 10000;
    let st = client.prStatus(id);
    while (st.rtx.sent + st.rtx.unsent === 0 && Date.now() < deadline) {
      await delay(200);
      st = client.prStatus(id);
    }
    expect(st.rtx.sent + st.rtx.unsent).toBeGreaterThan(0);
    expect(st.prio).toEqual({ unsent: 0, sent: 0 });
    let received = 0;
    server.on('message', () => received++);
    server.resume();
    const drained = client.queuedMessages === 0 ? Promise.resolve() : waitFor(client, 'drain', 30000);
    await drained;
    await delay(1000);
    const end = client.prStatus(id);
    // Every message was delivered or abandoned; one abandoned after its last
    // transmission reached the peer (its SACK came too late) is both.
    expect(received).toBeLessThanOrEqual(total);
    expect(received + end.rtx.sent + end.rtx.unsent).toBeGreaterThanOrEqual(total);
    expect(received).toBeLessThan(total);
    client.close();
    server.close();
  });

  test('defaultPrInfo is applied and read back; messages without a policy use it', async () => {
    const { server, client, id } = await endpoints({ defaultPrInfo: { policy: 'prio', value: 7 } });
    expect(client.getOptions().defaultPrInfo).toEqual({ policy: 'prio', value: 7 });
    expect(client.getOptions(id).defaultPrInfo).toEqual({ policy: 'prio', value: 7 });
    client.setOptions({ defaultPrInfo: { policy: 'rtx', value: 3 } }, id);
    expect(client.getOptions(id).defaultPrInfo).toEqual({ policy: 'rtx', value: 3 });
    client.close();
    server.close();
  });

  test('send info: one policy per message, each value checked', async () => {
    const { server, client, id } = await endpoints();
    expect(() => client.send('x', { assocId: id }, { ttlMs: 10, priority: 1 })).toThrow(/send info.priority must be absent when ttlMs is given/);
    expect(() => client.send('x', { assocId: id }, { maxRetransmissions: -1 })).toThrow(/maxRetransmissions must be an integer from 0 to 4294967295/);
    expect(() => client.send('x', { assocId: id }, { priority: 1.5 })).toThrow(/priority must be an integer/);
    client.close();
    server.close();
  });

});
