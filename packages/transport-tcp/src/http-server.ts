/**
 * The node server of an HTTP listener, by its options: node:http, node:https
 * (`tls`), or node:http2 (`http2`: h2 with an HTTP/1.1 fallback over TLS, h2c
 * in clear). Every HTTP listener builds its server here, or gives the same
 * options to the Nest platform that builds it.
 */
import { type RequestListener, type Server, type ServerOptions, createServer } from 'node:http';
import { type Http2SecureServer, type Http2Server, createSecureServer, createServer as createH2cServer } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import type { TlsOptions as NodeTlsOptions } from 'node:tls';
import type { ListenerSpec } from '@shoal/core';
import type { HttpOptions } from './http-options';
import { tlsServerOptions } from './tls-server';

/** Any of the four: they share net.Server's listen/close and the 'request' event. */
export type HttpServer = Server | Http2Server | Http2SecureServer;

/**
 * How often node:http looks for requests over their timeouts (its default,
 * 30 s, would let a 30 s timeout run for up to a minute).
 */
function checkingInterval(o: HttpOptions): number {
  const timeouts = [o.headersTimeoutMs, o.requestTimeoutMs].filter((t) => t > 0);
  if (timeouts.length === 0) return 30_000;
  return Math.min(30_000, Math.max(100, Math.floor(Math.min(...timeouts) / 4)));
}

/** What node:http takes at construction from a listener's options (every HTTP/1.1 server is built with these). */
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

/**
 * node:tls's options of a listener with `tls`, its files read now (in the
 * worker that opens it); undefined without. `http2` adds ALPN's 'h2', with
 * 'http/1.1' for the clients that do not speak it.
 */
export function secureOptions(spec: ListenerSpec): (NodeTlsOptions & { allowHTTP1?: boolean }) | undefined {
  const o = spec.options as unknown as HttpOptions;
  if (o.tls === undefined) return undefined;
  const tls = tlsServerOptions(o.tls, `listeners.${spec.name}.options.tls`);
  return o.http2 ? { ...tls, allowHTTP1: true, ALPNProtocols: ['h2', 'http/1.1'] } : tls;
}

/** The server of a listener that Shoal builds itself (not a Nest platform's); its 'request' listener is the caller's. */
export function createHttpServer(spec: ListenerSpec, handler?: RequestListener): HttpServer {
  const o = spec.options as unknown as HttpOptions;
  const secure = secureOptions(spec);
  if (o.http2) {
    // The HTTP/1.1 fallback of a secure h2 server takes node:http's options as well.
    if (secure !== undefined) return createSecureServer({ ...serverOptions(o), ...secure }, handler as never);
    return createH2cServer({}, handler as never);
  }
  if (secure !== undefined) return createHttpsServer({ ...serverOptions(o), ...secure }, handler);
  return createServer(serverOptions(o), handler);
}
