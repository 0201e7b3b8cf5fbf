import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HeldHandle, ListenerContext, ListenerMetrics } from '@shoal/core';
import { ERR_HTTP_PLATFORM_ROUTES } from './errors';
import type { HttpServer } from './http-server';
import { HttpServerListener, isHttp1 } from './http-server-listener';
import type { NestHttpPlatform } from './nest-platform';

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
  }

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (this.draining && isHttp1(req)) res.setHeader('connection', 'close');
    this.metrics.received(Number(req.headers['content-length']) || 0);
    res.once('finish', this.countSent);
  };
}
