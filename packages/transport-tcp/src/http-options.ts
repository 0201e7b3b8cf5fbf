import type { HandlerErrorPolicies, HandlerErrorPolicy, OptionsResult } from '@shoal/core';
import { lazySchema } from '@shoal/common';
import type { z } from 'zod';
import { fields, loadZod, transportOptions } from './options';
import { type TlsOptions, tlsSchema } from './tls-options';
import { type WebSocketOptions, websocketSchema } from './websocket';

export interface HttpOptions {
  /** Time for a client to send the request headers (0 = none); at most requestTimeoutMs. */
  readonly headersTimeoutMs: number;
  /** Time for a client to send the whole request (0 = none). */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long (0 = never). */
  readonly keepAliveTimeoutMs: number;
  /** Connections open at once in one worker; more are refused. */
  readonly maxConnections: number;
  /** A larger request body is answered 413 and never reaches a handler. */
  readonly maxBodyBytes: number;
  /** Largest request head (request line and headers); Node's default (16 KiB) when unset. */
  readonly maxHeaderSize?: number;
  /**
   * While draining, a keep-alive connection gets `Connection: close` on its
   * next response; one that stays idle this long is closed (0 = at once).
   * Closing an idle connection races a request the client may be sending, so
   * a short grace lets busy clients finish cleanly. An HTTP/2 session gets a
   * GOAWAY that refuses nothing, then a PING; once the PING is answered (or
   * after this long) the final GOAWAY names the last stream processed.
   */
  readonly drainIdleGraceMs: number;
  /**
   * What a failed handler gets (HandlerErrorPolicy of @shoal/core): 'reply'
   * a JSON error response (500 `{"error":{"code":...}}`, the status and body
   * of an HttpException, 503 for a busy error), 'close' the connection cut
   * without a response. A request must be answered, so there is no 'ignore'.
   */
  readonly onHandlerError: HandlerErrorPolicy;
  /**
   * Serve the application's Nest controllers on Nest's own HTTP stack:
   * 'fastify' (@nestjs/platform-fastify) or 'express'
   * (@nestjs/platform-express), installed next to the app. Unset: the
   * listener routes to the app's @OnRequest handlers (Shoal's raw path).
   */
  readonly platform?: HttpPlatformName;
  /**
   * Options of the platform's server: for 'fastify', FastifyServerOptions
   * (`trustProxy`, `maxRequestsPerSocket`, ...; JSON values only, the
   * configuration travels to workers as JSON). `bodyLimit` defaults to
   * maxBodyBytes, `routerOptions` to this listener's ignoreTrailingSlash,
   * caseSensitive and maxParamLength. Express takes none: configure it in the app's
   * configure() (`app.useBodyParser('json', { limit })`, `app.set(...)`).
   */
  readonly platformOptions?: Readonly<Record<string, unknown>>;
  /**
   * HTTPS: the certificate, key, client certificates and SNI of every
   * connection (the `tls` block of @shoal/transport-tcp, read from its files
   * when a worker opens the listener: `shoal reload` serves renewed ones).
   */
  readonly tls?: TlsOptions;
  /**
   * HTTP/2. With `tls`: h2 by ALPN, and HTTP/1.1 for clients that do not
   * offer it, on the same port. Without: cleartext h2c with prior knowledge
   * only (HTTP/1.1 clients cannot talk to it). Shoal's router and Fastify;
   * Nest's Express adapter has no HTTP/2.
   */
  readonly http2: boolean;
  /**
   * The app's WebSocket gateways on this listener's port (with `platform`
   * only): limits, and whether a reload hands live connections over (see
   * WebSocketOptions). Set, Shoal installs @nestjs/platform-ws's WsAdapter
   * when the app's configure() set none; a WsAdapter the app set is served
   * with these options (their defaults when unset).
   */
  readonly websocket?: WebSocketOptions;
  /** `/items/` matches the route of `/items` and the other way round (the router's option). */
  readonly ignoreTrailingSlash: boolean;
  /** Routes match the path's case (`/Items` is not `/items`); parameters keep their case either way. */
  readonly caseSensitive: boolean;
  /**
   * A path parameter longer than this (decoded) does not match: the request
   * goes to another route (a wildcard) or is answered 404.
   */
  readonly maxParamLength: number;
}

export const HTTP_PLATFORMS = Object.freeze(['fastify', 'express'] as const);
export type HttpPlatformName = (typeof HTTP_PLATFORMS)[number];

