// Multi-homing: a peer reachable on two addresses; one path is made to fail
// inside UML (a blackhole route chosen by an ip rule); the peer address change
// arrives and traffic continues on the other path.
import { connect, createServer, type SctpMessage, type SctpSocket } from '../../src';
import { blockPath, collect, delay, waitFor } from './helpers';


describe('multi-homing', () => {
  test('connectx to two addresses, set primary, fail one path: ADDR_UNREACHABLE and traffic continues', async () => {
    const fast = { peerAddrParams: { hbIntervalMs: 100, pathMaxRetrans: 1 }, rtoInfo: { initialMs: 100, maxMs: 200, minMs: 50 } };
    const server = createServer(fast);
    const { port, addresses } = await server.listen({ address: ['127.0.0.10', '127.0.0.11'] });
    expect(addresses.map((a) => a.address).sort()).toEqual(['127.0.0.10', '127.0.0.11']);
    const acceptedP = waitFor<SctpSocket>(server, 'connection');
    const client = await connect({ address: ['127.0.0.10', '127.0.0.11'], port, localAddress: '127.0.0.20', options: fast });
    const accepted = await acceptedP;
    accepted.on('message', (m: SctpMessage) => accepted.send(m.data));
    expect(client.remoteAddresses().map((a) => a.address).sort()).toEqual(['127.0.0.10', '127.0.0.11']);
    expect(accepted.remoteAddresses().map((a) => a.address)).toEqual(['127.0.0.20']);
    expect(client.getOptions().assocInfo.numberPeerDestinations).toBe(2);
    client.setPrimary('127.0.0.11', port);
    expect(client.primaryAddress()).toMatchObject({ address: '127.0.0.11', port });
    client.setPrimary('127.0.0.10', port);
    expect(client.status().primary.address).toMatchObject({ address: '127.0.0.10' });

    const changes: { address: { address: string } | null; state: string }[] = [];
    client.on('peer-addr-change', (n) => changes.push(n));
    const unreachable = waitFor(client, 'peer-addr-change', 30000, (n: { address: { address: string } | null; state: string }) =>
      n.state === 'ADDR_UNREACHABLE' && n.address?.address === '127.0.0.10');
    const unblock = blockPath('127.0.0.10');
    try {
      // Keep talking while the primary path fails.
      const echoes = collect(client, 20, 60000);
      for (let i = 0; i < 20; i++) {
        client.send(`m${i}`);
        await delay(50);
      }
      await unreachable;
      const got = await echoes;
      expect(got.map((m) => m.data.toString())).toEqual([...Array(20).keys()].map((i) => `m${i}`));
      expect(client.peerAddressInfo('127.0.0.10', port).stateName).toBe('INACTIVE');
      expect(client.peerAddressInfo('127.0.0.11', port).stateName).toBe('ACTIVE');
    } finally {
      unblock();
    }
    // Heartbeats bring the path back.
    await waitFor(client, 'peer-addr-change', 30000, (n: { address: { address: string } | null; state: string }) =>
      n.state === 'ADDR_AVAILABLE' && n.address?.address === '127.0.0.10');
    // Apart from our own primary changes, the path failed first and came back after.
    const states = changes.filter((c) => c.state !== 'ADDR_MADE_PRIM').map((c) => c.state);
    expect(states[0]).toBe('ADDR_UNREACHABLE');
    expect(states).toContain('ADDR_AVAILABLE');
    client.close();
    accepted.close();
    await server.close();
  });
});
