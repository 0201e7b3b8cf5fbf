/**
 * What a handler learns of a TLS connection (`ctx.tls`): read from the
 * TLSSocket the first time it is asked for, then kept.
 */
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';

/** The client's certificate, as far as a handler needs it. */
export interface TlsPeerCertificate {
  /** Its subject's fields (`{ CN: 'client-1', O: 'Acme' }`). */
  readonly subject: Readonly<Record<string, string | string[]>>;
  readonly issuer: Readonly<Record<string, string | string[]>>;
  /** `DNS:a.example.com, IP Address:10.0.0.1`, when the certificate has names. */
  readonly subjectAltName: string | undefined;
  readonly serialNumber: string;
  /** SHA-256 of the DER certificate, as `AB:CD:...` (what to pin a client to). */
  readonly fingerprint256: string;
  readonly validFrom: string;
  readonly validTo: string;
}

export interface TlsInfo {
  /** The protocol version agreed: 'TLSv1.2' or 'TLSv1.3'. */
  readonly protocol: string;
  /** The cipher suite agreed, by its standard name ('TLS_AES_256_GCM_SHA384'). */
  readonly cipher: string;
  /** The server name the client asked for (SNI), when it sent one. */
  readonly servername: string | undefined;
  /** The protocol agreed through ALPN (options.tls.alpnProtocols), when there is one. */
  readonly alpnProtocol: string | undefined;
  /**
   * The client presented a certificate that a CA of options.tls.ca signed.
   * Always true with clientCertificate 'require' (others are refused), never
   * with 'none' (none is asked for).
   */
  readonly authorized: boolean;
  /** Why the client is not authorized, by OpenSSL's code ('UNABLE_TO_VERIFY_LEAF_SIGNATURE'); undefined when it is, or with 'none'. */
  readonly authorizationError: string | undefined;
  /** The client's certificate, when it presented one. */
  readonly peerCertificate: TlsPeerCertificate | undefined;
}

const fieldsOf = (names: object | undefined): Readonly<Record<string, string | string[]>> => Object.freeze({ ...(names as Record<string, string | string[]>) });

function peerCertificate(socket: TLSSocket): TlsPeerCertificate | undefined {
  const cert = socket.getPeerCertificate() as DetailedPeerCertificate | Record<string, never>;
  if (cert === null || typeof cert !== 'object' || !('fingerprint256' in cert)) return undefined;
  return Object.freeze({
    subject: fieldsOf(cert.subject),
    issuer: fieldsOf(cert.issuer),
    subjectAltName: cert.subjectaltname,
    serialNumber: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
    validFrom: cert.valid_from,
    validTo: cert.valid_to,
  });
}

/** The TLS facts of a secure connection. */
export function tlsInfo(socket: TLSSocket): TlsInfo {
  const error = socket.authorizationError as unknown;
  return Object.freeze({
    protocol: socket.getProtocol() ?? '',
    cipher: socket.getCipher()?.standardName ?? '',
    servername: typeof socket.servername === 'string' && socket.servername !== '' ? socket.servername : undefined,
    alpnProtocol: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : undefined,
    authorized: socket.authorized,
    authorizationError: error === null || error === undefined ? undefined : String((error as { code?: unknown }).code ?? error),
    peerCertificate: peerCertificate(socket),
  });
}
