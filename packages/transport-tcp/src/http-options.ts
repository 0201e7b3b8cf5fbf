import type { OptionsResult } from '@shoal/core';
import { OptionsChecker } from './options';

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
   * a short grace lets busy clients finish cleanly.
   */
  readonly drainIdleGraceMs: number;
}

export const HTTP_DEFAULTS: Readonly<Omit<HttpOptions, 'maxHeaderSize'>> = Object.freeze({
  headersTimeoutMs: 60_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 10_000,
  maxBodyBytes: 1024 * 1024,
  drainIdleGraceMs: 1_000,
});

const KNOWN = [...Object.keys(HTTP_DEFAULTS), 'maxHeaderSize'];

export function validateHttpOptions(options: unknown, path: string): OptionsResult & { options: HttpOptions } {
  const c = new OptionsChecker(options, path, KNOWN, 'http');
  const requestTimeoutMs = c.nonNegativeInt('requestTimeoutMs', HTTP_DEFAULTS.requestTimeoutMs);
  let headersTimeoutMs = c.nonNegativeInt('headersTimeoutMs', HTTP_DEFAULTS.headersTimeoutMs);
  if (requestTimeoutMs > 0 && headersTimeoutMs > requestTimeoutMs) {
    if (c.isSet('headersTimeoutMs')) {
      // node:http refuses this combination too; say so before it throws at open.
      c.problems.push(
        `${path}.headersTimeoutMs (${headersTimeoutMs}) must not exceed ${path}.requestTimeoutMs (${requestTimeoutMs}); ` +
          `lower it, or set requestTimeoutMs to 0 (no limit)`,
      );
    }
    // The default is capped by the request timeout, as node:http does.
    headersTimeoutMs = requestTimeoutMs;
  }
  const keepAliveTimeoutMs = c.nonNegativeInt('keepAliveTimeoutMs', HTTP_DEFAULTS.keepAliveTimeoutMs);
  const maxConnections = c.positiveInt('maxConnections', HTTP_DEFAULTS.maxConnections);
  const maxBodyBytes = c.positiveInt('maxBodyBytes', HTTP_DEFAULTS.maxBodyBytes);
  const maxHeaderSize = c.optionalPositiveInt('maxHeaderSize');
  const drainIdleGraceMs = c.nonNegativeInt('drainIdleGraceMs', HTTP_DEFAULTS.drainIdleGraceMs);
  const result: HttpOptions = {
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs,
    maxConnections,
    maxBodyBytes,
    drainIdleGraceMs,
    ...(maxHeaderSize !== undefined && { maxHeaderSize }),
  };
  return { options: Object.freeze(result), problems: c.problems };
}
