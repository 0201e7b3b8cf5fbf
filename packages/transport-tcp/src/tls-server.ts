/**
 * A listener's TLS at run time, shared by every listener with a `tls` block:
 * the server options of node:tls, built from validated TlsOptions by reading
 * the PEM files (in the worker, when the listener opens: a reload serves
 * certificates renewed on disk), and what a failed handshake counts as.
 */
import { readFileSync } from 'node:fs';
import { type KeyObject, X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { type SecureContext, type SecureContextOptions, type TLSSocket, type TlsOptions as NodeTlsOptions, createSecureContext } from 'node:tls';
import type { ShoalError } from '@shoal/core';
import { ERR_TLS_CLIENT_CERT_REFUSED, ERR_TLS_FILE, ERR_TLS_HANDSHAKE_FAILED, ERR_TLS_HANDSHAKE_TIMEOUT, ERR_TLS_INVALID } from './errors';
import type { TlsKeyPair, TlsOptions } from './tls-options';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function reasonOf(err: unknown): string {
  // A system error's message ends with the call and the path, which the error names already.
  if ((err as NodeJS.ErrnoException | null)?.syscall !== undefined) return (err as Error).message.split(', ')[0];
  return err instanceof Error ? err.message : String(err);
}

function readPem(file: string, field: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ERR_TLS_FILE(field, file, reasonOf(err), { cause: err });
  }
}

/** The certificates of a PEM file, each parsed. */
function readCertificates(file: string, field: string): { pem: string; certificates: X509Certificate[] } {
  const pem = readPem(file, field);
  const blocks = pem.match(PEM_CERTIFICATE);
  if (blocks === null) {
    throw new ERR_TLS_INVALID(field, file, 'holds no PEM certificate', 'Give a file with "-----BEGIN CERTIFICATE-----" blocks (the leaf certificate first, then its intermediates).');
  }
  const certificates = blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new ERR_TLS_INVALID(field, file, `holds a certificate (block ${i + 1}) that cannot be parsed (${reasonOf(err)})`, 'Replace it with a valid PEM certificate.', { cause: err });
    }
  });
  return { pem, certificates };
}

/** PKCS#8 `ENCRYPTED PRIVATE KEY`, or a traditional PEM key with `Proc-Type: 4,ENCRYPTED`. */
const ENCRYPTED_PEM = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: *4, *ENCRYPTED/;

function readKey(file: string, field: string, passphrase: string | undefined, passphraseField: string): { pem: string; key: KeyObject } {
  const pem = readPem(file, field);
  try {
    return { pem, key: createPrivateKey({ key: pem, format: 'pem', passphrase }) };
  } catch (err) {
    if (ENCRYPTED_PEM.test(pem) || (err as { code?: string }).code === 'ERR_MISSING_PASSPHRASE') {
      if (passphrase === undefined) {
        throw new ERR_TLS_INVALID(field, file, 'holds an encrypted private key and no passphrase is given', `Set ${passphraseField}.`, { cause: err });
      }
      throw new ERR_TLS_INVALID(field, file, `holds an encrypted private key that ${passphraseField} does not decrypt`, `Correct ${passphraseField}.`, { cause: err });
    }
    throw new ERR_TLS_INVALID(field, file, `holds no PEM private key that can be read (${reasonOf(err)})`, 'Give the PEM file of the private key that belongs to the certificate.', { cause: err });
  }
}

/** Reads and checks a certificate and its key: both parse, and the key is the certificate's. */
function readKeyPair(pair: TlsKeyPair, path: string, passphrase: string | undefined, passphraseField: string): { cert: string; key: string; passphrase?: string } {
  const { pem: cert, certificates } = readCertificates(pair.cert, `${path}.cert`);
  const { pem: key, key: keyObject } = readKey(pair.key, `${path}.key`, passphrase, passphraseField);
  if (!certificates[0].checkPrivateKey(keyObject)) {
    throw new ERR_TLS_INVALID(
      `${path}.key`,
      pair.key,
      `is not the private key of the certificate in ${pair.cert} (${path}.cert)`,
      'Give the key the certificate was issued for; after a renewal, replace both files.',
    );
  }
  return { cert, key, ...(passphrase !== undefined && { passphrase }) };
}

/** SNI: an exact name first, then a wildcard of the first label; undefined serves the default certificate. */
function sniLookup(contexts: Map<string, SecureContext>): (servername: string) => SecureContext | undefined {
  return (servername) => {
    const name = servername.toLowerCase();
    const exact = contexts.get(name);
    if (exact !== undefined) return exact;
    const dot = name.indexOf('.');
    return dot > 0 ? contexts.get(`*${name.slice(dot)}`) : undefined;
  };
}

