import { type IncomingMessage, STATUS_CODES } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HeldHandle, ListenerContext, ListenerMetrics, ListenerSpec, Logger } from '@shoal/core';
import { ERR_WS_BAD_HANDSHAKE } from '../errors';
import { type ConnectionOwner, GOING_AWAY, type ReleaseOutcome, WebSocketConnection } from './connection';
import type { WebSocketOptions } from './websocket-options';
import { type GatewayWsServer, type HandedOffWebSocket, type LiveWebSocket, handedOffRequest, handedOffWebSocket, rebuildWebSocket } from './ws-internals';

/** What the WebSockets of a listener need from the HTTP listener whose server carries them. */
export interface WebSocketHost {
  readonly spec: ListenerSpec;
  readonly metrics: ListenerMetrics;
  readonly logger: Logger;
  readonly handOff: ListenerContext['handOff'];
  /** Counts and tracks a socket that came from another worker (not through the server's 'connection'). */
  adoptSocket(socket: Socket): void;
  /** The socket lives on in the replacement worker: its close is a hand-off. */
  passedOn(socket: Socket): void;
}

/** What an endpoint needs from the app's gateways (WebSocketGateways). */
export interface GatewayRegistry {
  readonly options: WebSocketOptions;
  /** Upgrade requests under way, with the endpoint that routed them. */
  readonly upgrading: WeakMap<IncomingMessage, WebSocketEndpoint>;
  serverAt(path: string): GatewayWsServer | undefined;
  anyServer(): GatewayWsServer | undefined;
  /** Lets the instrumented adapter find the connection of a client. */
  track(ws: object, connection: WebSocketConnection): void;
}

/** The path of a request URL, without its query. */
function pathOf(url: string | undefined): string {
  const path = url ?? '/';
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}

/** Answers an upgrade request that will not become a WebSocket, and closes its connection once it is out. */
function answer(socket: Duplex, status: number, code?: string, headers: Record<string, string> = {}): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = code === undefined ? '' : JSON.stringify({ error: { code } });
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status]}`, 'Connection: close', 'Content-Type: application/json; charset=utf-8', `Content-Length: ${Buffer.byteLength(body)}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/**
 * The WebSocket side of one HTTP listener that serves the app's gateways:
 * routes its server's upgrade requests to the gateway of their path (what
 * Nest's WsAdapter does on its HTTP server), keeps the connections, drains
 * them, and serves the ones a previous worker handed off.
 */
export class WebSocketEndpoint implements ConnectionOwner {
  readonly listener: string;
  readonly options: WebSocketOptions;
  readonly metrics: ListenerMetrics;
  readonly logger: Logger;
  private readonly connections = new Set<WebSocketConnection>();
  private draining = false;
  /** The drain's tally, logged once every connection open at its start is released. */
  private tally: { closed: number; handedOff: number; ended: number; remaining: number } | undefined;

  constructor(
    private readonly gateways: GatewayRegistry,
    private readonly host: WebSocketHost,
  ) {
    this.listener = host.spec.name;
    this.options = gateways.options;
    this.metrics = host.metrics;
    this.logger = host.logger;
  }

  /** Connections open now. */
  get size(): number {
    return this.connections.size;
  }

  // --- upgrades ------------------------------------------------------------------------------

