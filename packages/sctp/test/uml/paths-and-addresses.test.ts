// Paths and addresses against the kernel: options changed on a one-to-many
// endpoint reach its live associations (SCTP_ALL_ASSOC or each id), RFC 7829
// potentially-failed/primary-switchover thresholds, setting the peer's
// primary address (RFC 5061 ASCONF), address lists longer than 64, and IPv6
// link-local addresses with a zone ("fe80::..%dummy0", "%<index>").
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { connect, createEndpoint, createServer, isShoalError, type SctpEndpoint, type SctpSocket } from '../../src';
import type { PeerAddrChangeNotification } from '../../src';
import { blockPath, collect, delay, waitFor } from './helpers';

const ip = (...args: string[]): void => {
  execFileSync('ip', args, { stdio: 'pipe' });
};

async function endpointWithClients(n: number, serverOpts: object = {}): Promise<{ server: SctpEndpoint; clients: SctpEndpoint[]; ids: number[] }> {
  const server = createEndpoint(serverOpts);
  const { port } = server.bind({ address: '127.0.0.1' });
  const clients: SctpEndpoint[] = [];
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const up = waitFor<{ assocId: number }>(server, 'association');
    const c = createEndpoint();
    await c.connect('127.0.0.1', port);
    clients.push(c);
    ids.push((await up).assocId);
  }
  return { server, clients, ids };
}

describe('options on a one-to-many endpoint reach live associations', () => {
  test('setOptions without assocId changes the defaults and every live association', async () => {
    const { server, clients, ids } = await endpointWithClients(2);
    const before = server.getOptions(ids[0]);
    expect(before.delayedSack).toEqual({ delayMs: 10, freq: 2 });
    server.setOptions({
      delayedSack: { delayMs: 40, freq: 2 }, // SCTP_ALL_ASSOC
      defaultSendInfo: { stream: 3, ppid: 9, unordered: false, context: 0 }, // SCTP_ALL_ASSOC
      rtoInfo: { initialMs: 500, minMs: 100, maxMs: 900 }, // the kernel takes only an id or FUTURE: set one by one
      peerAddrParams: { hbIntervalMs: 7000, pathMaxRetrans: 3 },
      peerAddrThresholds: { pathMaxRetrans: 3, pfThreshold: 1, psThreshold: 2 },
      events: { senderDry: true },
    });
    for (const id of [0, ...ids]) {
      const o = server.getOptions(id);
      expect({ id, delayedSack: o.delayedSack }).toEqual({ id, delayedSack: { delayMs: 40, freq: 2 } });
      expect({ id, si: o.defaultSendInfo }).toEqual({ id, si: { stream: 3, ppid: 9, unordered: false, context: 0 } });
      expect({ id, rto: o.rtoInfo }).toEqual({ id, rto: { initialMs: 500, minMs: 100, maxMs: 900 } });
      expect({ id, hb: o.peerAddrParams.hbIntervalMs, rx: o.peerAddrParams.pathMaxRetrans }).toEqual({ id, hb: 7000, rx: 3 });
      expect({ id, th: o.peerAddrThresholds }).toEqual({ id, th: { pathMaxRetrans: 3, pfThreshold: 1, psThreshold: 2 } });
      expect({ id, dry: o.events.senderDry }).toEqual({ id, dry: true });
    }
    // With an assocId, only that association changes.
    server.setOptions({ delayedSack: { delayMs: 70, freq: 2 } }, ids[1]);
    expect(server.getOptions(ids[1]).delayedSack.delayMs).toBe(70);
    expect(server.getOptions(ids[0]).delayedSack.delayMs).toBe(40);
    expect(server.getOptions(0).delayedSack.delayMs).toBe(40);
    for (const c of clients) c.close();
    server.close();
  });

  test('a new association gets the changed defaults', async () => {
    const { server, clients, ids } = await endpointWithClients(1);
    server.setOptions({ delayedSack: { delayMs: 30, freq: 2 }, rtoInfo: { initialMs: 400, minMs: 100, maxMs: 800 } });
    const { port } = server.address();
    const up = waitFor<{ assocId: number }>(server, 'association');
    const late = createEndpoint();
    await late.connect('127.0.0.1', port);
    const id = (await up).assocId;
    expect(id).not.toBe(ids[0]);
    // (Multiples of 10 ms: an association keeps it in jiffies, HZ=100 in the guest.)
    expect(server.getOptions(id).delayedSack.delayMs).toBe(30);
    expect(server.getOptions(id).rtoInfo.initialMs).toBe(400);
    late.close();
    for (const c of clients) c.close();
    server.close();
  });
});

