import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { type Listener, ShoalError, isShoalError } from '@shoal/core';
import { LengthPrefixedFramer, type TcpContext, type TlsInfo, tcpTransport } from '../src';
import { type Issued, TestCa, certificateDir, fingerprint } from './certificates';
import { Client, Holder, listenerContext, metricValue, shut } from './helpers';

const tcp = tcpTransport();
const open: Listener[] = [];
const labels = { listener: 'tcp-test', transport: 'tcp' };
const files = certificateDir();
let ca: TestCa;
let server: Issued;
let client: Issued;
let intruder: Issued;
let alpha: Issued;
let wildcard: Issued;

beforeAll(() => {
  ca = new TestCa(files.dir, 'Shoal Test CA');
  const other = new TestCa(files.dir, 'Other CA');
  server = ca.issue('localhost', { names: ['localhost'] });
  alpha = ca.issue('alpha.test', { names: ['alpha.test'] });
  wildcard = ca.issue('beta wildcard', { names: ['*.beta.test'] });
  client = ca.issue('client one');
  intruder = other.issue('intruder');
});

afterAll(() => files.remove());

afterEach(async () => {
  await Promise.all(open.splice(0).map(shut));
});

async function start(options: Record<string, unknown>, bindings: Parameters<typeof listenerContext>[2], extra = {}) {
  const context = listenerContext('tcp', options, bindings, extra);
  const listener = await tcp.open(context);
  open.push(listener);
  return { context, listener, port: listener.boundPort() };
}

const readPem = (file: string): Buffer => readFileSync(file);
const tlsOptions = (extra: Record<string, unknown> = {}) => ({ cert: server.cert, key: server.key, ...extra });

/** What a TLS client sees of the server, trusting the test CA. */
const trusting = (extra: ConnectionOptions = {}): ConnectionOptions => ({ ca: ca.pem, servername: 'localhost', ...extra });

/** Echoes each frame, and keeps the ctx.tls of the last one. */
function echoTls(): { seen: () => TlsInfo | undefined; binding: { event: string; fn: (frame: Buffer, ctx: TcpContext) => string } } {
  let last: TlsInfo | undefined;
  return { seen: () => last, binding: { event: 'message', fn: (frame, ctx) => ((last = ctx.tls), `echo ${frame}`) } };
}

/** A TLS client that sends one line once secure, to the end: whether its handshake finished, and what it read. */
async function attempt(port: number, options: ConnectionOptions): Promise<{ secure: boolean; data: string; error: string | undefined }> {
  const socket = tlsConnect({ host: '127.0.0.1', port, ...options });
  const seen = { secure: false, data: '', error: undefined as string | undefined };
  socket.on('secureConnect', () => {
    seen.secure = true;
    socket.write('hello\n');
  });
  socket.on('data', (chunk: Buffer) => (seen.data += chunk.toString()));
  socket.on('error', (err: NodeJS.ErrnoException) => (seen.error = err.code));
  await new Promise((resolve) => socket.once('close', resolve));
  return seen;
}

/** Yields to the event loop until `ready()` (for what the listener does on its side of a socket). */
async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((resolve) => setImmediate(resolve));
}

const protocolErrors = (context: { worker: Parameters<typeof metricValue>[0] }, code: string) =>
  metricValue(context.worker, 'shoal_protocol_errors_total', { ...labels, code });

