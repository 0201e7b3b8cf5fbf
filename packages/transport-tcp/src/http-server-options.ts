import type { ServerOptions } from 'node:http';
import type { HttpOptions } from './http-options';

/**
 * How often node:http looks for requests over their timeouts (its default,
 * 30 s, would let a 30 s timeout run for up to a minute).
 */
function checkingInterval(o: HttpOptions): number {
  const timeouts = [o.headersTimeoutMs, o.requestTimeoutMs].filter((t) => t > 0);
  if (timeouts.length === 0) return 30_000;
  return Math.min(30_000, Math.max(100, Math.floor(Math.min(...timeouts) / 4)));
}

/** What node:http takes at construction from a listener's options (every HTTP listener's server is built with these). */
export function serverOptions(o: HttpOptions): ServerOptions {
  return {
    headersTimeout: o.headersTimeoutMs,
    requestTimeout: o.requestTimeoutMs,
    keepAliveTimeout: o.keepAliveTimeoutMs,
    connectionsCheckingInterval: checkingInterval(o),
    noDelay: true,
    ...(o.maxHeaderSize !== undefined && { maxHeaderSize: o.maxHeaderSize }),
  };
}
