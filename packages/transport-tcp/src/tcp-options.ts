import type { HandlerErrorPolicies, HandlerErrorPolicy, OptionsResult } from '@shoal/core';
import { lazySchema } from '@shoal/common';
import type { z } from 'zod';
import type { FramingName } from './framing';
import { fields, loadZod, transportOptions } from './options';
import { type TlsOptions, tlsSchema } from './tls-options';

export interface TcpOptions {
  /** How the byte stream is cut into messages. */
  readonly framing: FramingName;
  /** Largest frame accepted; a larger one closes that connection. */
  readonly maxFrameBytes: number;
  /** TCP_NODELAY on accepted connections. */
  readonly noDelay: boolean;
  /** SO_KEEPALIVE on accepted connections. */
  readonly keepAlive: boolean;
  /** Idle time before the first keep-alive probe, when keepAlive is on. */
  readonly keepAliveInitialDelayMs: number;
  /** A connection with no traffic for this long is closed; 0 = never. */
  readonly idleTimeoutMs: number;
  /** Connections open at once in one worker; more are refused. */
  readonly maxConnections: number;
  /**
   * During a rolling reload, pass each live connection, at a frame boundary,
   * to the replacement worker instead of closing it: clients do not
   * reconnect. The replacement runs @OnConnect for it (ctx.resumed is true);
   * per-connection state of the old worker does not travel. Refused with
   * `tls`: a TLS session cannot leave the worker that holds it.
   */
  readonly handOffOnReload: boolean;
  /**
   * What a failed message handler gets (HandlerErrorPolicy of @shoal/core):
   * 'reply' an error frame naming its code, 'close' the connection closed,
   * 'ignore' nothing (counted and logged only). A failed connect handler
   * always closes its connection.
   */
  readonly onHandlerError: HandlerErrorPolicy;
  /**
   * TLS on every connection (see TlsOptions): frames are read from the
   * decrypted stream, and handlers see `ctx.tls`. Not with handOffOnReload.
   */
  readonly tls?: TlsOptions;
}

export const TCP_DEFAULTS: Readonly<Omit<TcpOptions, 'onHandlerError' | 'tls'>> = Object.freeze({
  framing: 'lines',
  maxFrameBytes: 1024 * 1024,
  noDelay: true,
  keepAlive: false,
  keepAliveInitialDelayMs: 60_000,
  idleTimeoutMs: 0,
  maxConnections: 10_000,
  handOffOnReload: false,
});

/** What `onHandlerError` may be on a TCP listener; the default is 'close' with raw framing (no frame to carry an error). */
export const TCP_HANDLER_ERRORS: HandlerErrorPolicies = Object.freeze({ supported: Object.freeze(['reply', 'close', 'ignore'] as const), default: 'reply' });

/** The default of onHandlerError, which depends on the framing. */
export function defaultOnHandlerError(framing: FramingName): HandlerErrorPolicy {
  return framing === 'raw' ? 'close' : TCP_HANDLER_ERRORS.default;
}

/** The policy an onHandlerError value stands for: 'error-frame' is the deprecated name of 'reply'. */
function policyOf(value: string): HandlerErrorPolicy {
  return value === 'error-frame' ? 'reply' : (value as HandlerErrorPolicy);
}

const schema = lazySchema((): z.ZodType<TcpOptions> => {
  const zod = loadZod();
  const f = fields(zod);
  const d = TCP_DEFAULTS;
  return zod
    .strictObject(
      {
        framing: f.oneOf(['raw', 'lines', 'length-prefixed']).default(d.framing),
        maxFrameBytes: f.positiveInt(0xffffffff).default(d.maxFrameBytes),
        noDelay: f.boolean().default(d.noDelay),
        keepAlive: f.boolean().default(d.keepAlive),
        keepAliveInitialDelayMs: f.nonNegativeInt().default(d.keepAliveInitialDelayMs),
        idleTimeoutMs: f.nonNegativeInt().default(d.idleTimeoutMs),
        maxConnections: f.positiveInt().default(d.maxConnections),
        handOffOnReload: f.boolean().default(d.handOffOnReload),
        // 'error-frame': the name of 'reply' before the policy was shared by every transport (deprecated).
        onHandlerError: f.onHandlerError(TCP_HANDLER_ERRORS, ['error-frame']).optional(),
        tls: tlsSchema(zod).optional(),
      },
      { error: 'an object' },
    )
    .superRefine((o, ctx) => {
      if (o.framing === 'raw' && o.onHandlerError !== undefined && policyOf(o.onHandlerError) === 'reply') {
        ctx.addIssue({ code: 'custom', path: ['onHandlerError'], message: "'close' or 'ignore' with framing 'raw' (a raw stream has no frame to carry an error)" });
      }
      if (o.handOffOnReload && o.tls !== undefined) {
        // The descriptor would travel, but the TLS session (keys, sequence numbers) stays in this worker's OpenSSL.
        ctx.addIssue({
          code: 'custom',
          path: ['handOffOnReload'],
          message: 'false with tls: a connection handed to the next worker carries its socket but not its TLS session, which only this worker holds; TLS connections drain on reload (remove handOffOnReload)',
        });
      }
    })
    .transform((o) => ({ ...o, onHandlerError: o.onHandlerError === undefined ? defaultOnHandlerError(o.framing) : policyOf(o.onHandlerError) }));
});

export function validateTcpOptions(options: unknown, path: string): OptionsResult & { options: TcpOptions } {
  return transportOptions(schema(), options, path);
}