describe('tcp transport over TLS: serving', () => {
  test('frames are read from the decrypted stream and the replies are encrypted; the handler sees ctx.tls', async () => {
    const echo = echoTls();
    const { port, context } = await start({ framing: 'lines', tls: tlsOptions() }, [echo.binding]);
    const tlsClient = await Client.connectTls(port, trusting());
    expect((tlsClient.socket as TLSSocket).getPeerCertificate().fingerprint256).toBe(fingerprint(server.cert));
    tlsClient.write('hello\nwor');
    tlsClient.write('ld\n');
    expect(await tlsClient.lines(2)).toEqual(['echo hello', 'echo world']);
    expect(echo.seen()).toEqual({
      protocol: 'TLSv1.3',
      cipher: expect.stringMatching(/^TLS_/),
      servername: 'localhost',
      alpnProtocol: undefined,
      authorized: false,
      authorizationError: undefined,
      peerCertificate: undefined,
    });
    tlsClient.destroy();
    await tlsClient.closed;
    expect(await metricValue(context.worker, 'shoal_messages_received_total', labels)).toBe(2);
    expect(await metricValue(context.worker, 'shoal_bytes_received_total', labels)).toBe(10);
    expect(await metricValue(context.worker, 'shoal_connections_total', labels)).toBe(1);
  });

  test('length-prefixed frames, TLS 1.2 and ALPN', async () => {
    const echo = echoTls();
    const { port } = await start({ framing: 'length-prefixed', tls: tlsOptions({ alpnProtocols: ['shoal/1', 'other'] }) }, [echo.binding]);
    const codec = new LengthPrefixedFramer(1 << 20);
    const tlsClient = await Client.connectTls(port, trusting({ maxVersion: 'TLSv1.2', ALPNProtocols: ['shoal/1'] }));
    tlsClient.write(Buffer.concat([codec.encode('one'), codec.encode(Buffer.alloc(100_000, 1))]));
    const data = await tlsClient.until((d) => d.length >= 2 * 4 + 8 + 100_005, 'two replies');
    expect(new LengthPrefixedFramer(1 << 20).push(data).map((f) => f.length)).toEqual([8, 100_005]);
    expect(echo.seen()).toMatchObject({ protocol: 'TLSv1.2', alpnProtocol: 'shoal/1' });
    tlsClient.destroy();
  });

  test('a client that shuts down its side after its frames still gets every answer, then the end', async () => {
    // Answered after the client's end arrived.
    const later = { event: 'message', fn: (frame: Buffer) => new Promise((resolve) => setTimeout(() => resolve(`echo ${frame}`), 20)) };
    const { port } = await start({ tls: tlsOptions() }, [later]);
    const tlsClient = await Client.connectTls(port, trusting());
    tlsClient.write('a\nb\n');
    tlsClient.socket.end();
    expect((await tlsClient.end()).toString()).toBe('echo a\necho b\n');
  });

  test('ctx.tls is undefined on a listener without TLS', async () => {
    const echo = echoTls();
    const { port } = await start({}, [echo.binding]);
    const plain = await Client.connect(port);
    plain.write('x\n');
    expect(await plain.lines(1)).toEqual(['echo x']);
    expect(echo.seen()).toBeUndefined();
    plain.destroy();
  });

  test('a held socket is adopted by a TLS listener, as a plain one is', async () => {
    const holder = new Holder();
    try {
      const first = await start({ tls: tlsOptions() }, [{ event: 'message', fn: () => 'old' }]);
      await holder.hold(first.listener.heldHandle());
      await first.listener.stopAccepting();
      const second = await tcp.adopt(listenerContext('tcp', { tls: tlsOptions() }, [{ event: 'message', fn: () => 'new' }]), await holder.give());
      open.push(second);
      expect(second.boundPort()).toBe(first.port);
      const tlsClient = await Client.connectTls(first.port, trusting());
      tlsClient.write('who\n');
      expect(await tlsClient.lines(1)).toEqual(['new']);
      tlsClient.destroy();
    } finally {
      await holder.stop();
    }
  });
});

describe('tcp transport over TLS: bad input costs only its connection', () => {
  test('plain text sent to a TLS port closes that connection and is counted; a TLS client carries on', async () => {
    const { port, context } = await start({ tls: tlsOptions() }, [echoTls().binding]);
    const good = await Client.connectTls(port, trusting());
    good.write('one\n');
    expect(await good.lines(1)).toEqual(['echo one']);
    const plain = await Client.connect(port);
    plain.write('hello in clear text\n');
    await plain.closed;
    expect(plain.data.length).toBe(0);
    good.write('two\n');
    expect(await good.lines(2)).toEqual(['echo one', 'echo two']);
    expect(await protocolErrors(context, 'SHOAL_ERR_TLS_HANDSHAKE_FAILED')).toBe(1);
    good.destroy();
  });

  test('a client that offers only an older protocol than minVersion is refused and counted', async () => {
    const { port, context } = await start({ tls: tlsOptions({ minVersion: 'TLSv1.3' }) }, [echoTls().binding]);
    const old = await attempt(port, trusting({ maxVersion: 'TLSv1.2' }));
    expect(old).toMatchObject({ secure: false, data: '' });
    const current = await Client.connectTls(port, trusting());
    current.write('ok\n');
    expect(await current.lines(1)).toEqual(['echo ok']);
    expect(await protocolErrors(context, 'SHOAL_ERR_TLS_HANDSHAKE_FAILED')).toBe(1);
    current.destroy();
  });

  test('a handshake not over within handshakeTimeoutMs closes its connection and is counted', async () => {
    const { port, context, listener } = await start({ tls: tlsOptions({ handshakeTimeoutMs: 100 }) }, [echoTls().binding]);
    const silent = await Client.connect(port);
    await silent.closed;
    await until(() => listener.activeConnections() === 0);
    expect(await protocolErrors(context, 'SHOAL_ERR_TLS_HANDSHAKE_TIMEOUT')).toBe(1);
  });

  test('a client that connects and leaves before its handshake is no error, and its connection closes at once', async () => {
    // A TCP health check: it must not wait out the handshake timeout (a minute here), nor count as a failure.
    const { port, context, listener } = await start({ tls: tlsOptions({ handshakeTimeoutMs: 60_000 }) }, [echoTls().binding]);
    const check = await Client.connect(port);
    check.socket.end();
    await check.closed; // only once the listener closed its side too
    await until(() => listener.activeConnections() === 0);
    for (const code of ['SHOAL_ERR_TLS_HANDSHAKE_FAILED', 'SHOAL_ERR_TLS_HANDSHAKE_TIMEOUT']) expect(await protocolErrors(context, code)).toBe(0);
    expect(await metricValue(context.worker, 'shoal_connections_active', labels)).toBe(0);
  });

  test('maxConnections counts connections whose handshake is under way', async () => {
    const { port, context, listener } = await start({ maxConnections: 1, tls: tlsOptions() }, [echoTls().binding]);
    const first = await Client.connectTls(port, trusting());
    const refused = await attempt(port, trusting());
    expect(refused).toMatchObject({ secure: false, data: '' });
    expect(await metricValue(context.worker, 'shoal_protocol_errors_total', { ...labels, code: 'SHOAL_ERR_TCP_TOO_MANY_CONNECTIONS' })).toBe(1);
    expect(listener.activeConnections()).toBe(1);
    first.destroy();
  });
});