/**
 * The options of node:tls for a listener's validated `tls` block, `path`
 * being its field path (`listeners.echo.options.tls`), which errors name.
 * Reads every file now: a file that is missing or unreadable throws
 * SHOAL_ERR_TLS_FILE, one that holds no usable PEM (or a key that is not
 * the certificate's) SHOAL_ERR_TLS_INVALID. Pass the result to
 * `tls.createServer()` or `https.createServer()` with the listener's own
 * options; `clientCertificate: 'require'` is `requestCert` with
 * `rejectUnauthorized`, enforced by node:tls, and its refusals reach the
 * server's 'tlsClientError' (see tlsClientFailure).
 */
export function tlsServerOptions(options: TlsOptions, path: string): NodeTlsOptions {
  const ca = options.ca?.map((file) => readCertificates(file, `${path}.ca`).pem);
  // Every context gets what verifies clients: the SNI one replaces the default for its connection.
  const shared: SecureContextOptions = {
    minVersion: options.minVersion,
    ...(options.ciphers !== undefined && { ciphers: options.ciphers }),
    ...(ca !== undefined && { ca }),
    // Session resumption needs one per server that asks for client certificates; the same in every worker.
    sessionIdContext: createHash('sha256').update(path).digest('hex').slice(0, 32),
  };
  const main = { ...shared, ...readKeyPair(options, path, options.passphrase, `${path}.passphrase`) };
  try {
    createSecureContext(main);
  } catch (err) {
    throw new ERR_TLS_INVALID(path, options.cert, `cannot be served with ${options.key} (${reasonOf(err)})`, 'Check the certificate, the key and the ciphers.', { cause: err });
  }
  const server: NodeTlsOptions = {
    ...main,
    requestCert: options.clientCertificate !== 'none',
    rejectUnauthorized: options.clientCertificate === 'require',
    handshakeTimeout: options.handshakeTimeoutMs,
    ...(options.alpnProtocols !== undefined && { ALPNProtocols: [...options.alpnProtocols] }),
  };
  if (options.sni !== undefined) {
    const contexts = new Map<string, SecureContext>();
    for (const [name, pair] of Object.entries(options.sni)) {
      const field = `${path}.sni.${name}`;
      const passphrase = pair.passphrase ?? options.passphrase;
      const passphraseField = pair.passphrase !== undefined ? `${field}.passphrase` : `${path}.passphrase`;
      const files = readKeyPair(pair, field, passphrase, passphraseField);
      try {
        contexts.set(name, createSecureContext({ ...shared, ...files }));
      } catch (err) {
        throw new ERR_TLS_INVALID(field, pair.cert, `cannot be served with ${pair.key} (${reasonOf(err)})`, 'Check the certificate, the key and the ciphers.', { cause: err });
      }
    }
    const lookup = sniLookup(contexts);
    server.SNICallback = (servername, callback) => callback(null, lookup(servername));
  }
  return server;
}

/**
 * What a 'tlsClientError' of a server built with tlsServerOptions counts as
 * (shoal_protocol_errors_total, by code), or undefined for a client that
 * left before its handshake was over (a TCP health check connects and
 * closes): a timeout, a refused client certificate, or any other failed
 * handshake (plain text sent to a TLS port, no common version or cipher).
 * node:tls leaves the socket open after a timeout: destroy it.
 */
export function tlsClientFailure(err: NodeJS.ErrnoException, socket: TLSSocket, listener: string, options: TlsOptions): ShoalError | undefined {
  const code = err.code;
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return new ERR_TLS_HANDSHAKE_TIMEOUT(listener, options.handshakeTimeoutMs, { cause: err });
  if (options.clientCertificate === 'require') {
    // No certificate: OpenSSL fails the handshake (the client gets a "certificate required" alert).
    if (code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE') return new ERR_TLS_CLIENT_CERT_REFUSED(listener, 'it sent no certificate', { cause: err });
    // A certificate that does not verify: node:tls closes the connection once the handshake is over.
    if (socket.authorizationError) return new ERR_TLS_CLIENT_CERT_REFUSED(listener, `its certificate: ${String(socket.authorizationError)}`, { cause: err });
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT') return undefined;
  return new ERR_TLS_HANDSHAKE_FAILED(listener, code ?? err.message, { cause: err });
}
