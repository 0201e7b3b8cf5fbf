/**
 * The app's WebSocket gateways as Shoal serves them: Nest's WsAdapter
 * (@nestjs/platform-ws, the `ws` library), the one the app's configure() set
 * or one Shoal installs, instrumented so that Shoal sees each connection and
 * the messages its handlers still answer. Nest keeps doing the rest: the
 * gateways' handlers with their guards, pipes, interceptors and filters,
 * `{ event, data }` messages, handleConnection and handleDisconnect.
 */
import type { IncomingMessage } from 'node:http';
import type { EventEmitter } from 'node:events';
import type { HttpPlatform } from '@shoal/core';
import { ERR_WS_ADAPTER_UNSUPPORTED, ERR_WS_GATEWAY_PORT, ERR_WS_NOT_INSTALLED } from '../errors';
import type { WebSocketConnection } from './connection';
import { type GatewayRegistry, WebSocketEndpoint, type WebSocketHost } from './endpoint';
import { loadOptional } from './packages';
import { WEBSOCKET_DEFAULTS, type WebSocketOptions } from './websocket-options';
import type { GatewayWsServer } from './ws-internals';

interface ObservableLike {
  pipe(...operators: unknown[]): ObservableLike;
}

type Transform = (data: unknown) => ObservableLike;

/** Nest's WsAdapter, as far as Shoal uses it (its methods are wrapped on the instance). */
interface WsAdapterLike {
  readonly httpServer?: EventEmitter;
  readonly logger?: { error(message: unknown): void };
  create(port: number, options?: Record<string, unknown>): unknown;
  bindMessageHandlers(client: object, handlers: unknown[], transform: Transform): void;
  bindErrorHandler(server: EventEmitter): EventEmitter;
}

/** The part of a Nest application this needs (an INestApplication's, and the ApplicationConfig Nest keeps on it). */
interface NestApplicationLike {
  useWebSocketAdapter(adapter: object): unknown;
  readonly config?: { getIoAdapter?(): unknown };
}

/** Whether `adapter` is @nestjs/platform-ws's WsAdapter or a subclass of it. */
function isWsAdapter(adapter: object): adapter is WsAdapterLike {
  const a = adapter as Partial<WsAdapterLike>;
  if (typeof a.create !== 'function' || typeof a.bindMessageHandlers !== 'function' || typeof a.bindErrorHandler !== 'function') return false;
  for (let proto = Object.getPrototypeOf(adapter); proto !== null; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === 'WsAdapter') return true;
  }
  return false;
}

export class WebSocketGateways implements GatewayRegistry {
  private readonly servers: GatewayWsServer[] = [];
  private readonly connections = new WeakMap<object, WebSocketConnection>();
  /** Upgrade requests under way, with the endpoint that routed them (ws reports a bad handshake by its request). */
  readonly upgrading = new WeakMap<IncomingMessage, WebSocketEndpoint>();

  constructor(
    private readonly listener: string,
    readonly options: WebSocketOptions,
    adapter: WsAdapterLike,
    finalize: (callback: () => void) => unknown,
  ) {
    const create = adapter.create.bind(adapter);
    adapter.create = (port, gatewayOptions = {}) => {
      // Nest passes 0 for a gateway without a port of its own: the application's HTTP server.
      if (port !== 0) throw new ERR_WS_GATEWAY_PORT(listener, port);
      const http = adapter.httpServer;
      const before = http?.listeners('upgrade') ?? [];
      const server = create(port, this.gatewayOptions(gatewayOptions)) as GatewayWsServer;
      // Nest's WsAdapter routes its HTTP server's upgrades itself; the listener does it for each of its servers.
      for (const added of http?.listeners('upgrade') ?? []) if (!before.includes(added)) http!.removeListener('upgrade', added as () => void);
      this.add(server);
      return server;
    };
    const bind = adapter.bindMessageHandlers.bind(adapter);
    adapter.bindMessageHandlers = (client, handlers, transform) => {
      const connection = this.connections.get(client);
      if (connection === undefined) {
        bind(client, handlers, transform);
        return;
      }
      // Called for each message a handler takes; the Observable completes once its answers are sent.
      bind(client, handlers, (data) => {
        connection.messageStarted();
        return transform(data).pipe(finalize(() => connection.messageSettled()));
      });
    };
    // A client's protocol errors are counted and logged by Shoal (at debug or warn), not as Nest's error line each.
    adapter.bindErrorHandler = (server) => server.on('error', (err: unknown) => adapter.logger?.error(err));
  }

