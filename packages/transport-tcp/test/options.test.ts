import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  HTTP_DEFAULTS,
  HTTP_HANDLER_ERRORS,
  TCP_DEFAULTS,
  TCP_HANDLER_ERRORS,
  UDP_DEFAULTS,
  UDP_HANDLER_ERRORS,
  httpTransport,
  tcpTransport,
  tcpTransports,
  udpTransport,
} from '../src';

const path = 'listeners.echo.options';

describe('option validation', () => {
  test('the transports are named and list their events', () => {
    expect(tcpTransports().map((t) => [t.name, t.events])).toEqual([
      ['tcp', ['message', 'connect', 'disconnect']],
      ['udp', ['datagram']],
      ['http', ['request']],
    ]);
  });

  test('no options give the defaults, frozen', () => {
    const tcp = tcpTransport().validateOptions(undefined, path);
    expect(tcp.problems).toEqual([]);
    expect(tcp.options).toEqual({ ...TCP_DEFAULTS, onHandlerError: 'reply' });
    expect(Object.isFrozen(tcp.options)).toBe(true);
    const udp = udpTransport().validateOptions({}, path);
    expect(udp.options).toEqual(UDP_DEFAULTS);
    const http = httpTransport().validateOptions({}, path);
    // node:http refuses a headers timeout over the request timeout: the default is capped.
    expect(http.options).toEqual({ ...HTTP_DEFAULTS, headersTimeoutMs: HTTP_DEFAULTS.requestTimeoutMs });
    expect(Object.isFrozen(http.options)).toBe(true);
  });

  test('each bad field is named by its path, with the value found', () => {
    const { problems } = tcpTransport().validateOptions(
      { framing: 'json', maxFrameBytes: -1, noDelay: 'yes', idleTimeoutMs: 1.5, maxConnections: 0, colour: 'blue' },
      path,
    );
    expect(problems).toEqual([
      `${path}.framing must be one of 'raw', 'lines', 'length-prefixed', got "json"`,
      `${path}.maxFrameBytes must be a positive integer up to 4294967295, got -1`,
      `${path}.noDelay must be true or false, got "yes"`,
      `${path}.idleTimeoutMs must be a non-negative integer (0 = none), got 1.5`,
      `${path}.maxConnections must be a positive integer, got 0`,
      `${path}.colour is not a known option (known: framing, maxFrameBytes, noDelay, keepAlive, keepAliveInitialDelayMs, idleTimeoutMs, maxConnections, handOffOnReload, onHandlerError, tls)`,
    ]);
  });

  test('raw framing closes on handler errors and refuses error frames', () => {
    expect(tcpTransport().validateOptions({ framing: 'raw' }, path).options).toMatchObject({ onHandlerError: 'close' });
    expect(tcpTransport().validateOptions({ framing: 'raw', onHandlerError: 'ignore' }, path).options).toMatchObject({ onHandlerError: 'ignore' });
    for (const onHandlerError of ['reply', 'error-frame']) {
      expect(tcpTransport().validateOptions({ framing: 'raw', onHandlerError }, path).problems).toEqual([
        `${path}.onHandlerError must be 'close' or 'ignore' with framing 'raw' (a raw stream has no frame to carry an error), got "${onHandlerError}"`,
      ]);
    }
    expect(tcpTransport().validateOptions({ framing: 'length-prefixed', onHandlerError: 'close' }, path).options).toMatchObject({
      onHandlerError: 'close',
    });
  });

  test("onHandlerError: each transport's own values and default, one message for the rest; the old names still work", () => {
    expect(TCP_HANDLER_ERRORS).toEqual({ supported: ['reply', 'close', 'ignore'], default: 'reply' });
    expect(UDP_HANDLER_ERRORS).toEqual({ supported: ['reply', 'ignore'], default: 'ignore' });
    expect(HTTP_HANDLER_ERRORS).toEqual({ supported: ['reply', 'close'], default: 'reply' });
    expect(tcpTransport().validateOptions({ onHandlerError: 'log' }, path).problems).toEqual([
      `${path}.onHandlerError must be one of 'reply', 'close', 'ignore', got "log"`,
    ]);
    expect(udpTransport().validateOptions({ onHandlerError: 'close' }, path).problems).toEqual([`${path}.onHandlerError must be one of 'reply', 'ignore', got "close"`]);
    expect(httpTransport().validateOptions({ onHandlerError: 'ignore' }, path).problems).toEqual([`${path}.onHandlerError must be one of 'reply', 'close', got "ignore"`]);
    // Deprecated: TCP's 'error-frame' is 'reply'; UDP's replyOnError true/false is 'reply'/'ignore' (onHandlerError wins over it).
    expect(tcpTransport().validateOptions({ onHandlerError: 'error-frame' }, path).options).toMatchObject({ onHandlerError: 'reply' });
    expect(udpTransport().validateOptions({ replyOnError: true }, path).options).toEqual({ ...UDP_DEFAULTS, onHandlerError: 'reply' });
    expect(udpTransport().validateOptions({ replyOnError: false }, path).options).toEqual({ ...UDP_DEFAULTS, onHandlerError: 'ignore' });
    expect(udpTransport().validateOptions({ replyOnError: true, onHandlerError: 'ignore' }, path).options).toMatchObject({ onHandlerError: 'ignore' });
  });

  test('an options value that is not an object is one problem', () => {
    expect(udpTransport().validateOptions(42, path).problems).toEqual([`${path} must be an object, got 42`]);
    expect(httpTransport().validateOptions([], path).problems).toEqual([`${path} must be an object, got an array`]);
  });

  test('udp: type, sizes and onHandlerError', () => {
    const ok = udpTransport().validateOptions({ type: 'udp6', recvBufferSize: 1 << 20, onHandlerError: 'reply' }, path);
    expect(ok.problems).toEqual([]);
    expect(ok.options).toEqual({ type: 'udp6', maxDatagramBytes: 65_507, recvBufferSize: 1 << 20, onHandlerError: 'reply' });
    expect(udpTransport().validateOptions({ type: 'udp5', maxDatagramBytes: 70_000, sendBufferSize: 0 }, path).problems).toEqual([
      `${path}.type must be one of 'udp4', 'udp6', got "udp5"`,
      `${path}.maxDatagramBytes must be a positive integer up to 65535, got 70000`,
      `${path}.sendBufferSize must be a positive integer, got 0`,
    ]);
  });

  test('http: a headers timeout over the request timeout is refused; 0 disables the request timeout', () => {
    expect(httpTransport().validateOptions({ headersTimeoutMs: 40_000, requestTimeoutMs: 30_000 }, path).problems).toEqual([
      `${path}.headersTimeoutMs must be at most requestTimeoutMs (30000); lower it, or set requestTimeoutMs to 0 (no limit), got 40000`,
    ]);
    const unlimited = httpTransport().validateOptions({ requestTimeoutMs: 0 }, path);
    expect(unlimited.problems).toEqual([]);
    expect(unlimited.options).toMatchObject({ headersTimeoutMs: 60_000, requestTimeoutMs: 0 });
    expect(httpTransport().validateOptions({ maxBodyBytes: 0, maxHeaderSize: 'big' }, path).problems).toEqual([
      `${path}.maxBodyBytes must be a positive integer, got 0`,
      `${path}.maxHeaderSize must be a positive integer, got "big"`,
    ]);
  });

  test('http: websocket, with a platform only, its defaults filled in', () => {
    expect(httpTransport().validateOptions({ platform: 'fastify', websocket: {} }, path)).toMatchObject({
      problems: [],
      options: { websocket: { maxMessageBytes: 1024 * 1024, handOffOnReload: false } },
    });
    expect(httpTransport().validateOptions({ platform: 'express', websocket: { maxMessageBytes: 4096, handOffOnReload: true } }, path).options).toMatchObject({
      websocket: { maxMessageBytes: 4096, handOffOnReload: true },
    });
    expect(httpTransport().validateOptions({ platform: 'fastify' }, path).options).not.toHaveProperty('websocket');
    expect(httpTransport().validateOptions({ websocket: {} }, path).problems).toEqual([
      `${path}.websocket must be used only with options.platform (WebSockets are the gateways of a Nest app on its platform), got an object`,
    ]);
    expect(httpTransport().validateOptions({ platform: 'fastify', websocket: { maxMessageBytes: 0, handOff: true } }, path).problems).toEqual([
      expect.stringContaining(`${path}.websocket.maxMessageBytes must be a positive integer`),
      `${path}.websocket.handOff is not a known option (known: maxMessageBytes, handOffOnReload)`,
    ]);
  });

  test('http: a Nest platform by name; platformOptions only for fastify, JSON values only', () => {
    expect(httpTransport().validateOptions({ platform: 'fastify', platformOptions: { trustProxy: true } }, path)).toMatchObject({
      problems: [],
      options: { platform: 'fastify', platformOptions: { trustProxy: true } },
    });
    expect(httpTransport().validateOptions({ platform: 'koa' }, path).problems).toEqual([`${path}.platform must be one of 'fastify', 'express', got "koa"`]);
    expect(httpTransport().validateOptions({ platform: 'express', platformOptions: {} }, path).problems).toEqual([
      `${path}.platformOptions must be used only with platform 'fastify'; configure Express in the app's configure(), got an object`,
    ]);
    expect(httpTransport().validateOptions({ platformOptions: { a: 1 } }, path).problems).toEqual([`${path}.platformOptions must be used only with platform 'fastify', got an object`]);
    expect(httpTransport().validateOptions({ platform: 'fastify', platformOptions: { serverFactory: () => null } }, path).problems).toHaveLength(1);
  });

  test("http: the router's options, Fastify's defaults", () => {
    expect(httpTransport().validateOptions({}, path).options).toMatchObject({ ignoreTrailingSlash: false, caseSensitive: true, maxParamLength: 100 });
    expect(httpTransport().validateOptions({ ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 500 }, path)).toMatchObject({
      options: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 500 },
      problems: [],
    });
    expect(httpTransport().validateOptions({ ignoreTrailingSlash: 'yes', caseSensitive: 0, maxParamLength: 0 }, path).problems).toEqual([
      `${path}.ignoreTrailingSlash must be true or false, got "yes"`,
      `${path}.caseSensitive must be true or false, got 0`,
      `${path}.maxParamLength must be a positive integer, got 0`,
    ]);
  });

  test('validated options validate again to the same result', () => {
    for (const t of tcpTransports()) {
      const first = t.validateOptions({}, path).options;
      expect(t.validateOptions(first, path)).toEqual({ options: first, problems: [] });
    }
    const udp = udpTransport().validateOptions({ replyOnError: true }, path).options;
    expect(udpTransport().validateOptions(udp, path)).toEqual({ options: udp, problems: [] });
  });

  test('loading the transport does not load zod; validating does', () => {
    // In a fresh process, on the built package: which of its modules ask for zod, and when.
    const script = `
      const Module = require('node:module');
      const load = Module._load;
      const asked = [];
      Module._load = function (request, parent, ...rest) {
        if (request === 'zod' && parent && parent.filename.includes('transport-tcp')) asked.push(request);
        return load.call(this, request, parent, ...rest);
      };
      const transport = require(${JSON.stringify(join(__dirname, '..', 'dist', 'index.js'))});
      const atLoad = asked.length;
      transport.tcpTransport().validateOptions({}, 'x');
      transport.httpTransport().validateOptions({}, 'x');
      console.log(JSON.stringify([atLoad, asked.length]));`;
    expect(JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }))).toEqual([0, 2]);
  });
});
