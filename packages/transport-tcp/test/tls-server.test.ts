import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ShoalError, isShoalError } from '@shoal/core';
import { type TlsOptions, tlsServerOptions, validateTcpOptions } from '../src';
import { type Issued, TestCa, certificateDir } from './certificates';

const field = 'listeners.secure.options.tls';
const files = certificateDir();
let ca: TestCa;
let server: Issued;
let other: Issued;

beforeAll(() => {
  ca = new TestCa(files.dir, 'Shoal Test CA');
  server = ca.issue('localhost', { names: ['localhost'] });
  other = ca.issue('other.test', { names: ['other.test'] });
});

afterAll(() => files.remove());

/** A tls block as the configuration validates it. */
function validated(tls: Record<string, unknown>): TlsOptions {
  const { options, problems } = validateTcpOptions({ tls }, 'listeners.secure.options');
  expect(problems).toEqual([]);
  return options.tls!;
}

function failure(tls: Record<string, unknown>): ShoalError {
  try {
    tlsServerOptions(validated(tls), field);
  } catch (err) {
    return err as ShoalError;
  }
  throw new Error('tlsServerOptions did not fail');
}

function file(name: string, text: string): string {
  const path = join(files.dir, name);
  writeFileSync(path, text);
  return path;
}

describe('tlsServerOptions', () => {
  test("node:tls server options: the PEM read from the files, and clientCertificate as requestCert/rejectUnauthorized", () => {
    const options = tlsServerOptions(validated({ cert: server.cert, key: server.key, ca: ca.cert, clientCertificate: 'require', handshakeTimeoutMs: 3000 }), field);
    expect(options).toMatchObject({
      cert: expect.stringContaining('-----BEGIN CERTIFICATE-----'),
      key: expect.stringContaining('PRIVATE KEY-----'),
      ca: [expect.stringContaining('-----BEGIN CERTIFICATE-----')],
      minVersion: 'TLSv1.2',
      requestCert: true,
      rejectUnauthorized: true,
      handshakeTimeout: 3000,
    });
    expect(tlsServerOptions(validated({ cert: server.cert, key: server.key, clientCertificate: 'request' }), field)).toMatchObject({ requestCert: true, rejectUnauthorized: false });
    expect(tlsServerOptions(validated({ cert: server.cert, key: server.key }), field)).toMatchObject({ requestCert: false, rejectUnauthorized: false });
    expect(tlsServerOptions(validated({ cert: server.cert, key: server.key }), field).SNICallback).toBeUndefined();
  });

  test('a missing or unreadable file is SHOAL_ERR_TLS_FILE, naming the field and the file', () => {
    const missing = join(files.dir, 'nope.key');
    const err = failure({ cert: server.cert, key: missing });
    expect(isShoalError(err, 'SHOAL_ERR_TLS_FILE')).toBe(true);
    expect(err.message).toBe(
      `${field}.key: cannot read ${missing} (ENOENT: no such file or directory); the listener does not open. Check the path ` +
        '(a relative one is resolved against the working directory of shoal start) and that the user the workers run as may read the file.',
    );
    expect(failure({ cert: files.dir, key: server.key }).message).toMatch(new RegExp(`^${field}\\.cert: cannot read .* \\(EISDIR: illegal operation on a directory`));
    expect(failure({ cert: server.cert, key: server.key, ca: [ca.cert, missing] }).message).toMatch(new RegExp(`^${field}\\.ca: cannot read ${missing} \\(ENOENT`));
    expect(failure({ cert: server.cert, key: server.key, sni: { 'other.test': { cert: other.cert, key: missing } } }).message).toMatch(
      new RegExp(`^${field}\\.sni\\.other\\.test\\.key: cannot read ${missing} \\(ENOENT`),
    );
    if (process.getuid?.() !== 0) {
      const locked = file('locked.pem', 'x');
      chmodSync(locked, 0o000);
      expect(failure({ cert: locked, key: server.key }).message).toContain('(EACCES: permission denied)');
    }
  });

  test('a file without usable PEM is SHOAL_ERR_TLS_INVALID, saying what it lacks', () => {
    const text = file('notes.txt', 'not a certificate\n');
    const cases: [Record<string, unknown>, string][] = [
      [{ cert: text, key: server.key }, `${field}.cert: ${text} holds no PEM certificate; the listener does not open. Give a file with "-----BEGIN CERTIFICATE-----" blocks (the leaf certificate first, then its intermediates).`],
      [{ cert: server.cert, key: text }, `${field}.key: ${text} holds no PEM private key that can be read (`],
      [{ cert: server.cert, key: server.key, ca: text }, `${field}.ca: ${text} holds no PEM certificate;`],
      [
        { cert: file('broken.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), key: server.key },
        `${field}.cert: ${join(files.dir, 'broken.pem')} holds a certificate (block 1) that cannot be parsed (`,
      ],
      [
        { cert: server.cert, key: other.key },
        `${field}.key: ${other.key} is not the private key of the certificate in ${server.cert} (${field}.cert); the listener does not open. ` +
          'Give the key the certificate was issued for; after a renewal, replace both files.',
      ],
    ];
    for (const [tls, message] of cases) {
      const err = failure(tls);
      expect([isShoalError(err, 'SHOAL_ERR_TLS_INVALID'), err.message.slice(0, message.length)]).toEqual([true, message]);
    }
  });

  test('an encrypted key needs its passphrase: missing or wrong is SHOAL_ERR_TLS_INVALID naming the passphrase field', () => {
    const encrypted = ca.encryptKey(server, 'open sesame', 'encrypted');
    expect(failure({ cert: server.cert, key: encrypted }).message).toBe(
      `${field}.key: ${encrypted} holds an encrypted private key and no passphrase is given; the listener does not open. Set ${field}.passphrase.`,
    );
    expect(failure({ cert: server.cert, key: encrypted, passphrase: 'wrong' }).message).toBe(
      `${field}.key: ${encrypted} holds an encrypted private key that ${field}.passphrase does not decrypt; the listener does not open. Correct ${field}.passphrase.`,
    );
    expect(tlsServerOptions(validated({ cert: server.cert, key: encrypted, passphrase: 'open sesame' }), field)).toMatchObject({ passphrase: 'open sesame' });
    // An SNI entry uses its own passphrase, else the block's.
    const sni = { 'other.test': { cert: server.cert, key: encrypted, passphrase: 'wrong' } };
    expect(failure({ cert: server.cert, key: server.key, sni }).message).toContain(`${field}.sni.other.test.passphrase does not decrypt`);
    expect(tlsServerOptions(validated({ cert: server.cert, key: encrypted, passphrase: 'open sesame', sni: { 'other.test': { cert: server.cert, key: encrypted } } }), field).SNICallback).toBeInstanceOf(Function);
  });
});