describe('potentially-failed thresholds (RFC 7829)', () => {
  test('peerAddrThresholds at open, read back from the socket and the association', async () => {
    const th = { pathMaxRetrans: 4, pfThreshold: 2, psThreshold: 3 };
    const server = createServer();
    const { port } = await server.listen({ address: '127.0.0.1' });
    const acceptedP = waitFor<SctpSocket>(server, 'connection');
    const client = await connect({ address: '127.0.0.1', port, options: { peerAddrThresholds: th } });
    expect(client.getOptions().peerAddrThresholds).toEqual(th);
    client.setOptions({ peerAddrThresholds: { pfThreshold: 0 } });
    expect(client.getOptions().peerAddrThresholds).toEqual({ ...th, pfThreshold: 0 });
    expect(() => client.setOptions({ peerAddrThresholds: { pfThreshold: 9, psThreshold: 3 } })).toThrow(/peerAddrThresholds.pfThreshold must be at most peerAddrThresholds.psThreshold \(3\), got 9/);
    client.close();
    (await acceptedP).close();
    await server.close();
  });
});


/** The states a failing primary path goes through (SCTP_GET_PEER_ADDR_INFO, polled), until INACTIVE. */
async function failingPathStates(pfThreshold: number, a: string, b: string): Promise<string[]> {
  const fast = {
    peerAddrParams: { hbIntervalMs: 100, pathMaxRetrans: 4 },
    rtoInfo: { initialMs: 100, maxMs: 200, minMs: 50 },
    // The association outlives the path: without PF, new data keeps going to
    // the failing primary until it is INACTIVE, and each timeout counts
    // against the association too.
    assocInfo: { maxRetrans: 100, cookieLifeMs: 60000 },
  };
  const server = createServer(fast);
  const { port } = await server.listen({ address: [a, b] });
  const acceptedP = waitFor<SctpSocket>(server, 'connection');
  const client = await connect({
    address: [a, b], port, localAddress: '127.0.0.21',
    options: { ...fast, peerAddrThresholds: { pathMaxRetrans: 4, pfThreshold, psThreshold: 65535 } },
  });
  const accepted = await acceptedP;
  accepted.on('message', () => undefined);
  client.setPrimary(a, port);
  const states: string[] = [];
  const errors: Error[] = [];
  client.on('error', (e: Error) => errors.push(e));
  accepted.on('error', (e: Error) => errors.push(e));
  const unblock = blockPath(a);
  try {
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline && errors.length === 0) {
      client.send('keep the path busy');
      const st = client.peerAddressInfo(a, port).stateName;
      if (states[states.length - 1] !== st) states.push(st);
      if (st === 'INACTIVE') break;
      await delay(10);
    }
  } finally {
    unblock();
  }
  client.close();
  accepted.close();
  await server.close();
  expect(errors).toEqual([]);
  return states;
}

describe('potentially-failed path state (RFC 7829)', () => {
  test('pfThreshold 0: a failing path goes Potentially Failed before it is INACTIVE', async () => {
    const states = await failingPathStates(0, '127.0.0.15', '127.0.0.16');
    expect(states[0]).toBe('ACTIVE');
    expect(states).toContain('PF');
    expect(states.indexOf('PF')).toBeLessThan(states.indexOf('INACTIVE'));
  });

  test('control, pfThreshold = pathMaxRetrans: the path goes from ACTIVE to INACTIVE, never PF', async () => {
    const states = await failingPathStates(4, '127.0.0.17', '127.0.0.18');
    expect(states).toEqual(['ACTIVE', 'INACTIVE']);
  });
});

describe("the peer's primary address (RFC 5061)", () => {
  const ASCONF = { asconf: true, authSupported: true };

  test("setPeerPrimary makes the peer send to the chosen local address", async () => {
    const server = createEndpoint(ASCONF);
    const { port } = server.bind({ address: '127.0.0.1' });
    const client = createEndpoint(ASCONF);
    const { port: cport } = client.bind({ address: ['127.0.0.12', '127.0.0.13'], listen: false });
    const up = waitFor<{ assocId: number }>(server, 'association');
    const id = await client.connect('127.0.0.1', port);
    const sid = (await up).assocId;
    expect(client.getOptions(id).asconf).toBe(true);
    const before = server.primaryAddress(sid)?.address;
    const target = before === '127.0.0.13' ? '127.0.0.12' : '127.0.0.13';
    const madePrim = waitFor<PeerAddrChangeNotification>(server, 'peer-addr-change', 10000, (n) => n.state === 'ADDR_MADE_PRIM');
    client.setPeerPrimary(id, target, cport);
    const n = await madePrim;
    expect(n.address).toMatchObject({ address: target, port: cport });
    expect(server.primaryAddress(sid)).toMatchObject({ address: target, port: cport });
    client.close();
    server.close();
  });

  test('without ASCONF the error names SCTP_SET_PEER_PRIMARY_ADDR and what is missing', async () => {
    const server = createEndpoint({ asconf: false });
    const { port } = server.bind({ address: '127.0.0.1' });
    const client = createEndpoint({ asconf: false });
    const { port: cport } = client.bind({ address: '127.0.0.14', listen: false });
    const id = await client.connect('127.0.0.1', port);
    let err: unknown;
    try {
      client.setPeerPrimary(id, '127.0.0.14', cport);
    } catch (e) {
      err = e;
    }
    expect(isShoalError(err, 'SHOAL_ERR_SCTP_FEATURE_UNAVAILABLE')).toBe(true);
    expect(err).toMatchObject({ code: 'EPERM', message: expect.stringContaining('SCTP_SET_PEER_PRIMARY_ADDR') });
    expect((err as Error).message).toContain('options.asconf');
    client.close();
    server.close();
  });
});

