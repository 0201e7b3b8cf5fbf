// SCTP-AUTH (RFC 4895) against the kernel: shared keys, the active key, the
// chunks to authenticate, the authentication notification (NEW_KEY,
// FREE_KEY, NO_AUTH with their key numbers), and a wrong secret that keeps
// messages out.
import { connect, createEndpoint, createServer, isShoalError, type SctpSocket } from '../../src';
import type { AuthenticationNotification } from '../../src';
import { collect, delay, waitFor } from './helpers';

const DATA = 0; // chunk type of DATA
const AUTH = { authSupported: true, authChunks: [DATA], events: { authentication: true } } as const;

async function pairWithKeys(serverKeys: [number, string][], serverActive: number, clientKeys: [number, string][], clientActive: number) {
  const server = createEndpoint(AUTH);
  const { port } = server.bind({ address: '127.0.0.1' });
  for (const [n, s] of serverKeys) server.setAuthKey(n, s);
  server.setActiveAuthKey(serverActive);
  const client = createEndpoint(AUTH);
  for (const [n, s] of clientKeys) client.setAuthKey(n, s);
  client.setActiveAuthKey(clientActive);
  const up = waitFor<{ assocId: number }>(server, 'association');
  const id = await client.connect('127.0.0.1', port);
  const sid = (await up).assocId;
  return { server, client, id, sid };
}

describe('SCTP-AUTH (RFC 4895)', () => {
  test('keys, active key and authenticated chunks reach the kernel and the association', async () => {
    const { server, client, id, sid } = await pairWithKeys([[1, 'one'], [2, 'two']], 1, [[1, 'one'], [2, 'two']], 1);
    expect(client.getOptions().authSupported).toBe(true);
    expect(client.getOptions().authChunks).toEqual([DATA]);
    expect(client.getOptions(id).authSupported).toBe(true);
    // Each end requires DATA authenticated, and knows the other does.
    expect(client.authChunks(id, 'peer')).toContain(DATA);
    expect(server.authChunks(sid, 'local')).toContain(DATA);
    expect(client.activeAuthKey(id)).toBe(1);
    expect(server.activeAuthKey(sid)).toBe(1);
    const got = collect(server, 1);
    client.send('authenticated', { assocId: id });
    expect((await got)[0].data.toString()).toBe('authenticated');
    client.close();
    server.close();
  });

  test('a peer sending with another key: NEW_KEY with its key number; deactivating a key: FREE_KEY with its number', async () => {
    const { server, client, id, sid } = await pairWithKeys([[1, 'one'], [2, 'two']], 1, [[1, 'one'], [2, 'two']], 2);
    const newKey = waitFor<AuthenticationNotification>(server, 'authentication', 10000, (n) => n.indicationName === 'NEW_KEY');
    const got = collect(server, 1);
    client.send('with key 2', { assocId: id });
    expect((await got)[0].data.toString()).toBe('with key 2');
    expect(await newKey).toMatchObject({ type: 'authentication', indication: 0, indicationName: 'NEW_KEY', keyNumber: 2, assocId: sid });

    server.setActiveAuthKey(2, sid);
    const freed = waitFor<AuthenticationNotification>(server, 'authentication', 10000, (n) => n.indicationName === 'FREE_KEY');
    server.deactivateAuthKey(1, sid);
    expect(await freed).toMatchObject({ indication: 1, indicationName: 'FREE_KEY', keyNumber: 1, assocId: sid });
    server.deleteAuthKey(1, sid);
    // The active key cannot be deleted.
    expect(() => server.deleteAuthKey(2, sid)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    const more = collect(server, 1);
    client.send('still fine', { assocId: id });
    expect((await more)[0].data.toString()).toBe('still fine');
    client.close();
    server.close();
  });

  test('a peer without SCTP-AUTH: NO_AUTH at set-up', async () => {
    const server = createEndpoint({ authSupported: false });
    const { port } = server.bind({ address: '127.0.0.1' });
    const client = createEndpoint(AUTH);
    const noAuth = waitFor<AuthenticationNotification>(client, 'authentication');
    const id = await client.connect('127.0.0.1', port);
    expect(await noAuth).toMatchObject({ indicationName: 'NO_AUTH', indication: 2, assocId: id });
    expect(client.getOptions(id).authSupported).toBe(false);
    client.close();
    server.close();
  });

  test('a wrong secret: the peer drops the DATA it cannot authenticate', async () => {
    const { server, client, id } = await pairWithKeys([[1, 'right']], 1, [[1, 'wrong']], 1);
    let received = 0;
    server.on('message', () => received++);
    client.send('forged', { assocId: id });
    await delay(1500);
    expect(received).toBe(0);
    expect(client.status(id).unackData).toBeGreaterThan(0);
    client.abort(id);
    client.close();
    server.close();
  });

  test('one-to-one: keys on the listener reach accepted associations; keys on a connected socket', async () => {
    const server = createServer(AUTH);
    const { port } = await server.listen({ address: '127.0.0.1' });
    server.setAuthKey(7, 'seven');
    server.setActiveAuthKey(7);
    const acceptedP = waitFor<SctpSocket>(server, 'connection');
    const client = await connect({ address: '127.0.0.1', port, options: AUTH });
    const accepted = await acceptedP;
    expect(accepted.activeAuthKey()).toBe(7);
    client.setAuthKey(7, 'seven');
    client.setActiveAuthKey(7);
    expect(client.activeAuthKey()).toBe(7);
    const got = collect(accepted, 1);
    client.send('key 7');
    expect((await got)[0].data.toString()).toBe('key 7');
    client.close();
    accepted.close();
    await server.close();
  });

  test('AUTH off: setting a key fails naming SCTP_AUTH_KEY and what is missing', () => {
    const ep = createEndpoint({ authSupported: false });
    let err: unknown;
    try {
      ep.setAuthKey(1, 'x');
    } catch (e) {
      err = e;
    }
    expect(isShoalError(err, 'SHOAL_ERR_SCTP_FEATURE_UNAVAILABLE')).toBe(true);
    expect(err).toMatchObject({ code: 'EACCES', message: expect.stringContaining('SCTP_AUTH_KEY') });
    expect((err as Error).message).toContain('options.authSupported');
    expect(() => ep.setAuthKey(70000, 'x')).toThrow(/keyNumber must be an integer from 0 to 65535/);
    expect(() => ep.setAuthKey(1, '')).toThrow(/secret must be 1 to 65535 bytes/);
    ep.close();
  });
});