describe('tcp transport over TLS: client certificates', () => {
  test("'require': a client without a certificate, or with another CA's, is refused and counted; the CA's client is served", async () => {
    const echo = echoTls();
    const { port, context } = await start({ tls: tlsOptions({ clientCertificate: 'require', ca: ca.cert }) }, [echo.binding]);
    const without = await attempt(port, trusting());
    expect(without.data).toBe('');
    expect(without.error).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    const foreign = await attempt(port, trusting({ cert: readPem(intruder.cert), key: readPem(intruder.key) }));
    expect(foreign.data).toBe('');
    expect(echo.seen()).toBeUndefined(); // no handler ran for either

    const accepted = await Client.connectTls(port, trusting({ cert: readPem(client.cert), key: readPem(client.key) }));
    accepted.write('hi\n');
    expect(await accepted.lines(1)).toEqual(['echo hi']);
    expect(echo.seen()).toMatchObject({
      authorized: true,
      authorizationError: undefined,
      peerCertificate: {
        subject: { CN: 'client one' },
        issuer: { CN: 'Shoal Test CA' },
        fingerprint256: fingerprint(client.cert),
        serialNumber: expect.stringMatching(/^[0-9A-F]+$/),
      },
    });
    expect(await protocolErrors(context, 'SHOAL_ERR_TLS_CLIENT_CERT_REFUSED')).toBe(2);
    expect(await protocolErrors(context, 'SHOAL_ERR_TLS_HANDSHAKE_FAILED')).toBe(0);
    accepted.destroy();
  });

  test("'request': every client is served, and the handler sees whether its certificate is authorized", async () => {
    const echo = echoTls();
    const { port, context } = await start({ tls: tlsOptions({ clientCertificate: 'request', ca: [ca.cert] }) }, [echo.binding]);
    const cases: [string, ConnectionOptions, Partial<TlsInfo>][] = [
      ['none', {}, { authorized: false, authorizationError: expect.any(String), peerCertificate: undefined }],
      ['foreign', { cert: readPem(intruder.cert), key: readPem(intruder.key) }, { authorized: false, authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }],
      ['ours', { cert: readPem(client.cert), key: readPem(client.key) }, { authorized: true, authorizationError: undefined }],
    ];
    for (const [name, options, expected] of cases) {
      const tlsClient = await Client.connectTls(port, trusting(options));
      tlsClient.write(`${name}\n`);
      expect(await tlsClient.lines(1)).toEqual([`echo ${name}`]);
      expect(echo.seen()).toMatchObject(expected);
      tlsClient.destroy();
    }
    expect(echo.seen()!.peerCertificate!.subject).toEqual({ CN: 'client one' });
    expect(await protocolErrors(context, 'SHOAL_ERR_TLS_CLIENT_CERT_REFUSED')).toBe(0);
  });
});