  /** The server's 'upgrade' listener. */
  readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (this.draining) {
      // This worker is leaving; the client's next try reaches another one.
      answer(socket, 503, undefined, { 'Retry-After': '0' });
      return;
    }
    const path = pathOf(req.url);
    const gateway = this.gateways.serverAt(path);
    if (gateway === undefined) {
      this.handshakeFailed(socket, `no gateway at path ${path}`);
      return;
    }
    this.gateways.upgrading.set(req, this);
    gateway.handleUpgrade(req, socket, head, (ws) => this.accept(ws as LiveWebSocket, gateway, req));
  };

  /** A handshake that breaks RFC 6455 (ws's checks) or asks for a path no gateway serves: counted, answered 400. */
  handshakeFailed(socket: Duplex, reason: string): void {
    const error = new ERR_WS_BAD_HANDSHAKE(reason);
    this.metrics.protocolError(error.code);
    this.logger.debug({ listener: this.listener, remoteAddress: (socket as Socket).remoteAddress, code: error.code }, error.message);
    answer(socket, 400, error.code, reason.includes('Sec-WebSocket-Version') ? { 'Sec-WebSocket-Version': '13, 8' } : {});
  }

  /** A WebSocket for the gateway: Shoal keeps it, then the gateway gets it as Nest's WsAdapter gives it (its 'connection' event). */
  private accept(ws: LiveWebSocket, gateway: GatewayWsServer, req: IncomingMessage): WebSocketConnection {
    const connection = new WebSocketConnection(this, ws, gateway, { url: req.url ?? '/', headers: req.headers, rawHeaders: req.rawHeaders });
    this.connections.add(connection);
    this.gateways.track(ws, connection);
    gateway.emit('connection', ws, req);
    if (this.draining) connection.drain();
    return connection;
  }

  // --- hand-off --------------------------------------------------------------------------------

  handOff(handle: HeldHandle, unread: Buffer, state: HandedOffWebSocket): Promise<boolean> {
    return this.host.handOff(handle, unread, state);
  }

  passedOn(socket: Socket): void {
    this.host.passedOn(socket);
  }

  /**
   * A WebSocket the slot's previous worker handed off: rebuilt on its socket
   * with what it had read but not parsed, and given to the gateway of its
   * path as a new connection whose request carries the original URL and
   * headers. False when `state` is not a WebSocket's (the caller closes the handle).
   */
  adopt(handle: HeldHandle, unread: Buffer, state: unknown): boolean {
    const handed = handedOffWebSocket(state);
    if (handed === undefined) return false;
    const socket = new Socket({ handle: handle as never, readable: true, writable: true, allowHalfOpen: true });
    this.host.adoptSocket(socket);
    const gateway = this.gateways.serverAt(handed.path);
    if (gateway === undefined) {
      this.logger.warn(
        { event: 'websocket.adopt-failed', listener: this.listener, path: handed.path },
        'a handed-off WebSocket connection has no gateway at its path in this worker; closing it with 1001',
      );
      // Any server builds the WebSocket that says goodbye properly.
      const any = this.gateways.anyServer();
      if (any === undefined) {
        socket.destroy();
      } else {
        const ws = rebuildWebSocket(any, socket, unread, handed);
        ws.on('error', () => undefined);
        ws.close(GOING_AWAY);
      }
      return true;
    }
    const ws = rebuildWebSocket(gateway, socket, unread, handed);
    this.accept(ws, gateway, handedOffRequest(socket, handed));
    return true;
  }

  // --- drain -----------------------------------------------------------------------------------

  /** Every connection stops taking messages, answers the ones it took, and is closed with 1001 or handed off. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    this.tally = { closed: 0, handedOff: 0, ended: 0, remaining: this.connections.size };
    if (this.tally.remaining === 0) return;
    for (const connection of [...this.connections]) connection.drain();
  }

  released(_connection: WebSocketConnection, outcome: ReleaseOutcome): void {
    const tally = this.tally;
    if (tally === undefined || tally.remaining === 0) return;
    if (outcome === 'closed') tally.closed++;
    else if (outcome === 'handed-off') tally.handedOff++;
    else tally.ended++;
    if (--tally.remaining > 0) return;
    const { closed, handedOff, ended } = tally;
    this.logger.info(
      { event: 'websocket.drained', listener: this.listener, closed, handedOff, ended },
      `WebSocket connections drained: ${closed} closed with 1001, ${handedOff} handed off, ${ended} ended otherwise`,
    );
  }

  closed(connection: WebSocketConnection): void {
    this.connections.delete(connection);
  }
}
