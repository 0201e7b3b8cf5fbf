import { describe } from '@shoal/common';
import type { Dispatcher } from '@shoal/core';
import { ERR_HTTP_ROUTE_INVALID } from './errors';
import type { HttpRequestContext } from './http-context';

type Handler = Dispatcher<HttpRequestContext>;

interface Route {
  readonly method: string | undefined;
  /** Exact path, or undefined for a prefix route. */
  readonly exact: string | undefined;
  readonly prefix: string;
  readonly handler: Handler;
}

const METHOD = /^[A-Za-z]+$/;

/**
 * The request handlers of a listener in declaration order: `method` matches
 * exactly (a GET route also answers HEAD), `path` exactly or, ending in `*`,
 * as a prefix. The first match wins.
 */
export class Routes {
  private readonly routes: Route[];

  constructor(handlers: readonly Handler[]) {
    this.routes = handlers.map((handler) => {
      const { name, options } = handler.handler;
      const { method, path } = options as { method?: unknown; path?: unknown };
      if (method !== undefined && (typeof method !== 'string' || !METHOD.test(method))) {
        throw new ERR_HTTP_ROUTE_INVALID(name, `method must be an HTTP method name like 'GET', got ${describe(method)}`);
      }
      if (path !== undefined && (typeof path !== 'string' || !(path.startsWith('/') || path === '*'))) {
        throw new ERR_HTTP_ROUTE_INVALID(name, `path must start with '/' (or be '*'), got ${describe(path)}`);
      }
      const prefix = path === undefined ? '' : path.endsWith('*') ? path.slice(0, -1) : undefined;
      return {
        method: method?.toUpperCase(),
        exact: prefix === undefined ? path : undefined,
        prefix: prefix ?? '',
        handler,
      };
    });
  }

  match(method: string, path: string): Handler | undefined {
    const routes = this.routes;
    for (let i = 0; i < routes.length; i++) {
      const r = routes[i];
      if (r.method !== undefined && r.method !== method && !(method === 'HEAD' && r.method === 'GET')) continue;
      if (r.exact !== undefined ? path === r.exact : path.startsWith(r.prefix)) return r.handler;
    }
    return undefined;
  }
}
