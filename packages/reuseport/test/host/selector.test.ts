// The selector on real reuseport groups, on loopback: two Node members join
// first, then a stranger (another process of the same user); with the
// selector attached for 2 sockets the stranger must receive nothing, without
// it the kernel's hash gives it about a third (which shows the test can fail).
import * as os from 'node:os';
import { attachSelector } from '../../src';
import { connectMany, sendMany, tcpMember, udpMember, waitFor, type Member } from './members';
import { startStranger, type Stranger } from '../../../../test/helpers/stranger';

const TOTAL = 1000;
/** The smallest share each Node member must get when the selector spreads over two (a fair share is 50%). */
const FAIR_SHARE = 0.2;
/** Datagrams sent before waiting for them to be read. */
const DATAGRAM_BATCH = 50;

const hasIpv6Loopback = Object.values(os.networkInterfaces()).some((list) => list?.some((a) => a.address === '::1'));
const HOSTS = hasIpv6Loopback ? ['127.0.0.1', '::1'] : ['127.0.0.1'];

type Kind = 'tcp' | 'udp';

interface Group {
  a: Member;
  b: Member;
  port: number;
  stranger: Stranger;
}

/** Two Node members (a then b), `beforeStranger` (attach or not), then the stranger. */
async function openGroup(kind: Kind, host: string, beforeStranger: (a: Member, b: Member) => void): Promise<Group> {
  const join = kind === 'tcp' ? tcpMember : udpMember;
  const a = await join(host, 0);
  const b = await join(host, a.port);
  beforeStranger(a, b);
  const stranger = await startStranger(kind, host, a.port);
  return { a, b, port: a.port, stranger };
}

async function closeGroup(g: Group): Promise<void> {
  g.stranger.kill();
  await Promise.allSettled([g.a.close(), g.b.close()]);
}

/** Sends TOTAL connections or datagrams; resolves with what each receiver got. */
async function traffic(kind: Kind, host: string, g: Group, open: Member[]): Promise<{ stranger: number; members: number[] }> {
  const before = open.map((m) => m.received);
  const got = (): number => open.reduce((sum, m, i) => sum + m.received - before[i], 0);
  let stranger = 0;
  if (kind === 'tcp') {
    await connectMany(host, g.port, TOTAL);
    stranger = await g.stranger.count();
    await waitFor(() => got() + stranger >= TOTAL);
  } else {
    // Datagrams have no flow control: a batch is sent only once the last one was read (by a member or by
    // the stranger, which runs in another process), so that no receive buffer overflows and each is counted.
    for (let sent = 0; sent < TOTAL; ) {
      const batch = Math.min(DATAGRAM_BATCH, TOTAL - sent);
      await sendMany(host, g.port, batch);
      sent += batch;
      const until = Date.now() + 2_000;
      // Each count is a round trip to the stranger, during which the members here read too.
      while (got() + stranger < sent && Date.now() < until) stranger += await g.stranger.count();
    }
  }
  return { stranger, members: open.map((m, i) => m.received - before[i]) };
}

describe.each(HOSTS)('a reuseport group on %s', (host) => {
  describe.each<Kind>(['tcp', 'udp'])('%s', (kind) => {
    test(`with the selector for 2, the stranger gets nothing and each Node member a fair share of ${TOTAL}`, async () => {
      const g = await openGroup(kind, host, (a) => attachSelector(a.fd, 2));
      try {
        const seen = await traffic(kind, host, g, [g.a, g.b]);
        console.log(`${kind} ${host} with the selector: stranger ${seen.stranger}, A ${seen.members[0]}, B ${seen.members[1]}`);
        expect(seen.stranger).toBe(0);
        expect(seen.members[0] + seen.members[1]).toBe(TOTAL);
        for (const n of seen.members) expect(n).toBeGreaterThanOrEqual(TOTAL * FAIR_SHARE);
      } finally {
        await closeGroup(g);
      }
    });

    test('without it, the kernel hash gives the stranger a share', async () => {
      const g = await openGroup(kind, host, () => undefined);
      try {
        const seen = await traffic(kind, host, g, [g.a, g.b]);
        console.log(`${kind} ${host} without a program: stranger ${seen.stranger}, A ${seen.members[0]}, B ${seen.members[1]}`);
        expect(seen.stranger).toBeGreaterThan(TOTAL * 0.1);
      } finally {
        await closeGroup(g);
      }
    });
  });
});

describe.each<Kind>(['tcp', 'udp'])('when a Node member leaves (%s, 127.0.0.1)', (kind) => {
  const host = '127.0.0.1';

  test('closing the second: the stranger moves into its index; re-attaching for 1 shuts it out again', async () => {
    const g = await openGroup(kind, host, (a) => attachSelector(a.fd, 2));
    try {
      await g.b.close(); // [A, B, stranger] -> [A, stranger]
      const stale = await traffic(kind, host, g, [g.a]);
      console.log(`${kind} after B closed, selector still for 2: stranger ${stale.stranger}, A ${stale.members[0]}`);
      expect(stale.stranger).toBeGreaterThanOrEqual(TOTAL * FAIR_SHARE);

      attachSelector(g.a.fd, 1);
      const fixed = await traffic(kind, host, g, [g.a]);
      console.log(`${kind} after re-attaching for 1: stranger ${fixed.stranger}, A ${fixed.members[0]}`);
      expect(fixed).toEqual({ stranger: 0, members: [TOTAL] });
    } finally {
      await closeGroup(g);
    }
  });

  test('the program belongs to the group: it outlives the socket it was attached through', async () => {
    const g = await openGroup(kind, host, (_a, b) => attachSelector(b.fd, 1));
    try {
      await g.b.close(); // the program was attached through B; [A, stranger] remain
      const seen = await traffic(kind, host, g, [g.a]);
      console.log(`${kind} program attached through B, B closed: stranger ${seen.stranger}, A ${seen.members[0]}`);
      expect(seen).toEqual({ stranger: 0, members: [TOTAL] });
    } finally {
      await closeGroup(g);
    }
  });

  test('closing the first: the stranger takes index 0, so "the first N" can no longer exclude it', async () => {
    const g = await openGroup(kind, host, (a) => attachSelector(a.fd, 2));
    try {
      await g.a.close(); // [A, B, stranger] -> [stranger, B]
      attachSelector(g.b.fd, 1);
      const seen = await traffic(kind, host, g, [g.b]);
      console.log(`${kind} after A closed and re-attaching for 1: stranger ${seen.stranger}, B ${seen.members[0]}`);
      expect(seen).toEqual({ stranger: TOTAL, members: [0] });
    } finally {
      await closeGroup(g);
    }
  });
});
