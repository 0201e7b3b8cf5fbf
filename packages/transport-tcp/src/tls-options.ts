/**
 * The `tls` option block, one for every listener that speaks TLS over TCP
 * (framed TCP now; HTTP can take the same block): its type, defaults and
 * schema. Where the configuration is loaded, only values are checked (paths
 * made absolute, ciphers known to OpenSSL); the files are read by the worker
 * when the listener opens (tls-server.ts), so a certificate renewed on disk is
 * served by the workers a reload starts.
 */
import { resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { z } from 'zod';
import { type Zod, fields } from './options';

/** A certificate (PEM, the leaf first, then its intermediates) and its private key (PEM), as file paths. */
export interface TlsKeyPair {
  /** Absolute once validated (a relative path is resolved against the working directory of `shoal start`). */
  readonly cert: string;
  readonly key: string;
  /** Decrypts `key` when it is encrypted; for an `sni` entry, the block's own passphrase when unset. */
  readonly passphrase?: string;
}

/**
 * 'none': no client certificate is asked for. 'request': one is asked for
 * and verified against `ca`, and the connection is served either way (the
 * handler sees `ctx.tls.authorized`). 'require': a connection without a
 * certificate that a CA of `ca` signed is refused during its handshake.
 */
export type ClientCertificateMode = 'none' | 'request' | 'require';

export interface TlsOptions extends TlsKeyPair {
  /** CA certificates (PEM files) that client certificates are verified against. */
  readonly ca?: readonly string[];
  /**
   * Certificates served by server name (SNI): an exact name (`api.example.com`)
   * or a wildcard of one label (`*.example.com` matches `a.example.com`, not
   * `example.com` nor `a.b.example.com`). An exact name wins over a wildcard;
   * a client that names no listed server, or none, gets `cert`.
   */
  readonly sni?: Readonly<Record<string, TlsKeyPair>>;
  readonly clientCertificate: ClientCertificateMode;
  /** The oldest protocol version accepted. */
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
  /** OpenSSL cipher list (TLS 1.2 ciphers and TLS 1.3 suites); Node's default when unset. */
  readonly ciphers?: string;
  /** Protocols offered through ALPN, by preference; the one agreed is `ctx.tls.alpnProtocol`. */
  readonly alpnProtocols?: readonly string[];
  /**
   * A connection whose handshake is not over after this long is closed
   * (counted as SHOAL_ERR_TLS_HANDSHAKE_TIMEOUT). Node's own default, 120 s,
   * lets a client that connects and sends nothing hold a connection (and a
   * place under maxConnections) for two minutes.
   */
  readonly handshakeTimeoutMs: number;
}

export const TLS_DEFAULTS: Readonly<Pick<TlsOptions, 'clientCertificate' | 'minVersion' | 'handshakeTimeoutMs'>> = Object.freeze({
  clientCertificate: 'none',
  minVersion: 'TLSv1.2',
  handshakeTimeoutMs: 10_000,
});

/** `localhost`, `api.example.com`, `*.example.com`: DNS labels, the first of which may be `*` (when others follow). */
const LABEL = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
const SERVER_NAME = new RegExp(`^(\\*(\\.${LABEL})+|${LABEL}(\\.${LABEL})*)$`, 'i');

/** Whether `ciphers` names at least one cipher the OpenSSL of this Node knows. */
function knownCiphers(ciphers: string): boolean {
  try {
    createSecureContext({ ciphers });
    return true;
  } catch {
    return false;
  }
}

/** The schema of a `tls` block, for a transport's options schema: `tls: tlsSchema(zod).optional()`. */
export function tlsSchema(zod: Zod): z.ZodType<TlsOptions> {
  const f = fields(zod);
  const d = TLS_DEFAULTS;
  const file = () => zod.string({ error: 'a file path (a string)' }).min(1, { error: 'a file path (a string)' }).transform((path) => resolve(path));
  const passphrase = () => zod.string({ error: 'a string' });
  const keyPair = zod.strictObject({ cert: file(), key: file(), passphrase: passphrase().optional() }, { error: 'an object with cert and key (file paths)' });
  const serverName = 'a server name ("api.example.com") or a wildcard of one label ("*.example.com")';
  const protocolName = 'a protocol name of 1 to 255 characters';
  return zod
    .strictObject(
      {
        cert: file(),
        key: file(),
        passphrase: passphrase().optional(),
        ca: zod
          .preprocess((value) => (typeof value === 'string' ? [value] : value), zod.array(file(), { error: 'a file path or a list of file paths' }).min(1, { error: 'a file path or a non-empty list of file paths' }))
          .optional(),
        sni: zod
          .record(zod.string().regex(SERVER_NAME), keyPair, {
            error: (issue) => (issue.code === 'invalid_key' ? serverName : 'an object of server names, each with cert and key (file paths)'),
          })
          // Server names are not case-sensitive: keys are kept in lower case.
          .transform((map) => Object.fromEntries(Object.entries(map).map(([name, pair]) => [name.toLowerCase(), pair])))
          .optional(),
        clientCertificate: f.oneOf(['none', 'request', 'require']).default(d.clientCertificate),
        minVersion: f.oneOf(['TLSv1.2', 'TLSv1.3']).default(d.minVersion),
        ciphers: zod
          .string({ error: 'an OpenSSL cipher list (a string)' })
          .refine(knownCiphers, { error: "an OpenSSL cipher list that names at least one cipher this Node knows (see `openssl ciphers -v '<list>'`)" })
          .optional(),
        alpnProtocols: zod
          .array(zod.string({ error: protocolName }).min(1, { error: protocolName }).max(255, { error: protocolName }), { error: 'a list of protocol names' })
          .min(1, { error: 'a non-empty list of protocol names' })
          .optional(),
        handshakeTimeoutMs: f.positiveInt(0x7fffffff).default(d.handshakeTimeoutMs),
      },
      { error: 'an object with cert and key (file paths)' },
    )
    .superRefine((o, ctx) => {
      if (o.clientCertificate === 'require' && o.ca === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['ca'],
          message: "given with clientCertificate 'require': the CA certificate file(s) that client certificates must be signed by",
        });
      }
    });
}
