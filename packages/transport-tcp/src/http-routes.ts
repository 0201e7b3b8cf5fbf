import { METHODS } from 'node:http';
import type FindMyWay from 'find-my-way';
import { describe } from '@shoal/common';
import type { Dispatcher } from '@shoal/core';
import { ERR_HTTP_ROUTE_INVALID } from './errors';
import type { HttpParams, HttpRequestContext } from './http-context';

type Handler = Dispatcher<HttpRequestContext>;
type Router = FindMyWay.Instance<FindMyWay.HTTPVersion.V1>;
type Method = FindMyWay.HTTPMethod;

/** What a request is routed to: its handler and its path parameters. */
export interface RouteMatch {
  readonly handler: Handler;
  readonly params: HttpParams;
}

/** The router's part of a listener's options (HttpOptions). */
export interface RouterOptions {
  readonly ignoreTrailingSlash: boolean;
  readonly caseSensitive: boolean;
  readonly maxParamLength: number;
}

/** The params of every request whose route has none: one object, not one per request. */
export const NO_PARAMS: HttpParams = Object.freeze(Object.create(null) as HttpParams);

/** What the router passes for a query string: the listener cuts it off before, and ctx.query parses it. */
const NO_QUERY = Object.freeze({});

interface Route {
  readonly handler: Handler;
  readonly method: Method | undefined;
  /** The path as given, for messages. */
  readonly path: string | undefined;
  /** The path the router is given: no path takes every path, as `/*` does. */
  readonly pattern: string;
  /** The path has parameters or a wildcard: each request gets its own params. */
  readonly hasParams: boolean;
  /** What match() returns for this route when it has no params. */
  readonly match: RouteMatch;
}

/** find-my-way, loaded with the first HTTP listener (a supervisor, which only validates options, never needs it). */
let findMyWay: typeof FindMyWay | undefined;
/** The methods node:http parses that find-my-way routes: all of them, unless one of the two adds a method. */
let routable: readonly Method[] | undefined;

function loadRouter(): { create: typeof FindMyWay; methods: readonly Method[] } {
  findMyWay ??= require('find-my-way') as typeof FindMyWay;
  if (routable === undefined) {
    const probe = findMyWay();
    routable = METHODS.filter((method) => {
      try {
        probe.on(method as Method, '/', noop);
        return true;
      } catch {
        return false;
      }
    }) as Method[];
  }
  return { create: findMyWay, methods: routable };
}

function noop(): void {}

function noQuery(): object {
  return NO_QUERY;
}

/**
 * The request handlers of a listener, routed by find-my-way (Fastify's
 * router): `path` in its syntax (static, `:param`, `:param(regex)`,
 * `:from-:to`, a trailing `*`); the most specific path wins, whatever the
 * order of declaration. `method` matches exactly; a GET route also answers
 * HEAD (unless a HEAD route has its path); a route without `method` answers
 * the methods no other route of its path has; one without `path` takes every
 * path, even one the router cannot decode. Two routes of the same method and
 * path (parameter names aside) are refused.
 */
export class Routes {
  private readonly router: Router;
  /** Per method, the route without a path: it also takes the paths the router refuses (bad percent-encoding). */
  private readonly everyPath: Record<string, RouteMatch | undefined> = Object.create(null);

  constructor(handlers: readonly Handler[], options: RouterOptions) {
    const { create, methods } = loadRouter();
    const routes = handlers.map((handler) => route(handler, methods));
    const router = create({
      ignoreTrailingSlash: options.ignoreTrailingSlash,
      caseSensitive: options.caseSensitive,
      maxParamLength: options.maxParamLength,
      querystringParser: noQuery,
    });
    // Routes with a method first: on the same path they win over HEAD for GET
    // and over routes without a method, which take only what is left (and
    // conflict with each other: add() refuses a path taken already).
    for (const r of routes) if (r.method !== undefined) add(router, r.method, r);
    for (const r of routes) if (r.method === 'GET' && routed(router, 'HEAD', r.pattern) === undefined) add(router, 'HEAD', r);
    for (const r of routes) {
      if (r.method !== undefined) continue;
      for (const method of methods) if (routed(router, method, r.pattern)?.method === undefined) add(router, method, r);
    }
    for (const method of methods) {
      const r = routed(router, method, '/*');
      if (r !== undefined && r.path === undefined) this.everyPath[method] = r.match;
    }
    this.router = router.compile();
  }

  /** The route of a request (`path` without the query string), or undefined: 404. */
  match(method: string, path: string): RouteMatch | undefined {
    const found = this.router.find(method as Method, path);
    if (found === null) return this.everyPath[method];
    const r = found.store as Route;
    return r.hasParams ? { handler: r.handler, params: Object.freeze(found.params) as HttpParams } : r.match;
  }
}

/** A handler's route, its options checked. */
function route(handler: Handler, methods: readonly Method[]): Route {
  const { name, options } = handler.handler;
  const { method, path } = options as { method?: unknown; path?: unknown };
  const upper = typeof method === 'string' ? (method.toUpperCase() as Method) : undefined;
  if (method !== undefined && (upper === undefined || !methods.includes(upper))) {
    throw new ERR_HTTP_ROUTE_INVALID(name, `method must be an HTTP method name like 'GET', got ${describe(method)}`);
  }
  if (path !== undefined && (typeof path !== 'string' || !(path.startsWith('/') || path === '*'))) {
    throw new ERR_HTTP_ROUTE_INVALID(name, `path must start with '/' (or be '*'), got ${describe(path)}`);
  }
  return {
    handler,
    method: upper,
    path,
    pattern: path === undefined || path === '*' ? '/*' : path,
    // `::` is a literal colon; any other `:` starts a parameter, `*` is the wildcard.
    hasParams: path !== undefined && /[:*]/.test(path.replaceAll('::', '')),
    match: Object.freeze({ handler, params: NO_PARAMS }),
  };
}

/** The route registered for this method and path (parameter names aside), if any. */
function routed(router: Router, method: Method, pattern: string): Route | undefined {
  try {
    return router.findRoute(method, pattern)?.store as Route | undefined;
  } catch {
    // A path find-my-way refuses: add() says why.
    return undefined;
  }
}

function add(router: Router, method: Method, r: Route): void {
  const name = r.handler.handler.name;
  const shown = `${r.method ?? 'any method'} ${r.path === undefined ? '(every path)' : describe(r.path)}`;
  const taken = routed(router, method, r.pattern);
  if (taken !== undefined) {
    throw new ERR_HTTP_ROUTE_INVALID(
      name,
      `${shown} is the route of handler ${taken.handler.handler.name} already (paths that differ only in parameter names are the same); ` +
        `give one of them another method or path`,
    );
  }
  try {
    router.on(method, r.pattern, noop, r);
  } catch (err) {
    throw new ERR_HTTP_ROUTE_INVALID(name, `find-my-way refuses ${shown}: ${(err as Error).message}`, { cause: err });
  }
}
