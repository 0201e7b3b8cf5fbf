/**
 * The Nest platforms an HTTP listener can serve the app's controllers on:
 * Nest's own adapters (@nestjs/platform-fastify, @nestjs/platform-express),
 * loaded only when a listener asks for one, with the listener's limits and
 * timeouts applied to the server they build.
 */
import { type Server, createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { HttpPlatform, ListenerSpec } from '@shoal/core';
import { ERR_HTTP_PLATFORM_NOT_INSTALLED } from './errors';
import type { HttpOptions, HttpPlatformName } from './http-options';
import { type HttpServer, createHttpServer, secureOptions, serverOptions } from './http-server';
import { type WebSocketGateways, webSocketGateways } from './websocket';

const PACKAGES: Readonly<Record<HttpPlatformName, string>> = Object.freeze({
  fastify: '@nestjs/platform-fastify',
  express: '@nestjs/platform-express',
});

/** A platform package: from here (a peer dependency), else from the app's working directory. */
function loadPlatformPackage(spec: ListenerSpec, platform: HttpPlatformName): Record<string, unknown> {
  const name = PACKAGES[platform];
  for (const paths of [undefined, [process.cwd()]]) {
    try {
      return require(paths === undefined ? name : require.resolve(name, { paths })) as Record<string, unknown>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || !(error as Error).message.includes(name)) throw error;
    }
  }
  throw new ERR_HTTP_PLATFORM_NOT_INSTALLED(spec.name, platform, name);
}

type FastifyLike = { ready(): Promise<unknown>; server: Server };
type AdapterLike = { getHttpServer(): Server; getInstance(): unknown };

/** The platform of one listener, from creation (before the app boots) to the servers it serves. */
export class NestHttpPlatform implements HttpPlatform {
  /** Nest's request handlers on its server, as Nest left them. */
  private handlers: ((...args: unknown[]) => void)[] | undefined;

  /** The app's WebSocket gateways on this listener, once configure() ran (see websocket/). */
  websockets: WebSocketGateways | undefined;

  constructor(
    readonly name: HttpPlatformName,
    readonly listener: string,
    readonly adapter: AdapterLike,
    private readonly options: HttpOptions,
  ) {}

  /** After the app's configure(), before init(): its WsAdapter (or one Shoal installs) gets instrumented. */
  configured(app: object): void {
    this.websockets = webSocketGateways(app, this.listener, this.options.websocket);
  }

  /**
   * A server for one socket of a listener that serves the app, ready for
   * requests (the app must be initialised): the platform's own listener gets
   * the server Nest built, once; every other socket (another listener, HTTPS
   * next to HTTP say, or a socket inherited from a slot that stopped
   * restarting) a server of its own, built from its listener's options, that
   * hands its requests to Nest's handlers.
   */
  async server(spec: ListenerSpec): Promise<HttpServer> {
    if (this.handlers === undefined) {
      // Fastify boots its plugins (the routes Nest registered among them) on ready().
      if (this.name === 'fastify') await (this.adapter.getInstance() as FastifyLike).ready();
      const server = this.adapter.getHttpServer() as HttpServer;
      this.handlers = server.listeners('request') as ((...args: unknown[]) => void)[];
      if (spec.name === this.listener) return server;
    }
    const companion = createHttpServer(spec);
    for (const handler of this.handlers) companion.on('request', handler);
    return companion;
  }
}

/** Fastify's clientErrorHandler: nothing, HttpServerListener's 'clientError' listener answers. */
function leaveClientErrorsToListener(): void {}

/** The platform `spec` asks for, with its adapter built; undefined without options.platform. */
export function createHttpPlatform(spec: ListenerSpec): NestHttpPlatform | undefined {
  const o = spec.options as unknown as HttpOptions;
  if (o.platform === undefined) return undefined;
  const pkg = loadPlatformPackage(spec, o.platform);
  // Read in the worker, before the app boots: a missing certificate stops the boot with its code.
  const secure = secureOptions(spec);
  if (o.platform === 'fastify') {
    const FastifyAdapter = pkg.FastifyAdapter as new (options: object) => AdapterLike;
    const http = serverOptions(o);
    const adapter = new FastifyAdapter({
      // Fastify builds node:https or node:http2 (h2 with the HTTP/1.1 fallback, or h2c) from these. Every
      // timeout goes in: node:http2's secure server takes its HTTP/1.1 fallback's from them alone.
      ...(o.http2 && { http2: true }),
      ...(secure !== undefined && { https: { ...http, ...secure } }),
      // The listener's router options mean the same for Fastify's router (find-my-way as well).
      routerOptions: { ignoreTrailingSlash: o.ignoreTrailingSlash, caseSensitive: o.caseSensitive, maxParamLength: o.maxParamLength },
      bodyLimit: o.maxBodyBytes,
      // Fastify sets these two on its HTTP/1.1 server after building it, its own defaults when unset.
      keepAliveTimeout: http.keepAliveTimeout,
      requestTimeout: http.requestTimeout,
      http,
      // The listener answers the requests node:http cannot parse or that time out (400/408/431 with a
      // code) and counts them; Fastify's own answer would come first, with its body and no count.
      clientErrorHandler: leaveClientErrorsToListener,
      ...o.platformOptions,
    });
    return new NestHttpPlatform('fastify', spec.name, adapter, o);
  }
  const ExpressAdapter = pkg.ExpressAdapter as new () => AdapterLike & { httpServer: Server };
  // Nest's ExpressAdapter builds a bare http.Server; this one takes the listener's limits and timeouts.
  class ShoalExpressAdapter extends ExpressAdapter {
    initHttpServer(): void {
      const app = this.getInstance() as never;
      this.httpServer = secure === undefined ? createServer(serverOptions(o), app) : createHttpsServer({ ...serverOptions(o), ...secure }, app);
    }
  }
  return new NestHttpPlatform('express', spec.name, new ShoalExpressAdapter(), o);
}
