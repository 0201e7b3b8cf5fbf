import { join } from 'node:path';
import { isShoalError, resolveOptions } from '@shoal/core';
import { TLS_DEFAULTS, tcpTransport, tcpTransports, validateTcpOptions } from '../src';

const path = 'listeners.echo.options';
const validate = (tls: unknown, extra: Record<string, unknown> = {}) => validateTcpOptions({ tls, ...extra }, path);

describe('tls options', () => {
  test('cert and key are enough; the defaults fill the rest, and relative paths become absolute', () => {
    const { options, problems } = validate({ cert: 'certs/server.pem', key: '/etc/shoal/server.key' });
    expect(problems).toEqual([]);
    expect(options.tls).toEqual({
      cert: join(process.cwd(), 'certs', 'server.pem'),
      key: '/etc/shoal/server.key',
      ...TLS_DEFAULTS,
    });
    expect(TLS_DEFAULTS).toEqual({ clientCertificate: 'none', minVersion: 'TLSv1.2', handshakeTimeoutMs: 10_000 });
    expect(Object.isFrozen(options.tls)).toBe(true);
    // Without a tls block there is none.
    expect(tcpTransport().validateOptions({}, path).options.tls).toBeUndefined();
  });

  test('every field: ca as one path or a list, SNI names in lower case', () => {
    const { options, problems } = validate({
      cert: '/c.pem',
      key: '/k.pem',
      passphrase: 'secret',
      ca: '/ca.pem',
      sni: { 'API.example.com': { cert: '/a.pem', key: '/a.key' }, '*.example.org': { cert: '/w.pem', key: '/w.key', passphrase: 'other' }, localhost: { cert: '/l.pem', key: '/l.key' } },
      clientCertificate: 'require',
      minVersion: 'TLSv1.3',
      ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256',
      alpnProtocols: ['shoal/1'],
      handshakeTimeoutMs: 5000,
    });
    expect(problems).toEqual([]);
    expect(options.tls).toEqual({
      cert: '/c.pem',
      key: '/k.pem',
      passphrase: 'secret',
      ca: ['/ca.pem'],
      sni: {
        'api.example.com': { cert: '/a.pem', key: '/a.key' },
        '*.example.org': { cert: '/w.pem', key: '/w.key', passphrase: 'other' },
        localhost: { cert: '/l.pem', key: '/l.key' },
      },
      clientCertificate: 'require',
      minVersion: 'TLSv1.3',
      ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256',
      alpnProtocols: ['shoal/1'],
      handshakeTimeoutMs: 5000,
    });
    expect(validate({ cert: '/c.pem', key: '/k.pem', ca: ['/a.pem', 'b.pem'] }).options.tls!.ca).toEqual(['/a.pem', join(process.cwd(), 'b.pem')]);
  });

  test('each problem is named by its field path', () => {
    expect(
      validate({
        cert: 42,
        clientCertificate: 'maybe',
        minVersion: 'TLSv1.1',
        handshakeTimeoutMs: 0,
        ciphers: 'NO-SUCH-CIPHER',
        ca: [],
        sni: { bad_name: { cert: '/x.pem', key: '/x.key' }, 'ok.example.com': { cert: '/c.pem', extra: 1 } },
        alpnProtocols: ['ok', ''],
        colour: 'blue',
      }).problems,
    ).toEqual([
      `${path}.tls.cert must be a file path (a string), got 42`,
      `${path}.tls.key must be a file path (a string), got undefined`,
      `${path}.tls.ca must be a file path or a non-empty list of file paths, got an array`,
      `${path}.tls.sni.bad_name must be a server name ("api.example.com") or a wildcard of one label ("*.example.com"), got "bad_name"`,
      `${path}.tls.sni.ok.example.com.key must be a file path (a string), got undefined`,
      `${path}.tls.sni.ok.example.com.extra is not a known option (known: cert, key, passphrase)`,
      `${path}.tls.clientCertificate must be one of 'none', 'request', 'require', got "maybe"`,
      `${path}.tls.minVersion must be one of 'TLSv1.2', 'TLSv1.3', got "TLSv1.1"`,
      `${path}.tls.ciphers must be an OpenSSL cipher list that names at least one cipher this Node knows (see \`openssl ciphers -v '<list>'\`), got "NO-SUCH-CIPHER"`,
      `${path}.tls.alpnProtocols.1 must be a protocol name of 1 to 255 characters, got ""`,
      `${path}.tls.handshakeTimeoutMs must be a positive integer up to 2147483647, got 0`,
      `${path}.tls.colour is not a known option (known: cert, key, passphrase, ca, sni, clientCertificate, minVersion, ciphers, alpnProtocols, handshakeTimeoutMs)`,
    ]);
    expect(validate(true).problems).toEqual([`${path}.tls must be an object with cert and key (file paths), got true`]);
    expect(validate({ cert: '', key: '/k', ca: ['/a', 3] }).problems).toEqual([
      `${path}.tls.cert must be a file path (a string), got ""`,
      `${path}.tls.ca.1 must be a file path (a string), got 3`,
    ]);
    expect(validate({ cert: '/c', key: '/k', sni: { '*': { cert: '/c', key: '/k' } } }).problems).toEqual([
      `${path}.tls.sni.* must be a server name ("api.example.com") or a wildcard of one label ("*.example.com"), got "*"`,
    ]);
  });

  test("clientCertificate 'require' needs ca; 'request' does without", () => {
    expect(validate({ cert: '/c', key: '/k', clientCertificate: 'require' }).problems).toEqual([
      `${path}.tls.ca must be given with clientCertificate 'require': the CA certificate file(s) that client certificates must be signed by, got undefined`,
    ]);
    expect(validate({ cert: '/c', key: '/k', clientCertificate: 'request' }).problems).toEqual([]);
  });

  test('handOffOnReload is refused with tls: a TLS session cannot move to another worker', () => {
    expect(validate({ cert: '/c', key: '/k' }, { handOffOnReload: true }).problems).toEqual([
      `${path}.handOffOnReload must be false with tls: a connection handed to the next worker carries its socket but not its TLS session, ` +
        'which only this worker holds; TLS connections drain on reload (remove handOffOnReload), got true',
    ]);
  });

  test('validated options validate again to the same result', () => {
    const first = validate({ cert: 'c.pem', key: 'k.pem', ca: 'ca.pem', sni: { 'A.test': { cert: 'a.pem', key: 'a.key' } } }).options;
    expect(tcpTransport().validateOptions(first, path)).toEqual({ options: first, problems: [] });
  });

  test('a bad tls block is refused where the configuration is loaded, before any listener opens', () => {
    let err: unknown;
    try {
      resolveOptions({ listeners: { echo: { transport: 'tcp', port: 0, options: { tls: { cert: '/c.pem' } } } } }, tcpTransports());
    } catch (e) {
      err = e;
    }
    expect(isShoalError(err, 'SHOAL_ERR_CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toContain(`${path}.tls.key must be a file path (a string), got undefined`);
  });
});
