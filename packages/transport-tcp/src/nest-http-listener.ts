import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DrainReport, type HeldHandle, type ListenerContext, type ListenerMetrics, closeHeld } from '@shoal/core';
import { ERR_HTTP_PLATFORM_ROUTES } from './errors';
import type { HttpServer } from './http-server';
import { HttpServerListener, isHttp1 } from './http-server-listener';
import type { NestHttpPlatform } from './nest-platform';
import { type WebSocketEndpoint, gatewaysOf } from './websocket';

/** One 'finish' listener for all responses of a listener: node passes the response as `this`. */
function sentCounter(metrics: ListenerMetrics): (this: ServerResponse) => void {
  return function (this: ServerResponse) {
    metrics.sent(Number(this.getHeader('content-length')) || 0);
  };
}

/**
 * An HTTP listener that serves the app's Nest controllers: the server Nest's
 * platform adapter built (Fastify's or Express's, with Nest's router, pipes,
 * guards, interceptors, filters and middleware), on the slot's SO_REUSEPORT
 * socket. Shoal keeps the socket, the connection counts and the drain.
 */
export class NestHttpListener extends HttpServerListener {
  private readonly countSent: (this: ServerResponse) => void;
  /** The app's WebSocket gateways on this server, when it has any (see websocket/). */
  private readonly websockets: WebSocketEndpoint | undefined;

  static async open(context: ListenerContext): Promise<NestHttpListener> {
    const listener = new NestHttpListener(context, await NestHttpListener.serverOf(context));
    await listener.listen(undefined);
    return listener;
  }

  static async adopt(context: ListenerContext, handle: HeldHandle): Promise<NestHttpListener> {
    const listener = new NestHttpListener(context, await NestHttpListener.serverOf(context));
    await listener.listen(handle);
    return listener;
  }

  private static async serverOf(context: ListenerContext): Promise<HttpServer> {
    const routes = context.handlers.all('request');
    if (routes.length > 0) throw new ERR_HTTP_PLATFORM_ROUTES(context.spec.name, routes.map((r) => r.name));
    const application = context.application;
    // The worker boots the app on the platform the transport gave for this listener before opening it.
    if (application === undefined) throw new Error(`listener "${context.spec.name}" has a platform but the worker gave it no Nest application`);
    return (application.platform as NestHttpPlatform).server(context.spec);
  }

  private constructor(context: ListenerContext, server: HttpServer) {
    super(context, server);
    this.countSent = sentCounter(this.metrics);
    // Before Nest's handler: a response must know it closes its connection before it is written.
    server.prependListener('request', this.onRequest);
    this.websockets = gatewaysOf(context.application?.platform)?.endpoint({
      spec: this.spec,
      metrics: this.metrics,
      logger: this.logger,
      handOff: context.handOff,
      adoptSocket: (socket) => this.adoptSocket(socket),
      passedOn: (socket) => this.passedOn(socket),
    });
    if (this.websockets !== undefined) server.on('upgrade', this.websockets.onUpgrade);
  }

  /** The HTTP drain, and each WebSocket closed with 1001 or handed off once its messages in flight are answered. */
  override drain(deadline: number): Promise<DrainReport> {
    const done = super.drain(deadline);
    this.websockets?.drain();
    return done;
  }

  /** A WebSocket connection the slot's previous worker handed off. */
  adoptConnection(handle: HeldHandle, unread: Buffer, state?: unknown): void {
    if (this.websockets?.adopt(handle, unread, state) === true) return;
    this.logger.error({ listener: this.spec.name }, 'a handed-off connection is no WebSocket of this listener; closing it');
    closeHeld(handle);
  }

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (this.draining && isHttp1(req)) res.setHeader('connection', 'close');
    this.metrics.received(Number(req.headers['content-length']) || 0);
    res.once('finish', this.countSent);
  };
}