/** What `onHandlerError` may be on an HTTP listener. */
export const HTTP_HANDLER_ERRORS: HandlerErrorPolicies = Object.freeze({ supported: Object.freeze(['reply', 'close'] as const), default: 'reply' });

export const HTTP_DEFAULTS: Readonly<Omit<HttpOptions, 'maxHeaderSize' | 'platform' | 'platformOptions' | 'tls' | 'websocket'>> = Object.freeze({
  headersTimeoutMs: 60_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 10_000,
  maxBodyBytes: 1024 * 1024,
  drainIdleGraceMs: 1_000,
  onHandlerError: HTTP_HANDLER_ERRORS.default,
  http2: false,
  // The router's (and Fastify's) defaults.
  ignoreTrailingSlash: false,
  caseSensitive: true,
  maxParamLength: 100,
});

const schema = lazySchema((): z.ZodType<HttpOptions> => {
  const zod = loadZod();
  const f = fields(zod);
  const d = HTTP_DEFAULTS;
  return zod
    .strictObject(
      {
        // Its default depends on requestTimeoutMs (below).
        headersTimeoutMs: f.nonNegativeInt().optional(),
        requestTimeoutMs: f.nonNegativeInt().default(d.requestTimeoutMs),
        keepAliveTimeoutMs: f.nonNegativeInt().default(d.keepAliveTimeoutMs),
        maxConnections: f.positiveInt().default(d.maxConnections),
        maxBodyBytes: f.positiveInt().default(d.maxBodyBytes),
        maxHeaderSize: f.positiveInt().optional(),
        drainIdleGraceMs: f.nonNegativeInt().default(d.drainIdleGraceMs),
        onHandlerError: f.onHandlerError(HTTP_HANDLER_ERRORS).default(d.onHandlerError),
        platform: f.oneOf(HTTP_PLATFORMS as unknown as [HttpPlatformName, ...HttpPlatformName[]]).optional(),
        platformOptions: zod.record(zod.string(), zod.json(), { error: 'an object of JSON values' }).optional(),
        tls: tlsSchema(zod).optional(),
        http2: f.boolean().default(d.http2),
        websocket: websocketSchema(zod).optional(),
        ignoreTrailingSlash: f.boolean().default(d.ignoreTrailingSlash),
        caseSensitive: f.boolean().default(d.caseSensitive),
        maxParamLength: f.positiveInt().default(d.maxParamLength),
      },
      { error: 'an object' },
    )
    .superRefine((o, ctx) => {
      if (o.tls?.alpnProtocols !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['tls', 'alpnProtocols'], message: "unset on an HTTP listener: it offers 'h2' (with http2) and 'http/1.1' itself" });
      }
      if (o.http2 && o.platform === 'express') {
        ctx.addIssue({ code: 'custom', path: ['http2'], message: "false with platform 'express' (Nest's Express adapter has no HTTP/2); use platform 'fastify'" });
      }
      if (o.platformOptions !== undefined && o.platform !== 'fastify') {
        ctx.addIssue({
          code: 'custom',
          path: ['platformOptions'],
          message: `used only with platform 'fastify'${o.platform === 'express' ? "; configure Express in the app's configure()" : ''}`,
        });
      }
      if (o.websocket !== undefined && o.platform === undefined) {
        ctx.addIssue({ code: 'custom', path: ['websocket'], message: "used only with options.platform (WebSockets are the gateways of a Nest app on its platform)" });
      }
      // node:http refuses this combination too; say so before it throws at open.
      if (o.headersTimeoutMs !== undefined && o.requestTimeoutMs > 0 && o.headersTimeoutMs > o.requestTimeoutMs) {
        ctx.addIssue({
          code: 'custom',
          path: ['headersTimeoutMs'],
          message: `at most requestTimeoutMs (${o.requestTimeoutMs}); lower it, or set requestTimeoutMs to 0 (no limit)`,
        });
      }
    })
    .transform((o) => ({
      ...o,
      // The default is capped by the request timeout, as node:http does.
      headersTimeoutMs: o.headersTimeoutMs ?? (o.requestTimeoutMs > 0 ? Math.min(d.headersTimeoutMs, o.requestTimeoutMs) : d.headersTimeoutMs),
      onHandlerError: o.onHandlerError as HandlerErrorPolicy,
    }));
});

export function validateHttpOptions(options: unknown, path: string): OptionsResult & { options: HttpOptions } {
  return transportOptions(schema(), options, path);
}