  /** The ws options of a gateway: the listener's message limit (a gateway's smaller maxPayload wins); hand-off wants deflate without context takeover. */
  private gatewayOptions(options: Record<string, unknown>): Record<string, unknown> {
    const own = options.maxPayload;
    const max = this.options.maxMessageBytes;
    const result: Record<string, unknown> = { ...options, maxPayload: typeof own === 'number' && own > 0 ? Math.min(own, max) : max };
    const deflate = options.perMessageDeflate;
    if (this.options.handOffOnReload && deflate !== undefined && deflate !== false) {
      result.perMessageDeflate = { ...(typeof deflate === 'object' ? deflate : {}), serverNoContextTakeover: true, clientNoContextTakeover: true };
    }
    return result;
  }

  private add(server: GatewayWsServer): void {
    this.servers.push(server);
    server.on('wsClientError', (err: Error, socket, req: IncomingMessage) => {
      const endpoint = this.upgrading.get(req);
      if (endpoint !== undefined) endpoint.handshakeFailed(socket, err.message);
      else socket.destroy();
    });
  }

  /** The gateway server of a path (Nest normalises a gateway's path; '/' when it has none). */
  serverAt(path: string): GatewayWsServer | undefined {
    return this.servers.find((s) => (s.path ?? '/') === path);
  }

  anyServer(): GatewayWsServer | undefined {
    return this.servers[0];
  }

  track(ws: object, connection: WebSocketConnection): void {
    this.connections.set(ws, connection);
  }

  /** The WebSocket side of a listener (of each server that serves the app: the listener's, an inherited socket's). */
  endpoint(host: WebSocketHost): WebSocketEndpoint {
    return new WebSocketEndpoint(this, host);
  }
}

/**
 * Called after the app's configure(), before init() (HttpPlatform.configured):
 * the app's WsAdapter, instrumented; or, when the app set none and the
 * listener has `options.websocket`, a WsAdapter Shoal installs. Undefined when
 * the app serves no WebSockets through a WsAdapter.
 */
export function webSocketGateways(app: object, listener: string, options: WebSocketOptions | undefined): WebSocketGateways | undefined {
  const application = app as NestApplicationLike;
  let adapter = application.config?.getIoAdapter?.() as object | null | undefined;
  if (adapter === undefined || adapter === null) {
    if (options === undefined) return undefined;
    const pkg = loadOptional('@nestjs/platform-ws');
    if (pkg === undefined) throw new ERR_WS_NOT_INSTALLED(listener, '@nestjs/platform-ws');
    adapter = new (pkg.WsAdapter as new (app: object) => object)(app);
    application.useWebSocketAdapter(adapter);
  } else if (!isWsAdapter(adapter)) {
    if (options !== undefined) throw new ERR_WS_ADAPTER_UNSUPPORTED(listener, adapter.constructor?.name ?? typeof adapter);
    return undefined;
  }
  const rxjs = loadOptional('rxjs');
  if (rxjs === undefined) throw new ERR_WS_NOT_INSTALLED(listener, 'rxjs');
  return new WebSocketGateways(listener, options ?? WEBSOCKET_DEFAULTS, adapter as WsAdapterLike, rxjs.finalize as (callback: () => void) => unknown);
}

/** The platform's gateways, when it serves any (NestHttpPlatform keeps them once the app is configured). */
export function gatewaysOf(platform: HttpPlatform | undefined): WebSocketGateways | undefined {
  return (platform as { websockets?: WebSocketGateways } | undefined)?.websockets;
}