describe('address lists', () => {
  const extra = Array.from({ length: 90 }, (_, i) => `127.0.1.${i + 1}`);
  // One `ip -batch` each way: a process per address is slow in UML.
  const batch = (op: string): void => {
    execFileSync('ip', ['-batch', '-'], { input: extra.map((a) => `addr ${op} ${a}/8 dev lo`).join('\n'), stdio: ['pipe', 'pipe', 'pipe'] });
  };
  beforeAll(() => batch('add'));
  afterAll(() => batch('del'));

  test('more than 64 local and peer addresses are all listed', async () => {
    const server = createEndpoint();
    const { port, addresses } = server.bind({ address: '0.0.0.0' });
    // A wildcard-bound endpoint lists every address of the host.
    expect(addresses.length).toBeGreaterThan(90);
    expect(addresses.map((a) => a.address)).toEqual(expect.arrayContaining(extra));
    const client = createEndpoint();
    const id = await client.connect('127.0.0.1', port);
    const peer = client.remoteAddresses(id);
    expect(peer.length).toBeGreaterThan(64);
    expect(peer.map((a) => a.address)).toEqual(expect.arrayContaining(extra));
    client.close();
    server.close();
  });
});

describe('IPv6 link-local addresses with a zone', () => {
  let ifindex = 0;
  beforeAll(() => {
    const mod = `/usr/lib/uml/modules/${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}/kernel/drivers/net/dummy.ko`;
    if (!fs.existsSync('/sys/module/dummy')) execFileSync('insmod', [mod], { stdio: 'pipe' });
    ip('link', 'add', 'shoal0', 'type', 'dummy');
    ip('link', 'set', 'shoal0', 'up');
    ip('-6', 'addr', 'add', 'fe80::5:1/64', 'dev', 'shoal0', 'nodad');
    ip('-6', 'addr', 'add', 'fe80::5:2/64', 'dev', 'shoal0', 'nodad');
    ifindex = Number(fs.readFileSync('/sys/class/net/shoal0/ifindex', 'utf8').trim());
  });
  afterAll(() => {
    ip('link', 'del', 'shoal0');
  });

  test('bind, connect, send and read addresses with "%name" and "%index" zones', async () => {
    const server = createServer();
    const { port, addresses } = await server.listen({ address: 'fe80::5:1%shoal0' });
    expect(addresses[0]).toEqual({ address: 'fe80::5:1%shoal0', port, family: 'IPv6', scopeId: ifindex });
    const acceptedP = waitFor<SctpSocket>(server, 'connection');
    const client = await connect({ address: `fe80::5:1%${ifindex}`, port, localAddress: 'fe80::5:2%shoal0' });
    const accepted = await acceptedP;
    expect(client.remoteAddresses()).toEqual([{ address: 'fe80::5:1%shoal0', port, family: 'IPv6', scopeId: ifindex }]);
    expect(accepted.remoteAddresses().map((a) => [a.address, a.scopeId])).toEqual([['fe80::5:2%shoal0', ifindex]]);
    expect(client.primaryAddress()).toMatchObject({ address: 'fe80::5:1%shoal0', scopeId: ifindex });
    expect(client.peerAddressInfo('fe80::5:1%shoal0', port).stateName).toBe('ACTIVE');
    const got = collect(accepted, 1);
    client.send('over link-local');
    expect((await got)[0].data.toString()).toBe('over link-local');
    client.close();
    accepted.close();
    await server.close();
  });

  test('one-to-many: sending to a zoned address sets up an association', async () => {
    const server = createEndpoint({}, 6);
    const { port } = server.bind({ address: 'fe80::5:1%shoal0' });
    const client = createEndpoint({}, 6);
    const got = collect(server, 1);
    client.send('hello', { address: 'fe80::5:1%shoal0', port });
    const m = (await got)[0];
    expect(server.remoteAddresses(m.assocId)[0]).toMatchObject({ family: 'IPv6', scopeId: ifindex });
    expect(server.remoteAddresses(m.assocId)[0].address).toMatch(/^fe80::5:[12]%shoal0$/);
    client.close();
    server.close();
  });

  test('an unknown zone is refused (EINVAL)', () => {
    const server = createEndpoint({}, 6);
    expect(() => server.bind({ address: 'fe80::5:1%nosuchif' })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    server.close();
  });
});