describe('tcp transport over TLS: SNI', () => {
  test('each server name gets its certificate, a wildcard the names under it, any other name the default', async () => {
    const echo = echoTls();
    const sni = { 'alpha.test': { cert: alpha.cert, key: alpha.key }, '*.beta.test': { cert: wildcard.cert, key: wildcard.key } };
    const { port } = await start({ tls: tlsOptions({ sni, clientCertificate: 'request', ca: ca.cert }) }, [echo.binding]);
    const expected: [string | undefined, Issued][] = [
      ['alpha.test', alpha],
      ['x.beta.test', wildcard],
      ['a.b.beta.test', server], // a wildcard stands for one label
      ['beta.test', server],
      ['other.test', server],
      [undefined, server], // no SNI
    ];
    for (const [servername, cert] of expected) {
      // The default certificate does not name the other servers: the chain is checked, not the name.
      const tlsClient = await Client.connectTls(port, { ca: ca.pem, servername, checkServerIdentity: () => undefined, cert: readPem(client.cert), key: readPem(client.key) });
      expect([servername, (tlsClient.socket as TLSSocket).getPeerCertificate().fingerprint256]).toEqual([servername, fingerprint(cert.cert)]);
      tlsClient.write('x\n');
      await tlsClient.lines(1);
      // The certificate's context verifies clients with tls.ca as the default one does.
      expect(echo.seen()).toMatchObject({ servername, authorized: true });
      tlsClient.destroy();
    }
  });
});

describe('tcp transport over TLS: opening', () => {
  test('a missing certificate file fails the opening with SHOAL_ERR_TLS_FILE, naming the field and the file', async () => {
    const missing = join(files.dir, 'missing.pem');
    const err = await tcp.open(listenerContext('tcp', { tls: { cert: missing, key: server.key } }, [echoTls().binding], { name: 'secure' })).catch((e: unknown) => e);
    expect(isShoalError(err, 'SHOAL_ERR_TLS_FILE')).toBe(true);
    expect((err as ShoalError).message).toMatch(
      new RegExp(`^listeners\\.secure\\.options\\.tls\\.cert: cannot read ${missing.replace(/[.]/g, '\\.')} \\(ENOENT: no such file or directory\\); the listener does not open\\.`),
    );
  });

  test('a certificate renewed on disk is what the next listener serves', async () => {
    const first = ca.issue('localhost', { names: ['localhost'], file: 'renewed' });
    const before = fingerprint(first.cert);
    const one = await start({ tls: { cert: first.cert, key: first.key } }, [echoTls().binding]);
    const second = ca.issue('localhost', { names: ['localhost'], file: 'renewed' });
    expect(second.cert).toBe(first.cert);
    const two = await start({ tls: { cert: second.cert, key: second.key } }, [echoTls().binding], { port: one.port });
    expect(two.port).toBe(one.port);
    await one.listener.stopAccepting();
    const tlsClient = await Client.connectTls(one.port, trusting());
    const after = (tlsClient.socket as TLSSocket).getPeerCertificate().fingerprint256;
    expect(after).toBe(fingerprint(second.cert));
    expect(after).not.toBe(before);
    tlsClient.destroy();
  });
});

describe('tcp transport over TLS: drain', () => {
  test('connections end at once when idle; a handshake under way is waited for, then its connection ends', async () => {
    const { port, listener } = await start({ tls: tlsOptions() }, [echoTls().binding]);
    const idle = await Client.connectTls(port, trusting());
    idle.write('a\n');
    await idle.lines(1);
    // Connected, but its handshake not started yet when the drain starts.
    const raw = connect(port, '127.0.0.1');
    await once(raw, 'connect');
    await until(() => listener.activeConnections() === 2);
    const report = listener.drain(Date.now() + 10_000);
    expect((await idle.end()).toString()).toBe('echo a\n');
    const late = tlsConnect({ socket: raw, ...trusting() });
    await once(late, 'secureConnect');
    const ended = once(late, 'end');
    late.resume();
    await ended;
    expect(await report).toEqual({ completed: 2, forced: 0, handedOff: 0 });
    late.destroy();
  });

  test('a handshake still under way at the deadline is cut and reported as forced', async () => {
    const { port, listener } = await start({ tls: tlsOptions({ handshakeTimeoutMs: 60_000 }) }, [echoTls().binding]);
    const raw = connect(port, '127.0.0.1');
    raw.on('error', () => undefined);
    await once(raw, 'connect');
    await until(() => listener.activeConnections() === 1);
    const closed = new Promise((resolve) => raw.once('close', resolve));
    expect(await listener.drain(Date.now() + 50)).toEqual({ completed: 0, forced: 1, handedOff: 0 });
    await closed;
  });
});
