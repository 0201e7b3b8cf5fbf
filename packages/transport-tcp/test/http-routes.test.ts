import type { Dispatcher } from '@shoal/core';
import type { HttpRequestContext } from '../src/http-context';
import { ERR_HTTP_ROUTE_INVALID } from '../src/errors';
import { Routes } from '../src/http-routes';

type Route = Dispatcher<HttpRequestContext>;

/** A handler's dispatcher as the routing table sees it: the handler's name and its @OnRequest options. */
function handler(name: string, options: Record<string, unknown> = {}): Route {
  return { handler: { name, options } } as unknown as Route;
}

describe('Routes', () => {
  // Declaration order matters: the first route that matches wins.
  const routes = new Routes([
    handler('root', { method: 'GET', path: '/' }),
    handler('createItem', { method: 'post', path: '/items' }),
    handler('listItems', { method: 'GET', path: '/items' }),
    handler('special', { path: '/static/special' }),
    handler('assets', { path: '/static/*' }),
    handler('shadowed', { path: '/static/never' }),
    handler('deleteAny', { method: 'DELETE', path: '*' }),
    handler('api', { method: 'GET', path: '/api/*' }),
  ]);

  it.each([
    ['GET', '/', 'root'],
    ['HEAD', '/', 'root'],
    ['POST', '/', undefined],
    ['POST', '/items', 'createItem'],
    ['GET', '/items', 'listItems'],
    ['HEAD', '/items', 'listItems'],
    ['PUT', '/items', undefined],
    ['GET', '/items/', undefined],
    ['GET', '/items/1', undefined],
    ['GET', '/static/special', 'special'],
    ['POST', '/static/special', 'special'],
    ['GET', '/static/app.js', 'assets'],
    ['GET', '/static/', 'assets'],
    ['GET', '/static', undefined],
    ['GET', '/static/never', 'assets'],
    ['DELETE', '/items', 'deleteAny'],
    ['DELETE', '/anything/at/all', 'deleteAny'],
    ['GET', '/api/v1/users', 'api'],
    ['GET', '/api/', 'api'],
    ['GET', '/api', undefined],
    ['get', '/', undefined],
    ['GET', '/nothing-here', undefined],
  ])('%s %s → %s', (method, path, expected) => {
    expect(routes.match(method, path)?.handler.name).toBe(expected);
  });

  it('lets a handler without method or path take every request', () => {
    const table = new Routes([handler('exact', { path: '/x' }), handler('everything')]);
    expect(table.match('PATCH', '/x')?.handler.name).toBe('exact');
    expect(table.match('OPTIONS', '/y/z')?.handler.name).toBe('everything');
  });

  it('matches nothing without handlers', () => {
    expect(new Routes([]).match('GET', '/')).toBeUndefined();
  });

  it.each([
    [{ method: 'GE T', path: '/' }, /method must be an HTTP method name like 'GET', got "GE T"/],
    [{ method: '', path: '/' }, /method must be an HTTP method name/],
    [{ method: 42 }, /method must be an HTTP method name/],
    [{ path: 'items' }, /path must start with '\/' \(or be '\*'\), got "items"/],
    [{ path: '' }, /path must start with '\/'/],
    [{ path: ['/a'] }, /path must start with '\/'/],
  ])('refuses the route %j, naming the handler', (options, reason) => {
    const build = (): Routes => new Routes([handler('Api.items', options)]);
    expect(build).toThrow(expect.objectContaining({ code: ERR_HTTP_ROUTE_INVALID.code }));
    expect(build).toThrow(/handler Api\.items has an invalid route/);
    expect(build).toThrow(reason);
  });
});
