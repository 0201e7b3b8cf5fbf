import 'reflect-metadata';

/** Metadata key under which Shoal stores a method's handler bindings. */
export const SHOAL_HANDLERS = 'shoal:handlers';

export interface HandlerMetadata {
  readonly listener: string;
  readonly event: string;
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * Binds a method to an event of a named listener. The transport-specific
 * decorators below are shorthands; transports with other events (SCTP
 * notifications, for instance) use this one.
 */
export function OnEvent(listener: string, event: string, options: Record<string, unknown> = {}): MethodDecorator {
  if (typeof listener !== 'string' || listener.length === 0) {
    throw new TypeError(`@OnEvent: the listener name must be a non-empty string, got ${JSON.stringify(listener)}`);
  }
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object;
    const existing: HandlerMetadata[] = Reflect.getMetadata(SHOAL_HANDLERS, method) ?? [];
    Reflect.defineMetadata(SHOAL_HANDLERS, [...existing, { listener, event, options: Object.freeze({ ...options }) }], method);
    return descriptor;
  };
}

/** A message on a stream listener (a frame on TCP). `(payload: Buffer, ctx) => reply | void` */
export const OnMessage = (listener: string): MethodDecorator => OnEvent(listener, 'message');

/** A connection opened on a stream listener. `(ctx) => void` */
export const OnConnect = (listener: string): MethodDecorator => OnEvent(listener, 'connect');

/** A connection closed on a stream listener. `(ctx) => void` */
export const OnDisconnect = (listener: string): MethodDecorator => OnEvent(listener, 'disconnect');

/** A datagram on a UDP listener. `(payload: Buffer, ctx) => reply | void` */
export const OnDatagram = (listener: string): MethodDecorator => OnEvent(listener, 'datagram');

export interface RouteOptions {
  /**
   * HTTP method to match, like 'GET' (a GET route also answers HEAD). Without
   * it, every method that no route with a method takes on the same path.
   */
  method?: string;
  /**
   * Path in find-my-way's syntax (Fastify's router): static (`/items`),
   * parameters (`/items/:id`, `/items/:id(^\d+$)`, `/range/:from-:to`, in
   * `ctx.params`, decoded), a trailing wildcard (`/files/*`: the rest of the
   * path, `ctx.params['*']`, also empty; `/kv*` takes `/kv` and `/kvx`); `::`
   * is a literal colon. The most specific path wins, not the first declared.
   * Without it, every path. One handler per method and path, or the listener
   * does not open (SHOAL_ERR_HTTP_ROUTE_INVALID).
   */
  path?: string;
}

/** An HTTP request. `(ctx) => body | void`; see @shoal/transport-tcp for the context and routing. */
export const OnRequest = (listener: string, route: RouteOptions = {}): MethodDecorator =>
  OnEvent(listener, 'request', { ...route });

export function handlerMetadataOf(method: unknown): readonly HandlerMetadata[] {
  if (typeof method !== 'function') return [];
  return Reflect.getMetadata(SHOAL_HANDLERS, method) ?? [];
}

export const BROADCAST_METADATA = 'shoal:broadcast';

/** Marks a provider method as a subscriber of a broadcast channel: `@OnBroadcast('cache-flush')`. */
export function OnBroadcast(channel: string): MethodDecorator {
  if (!/^[A-Za-z0-9:_.-]{1,128}$/.test(channel)) throw new TypeError(`@OnBroadcast: channel must use letters, digits and : _ . - (1 to 128), got ${JSON.stringify(channel)}`);
  return (_target, _key, descriptor) => {
    const fn = descriptor.value as object;
    const channels: string[] = Reflect.getMetadata(BROADCAST_METADATA, fn) ?? [];
    Reflect.defineMetadata(BROADCAST_METADATA, [...channels, channel], fn);
    return descriptor;
  };
}

/** The broadcast channels a method subscribes to. */
export function broadcastChannelsOf(fn: unknown): string[] {
  return typeof fn === 'function' ? ((Reflect.getMetadata(BROADCAST_METADATA, fn) as string[] | undefined) ?? []) : [];
}
