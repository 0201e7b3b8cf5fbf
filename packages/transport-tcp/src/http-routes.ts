import type { InstrumentedHandler } from '@shoal/core';
import { ERR_HTTP_ROUTE_INVALID } from './errors';
import { describe } from './options';

interface Route {
  readonly method: string | undefined;
  /** Exact path, or undefined for a prefix route. */
  readonly exact: string | undefined;
  readonly prefix: string;
  readonly handler: InstrumentedHandler;
}

const METHOD = /^[A-Za-z]+$/;

/**
 * The request handlers of a listener in declaration order: `method` matches
 * exactly (a GET route also answers HEAD), `path` exactly or, ending in `*`,
 * as a prefix. The first match wins.
 */
export class Routes {
  private readonly routes: Route[];

  constructor(handlers: readonly InstrumentedHandler[]) {
    this.routes = handlers.map((handler) => {
      const { method, path } = handler.options as { method?: unknown; path?: unknown };
      if (method !== undefined && (typeof method !== 'string' || !METHOD.test(method))) {
        throw new ERR_HTTP_ROUTE_INVALID(handler.name, `method must be an HTTP method name like 'GET', got ${describe(method)}`);
      }
      if (path !== undefined && (typeof path !== 'string' || !(path.startsWith('/') || path === '*'))) {
        throw new ERR_HTTP_ROUTE_INVALID(handler.name, `path must start with '/' (or be '*'), got ${describe(path)}`);
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

  match(method: string, path: string): InstrumentedHandler | undefined {
    const routes = this.routes;
    for (let i = 0; i < routes.length; i++) {
      const r = routes[i];
      if (r.method !== undefined && r.method !== method && !(method === 'HEAD' && r.method === 'GET')) continue;
      if (r.exact !== undefined ? path === r.exact : path.startsWith(r.prefix)) return r.handler;
    }
    return undefined;
  }
}
