import { METHODS } from 'node:http';
import type { Dispatcher } from '@shoal/core';
import type { HttpRequestContext } from '../src/http-context';
import { ERR_HTTP_ROUTE_INVALID } from '../src/errors';
import { NO_PARAMS, type RouteMatch, type RouterOptions, Routes } from '../src/http-routes';
import { HTTP_DEFAULTS } from '../src/http-options';

type Route = Dispatcher<HttpRequestContext>;

/** A handler's dispatcher as the routing table sees it: the handler's name and its @OnRequest options. */
function handler(name: string, options: Record<string, unknown> = {}): Route {
  return { handler: { name, options } } as unknown as Route;
}

const defaults: RouterOptions = HTTP_DEFAULTS;

/** What a test compares: the handler's name and a plain copy of the params, or undefined for a 404. */
function seen(match: RouteMatch | undefined): [string, Record<string, string>] | undefined {
  return match === undefined ? undefined : [match.handler.handler.name, { ...match.params }];
}

describe('Routes', () => {
  // Declaration order does not matter: the most specific path wins.
  const routes = new Routes(
    [
      handler('assets', { path: '/static/*' }),
      handler('special', { path: '/static/special' }),
      handler('root', { method: 'GET', path: '/' }),
      handler('anyItems', { path: '/items' }),
      handler('createItem', { method: 'post', path: '/items' }),
      handler('listItems', { method: 'GET', path: '/items' }),
      handler('item', { method: 'GET', path: '/items/:id' }),
      handler('part', { method: 'GET', path: '/items/:id/parts/:part' }),
      handler('named', { method: 'GET', path: '/orders/:name' }),
      handler('numbered', { method: 'GET', path: '/orders/:id(^\\d+$)' }),
      handler('range', { method: 'GET', path: '/range/:from-:to' }),
      handler('file', { method: 'GET', path: '/files/:name.:ext' }),
      handler('deleteAny', { method: 'DELETE', path: '*' }),
      handler('api', { method: 'GET', path: '/api/*' }),
      handler('kvPrefix', { method: 'GET', path: '/kv*' }),
      handler('time', { method: 'GET', path: '/at/12::30' }),
    ],
    defaults,
  );

  it.each([
    ['GET', '/', ['root', {}]],
    ['HEAD', '/', ['root', {}]],
    ['POST', '/', undefined],
    ['POST', '/items', ['createItem', {}]],
    ['GET', '/items', ['listItems', {}]],
    ['HEAD', '/items', ['listItems', {}]],
    ['PUT', '/items', ['anyItems', {}]],
    ['DELETE', '/items', ['anyItems', {}]],
    ['GET', '/items/', ['item', { id: '' }]],
    ['GET', '/items/42', ['item', { id: '42' }]],
    ['HEAD', '/items/42', ['item', { id: '42' }]],
    ['POST', '/items/42', undefined],
    ['GET', '/items/42/parts/lid', ['part', { id: '42', part: 'lid' }]],
    ['GET', '/items/42/parts', undefined],
    ['GET', '/orders/17', ['numbered', { id: '17' }]],
    ['GET', '/orders/big', ['named', { name: 'big' }]],
    ['GET', '/range/3-9', ['range', { from: '3', to: '9' }]],
    ['GET', '/files/report.pdf', ['file', { name: 'report', ext: 'pdf' }]],
    ['GET', '/static/special', ['special', {}]],
    ['POST', '/static/special', ['special', {}]],
    ['GET', '/static/app.js', ['assets', { '*': 'app.js' }]],
    ['GET', '/static/js/app.js', ['assets', { '*': 'js/app.js' }]],
    ['GET', '/static/', ['assets', { '*': '' }]],
    ['GET', '/static', undefined],
    ['DELETE', '/anything/at/all', ['deleteAny', { '*': 'anything/at/all' }]],
    ['DELETE', '/static/x', ['assets', { '*': 'x' }]],
    ['GET', '/api/v1/users', ['api', { '*': 'v1/users' }]],
    ['GET', '/api/', ['api', { '*': '' }]],
    ['GET', '/api', undefined],
    // A trailing * without a slash is a prefix, as before the router: /kv* takes /kv and /kvx.
    ['GET', '/kv', ['kvPrefix', { '*': '' }]],
    ['GET', '/kvx', ['kvPrefix', { '*': 'x' }]],
    ['GET', '/kv/a/b', ['kvPrefix', { '*': '/a/b' }]],
    ['GET', '/at/12:30', ['time', {}]],
    ['get', '/', undefined],
    ['GET', '/nothing-here', undefined],
    ['GET', '/Items', undefined],
    ['GET', '/items//', undefined],
  ])('%s %s → %j', (method, path, expected) => {
    expect(seen(routes.match(method, path))).toEqual(expected);
  });

  it('gives params frozen and without a prototype, and one shared empty object to routes without params', () => {
    const item = routes.match('GET', '/items/7')!;
    expect(Object.isFrozen(item.params)).toBe(true);
    expect('toString' in item.params).toBe(false);
    expect(Object.keys(item.params)).toEqual(['id']);
    expect(routes.match('GET', '/items/8')!.params).not.toBe(item.params);
    const list = routes.match('GET', '/items')!;
    expect(list.params).toBe(NO_PARAMS);
    expect(routes.match('POST', '/items')!.params).toBe(NO_PARAMS);
    expect(routes.match('GET', '/items')).toBe(list);
    expect(Object.isFrozen(NO_PARAMS)).toBe(true);
    expect(Object.getPrototypeOf(NO_PARAMS)).toBeNull();
  });

  it('decodes params; an encoded slash stays in its param', () => {
    expect(seen(routes.match('GET', '/items/a%20b'))).toEqual(['item', { id: 'a b' }]);
    expect(seen(routes.match('GET', '/items/caf%C3%A9'))).toEqual(['item', { id: 'café' }]);
    expect(seen(routes.match('GET', '/items/a%2Fb'))).toEqual(['item', { id: 'a/b' }]);
    expect(seen(routes.match('GET', '/items/50%25'))).toEqual(['item', { id: '50%' }]);
    expect(seen(routes.match('GET', '/api/a%20b/c'))).toEqual(['api', { '*': 'a b/c' }]);
    // Static parts match decoded too.
    expect(seen(routes.match('GET', '/%69tems'))).toEqual(['listItems', {}]);
  });

  it('does not match a param longer than maxParamLength; a wildcard has no such limit', () => {
    const table = new Routes(
      [handler('item', { method: 'GET', path: '/items/:id' }), handler('file', { method: 'GET', path: '/files/*' })],
      { ...defaults, maxParamLength: 10 },
    );
    expect(seen(table.match('GET', `/items/${'x'.repeat(10)}`))).toEqual(['item', { id: 'x'.repeat(10) }]);
    expect(table.match('GET', `/items/${'x'.repeat(11)}`)).toBeUndefined();
    // The decoded length counts: 10 characters sent as 30.
    expect(seen(table.match('GET', `/items/${'%41'.repeat(10)}`))).toEqual(['item', { id: 'A'.repeat(10) }]);
    expect(seen(table.match('GET', `/files/${'y'.repeat(50)}`))).toEqual(['file', { '*': 'y'.repeat(50) }]);
    // Fastify's default.
    expect(new Routes([handler('item', { path: '/items/:id' })], defaults).match('GET', `/items/${'x'.repeat(101)}`)).toBeUndefined();
  });

  it('ignores a trailing slash, or the case of the path, when told', () => {
    const slash = new Routes([handler('items', { path: '/items' }), handler('item', { path: '/items/:id/' })], { ...defaults, ignoreTrailingSlash: true });
    expect(seen(slash.match('GET', '/items/'))).toEqual(['items', {}]);
    expect(seen(slash.match('GET', '/items/3'))).toEqual(['item', { id: '3' }]);
    expect(seen(slash.match('GET', '/items/3/'))).toEqual(['item', { id: '3' }]);
    const anyCase = new Routes([handler('item', { path: '/Items/:id' })], { ...defaults, caseSensitive: false });
    expect(seen(anyCase.match('GET', '/ITEMS/AbC'))).toEqual(['item', { id: 'AbC' }]);
  });

  it('lets a route without method or path take every request, also paths the router cannot decode', () => {
    const table = new Routes([handler('exact', { path: '/x/:id' }), handler('everything')], defaults);
    expect(seen(table.match('PATCH', '/x/1'))).toEqual(['exact', { id: '1' }]);
    expect(seen(table.match('OPTIONS', '/y/z'))).toEqual(['everything', {}]);
    expect(seen(table.match('GET', '/x/%zz'))).toEqual(['everything', {}]);
    expect(seen(table.match('OPTIONS', '*'))).toEqual(['everything', {}]);
    for (const method of METHODS) expect(table.match(method, '/')?.handler.handler.name).toBe('everything');
    // Without it, a path that cannot be decoded matches nothing.
    expect(routes.match('GET', '/items/%zz')).toBeUndefined();
    expect(routes.match('DELETE', '/%zz')).toBeUndefined();
  });

  it('answers HEAD with a HEAD route first, then a GET route, then a route without method', () => {
    const table = new Routes(
      [
        handler('any', { path: '/doc' }),
        handler('get', { method: 'GET', path: '/doc' }),
        handler('head', { method: 'HEAD', path: '/doc' }),
        handler('anyPage', { path: '/page' }),
        handler('getPage', { method: 'GET', path: '/page' }),
        handler('anyOnly', { path: '/only' }),
      ],
      defaults,
    );
    expect(seen(table.match('HEAD', '/doc'))).toEqual(['head', {}]);
    expect(seen(table.match('GET', '/doc'))).toEqual(['get', {}]);
    expect(seen(table.match('PUT', '/doc'))).toEqual(['any', {}]);
    expect(seen(table.match('HEAD', '/page'))).toEqual(['getPage', {}]);
    expect(seen(table.match('HEAD', '/only'))).toEqual(['anyOnly', {}]);
  });

  it('matches nothing without handlers', () => {
    expect(new Routes([], defaults).match('GET', '/')).toBeUndefined();
  });

  it.each([
    [{ method: 'GE T', path: '/' }, /method must be an HTTP method name like 'GET', got "GE T"/],
    [{ method: '', path: '/' }, /method must be an HTTP method name/],
    [{ method: 'FETCH', path: '/' }, /method must be an HTTP method name like 'GET', got "FETCH"/],
    [{ method: 42 }, /method must be an HTTP method name/],
    [{ path: 'items' }, /path must start with '\/' \(or be '\*'\), got "items"/],
    [{ path: '' }, /path must start with '\/'/],
    [{ path: ['/a'] }, /path must start with '\/'/],
    [{ path: '/a/*/b' }, /find-my-way refuses any method "\/a\/\*\/b": Wildcard must be the last character in the route/],
    [{ method: 'GET', path: '/a/:id(' }, /find-my-way refuses GET "\/a\/:id\(": Invalid regexp expression/],
    [{ method: 'GET', path: '/a/:id((a+)+)' }, /find-my-way refuses GET .*The regex '\(\(a\+\)\+\)' is not safe/],
  ])('refuses the route %j, naming the handler', (options, reason) => {
    const build = (): Routes => new Routes([handler('Api.items', options)], defaults);
    expect(build).toThrow(expect.objectContaining({ code: ERR_HTTP_ROUTE_INVALID.code }));
    expect(build).toThrow(/handler Api\.items has an invalid route/);
    expect(build).toThrow(reason);
  });

  it.each([
    ['the same method and path', { method: 'GET', path: '/items/:id' }, { method: 'get', path: '/items/:id' }, /GET "\/items\/:id"/],
    ['paths that differ in parameter names', { method: 'GET', path: '/items/:id' }, { method: 'GET', path: '/items/:key' }, /GET "\/items\/:key"/],
    ['two routes without method', { path: '/items' }, { path: '/items' }, /any method "\/items"/],
    ['two routes without path', { method: 'POST' }, { method: 'POST' }, /POST \(every path\)/],
    ['no path and *', {}, { path: '*' }, /any method "\*"/],
  ])('refuses two routes of %s, naming both handlers', (_what, first, second, shown) => {
    const build = (): Routes => new Routes([handler('Api.first', first), handler('Api.second', second)], defaults);
    expect(build).toThrow(expect.objectContaining({ code: ERR_HTTP_ROUTE_INVALID.code }));
    expect(build).toThrow(/^handler Api\.second has an invalid route: /);
    expect(build).toThrow(shown);
    expect(build).toThrow(/is the route of handler Api\.first already/);
    expect(build).toThrow(/give one of them another method or path/);
  });
});
