import { HTTP_DEFAULTS, TCP_DEFAULTS, UDP_DEFAULTS, httpTransport, tcpTransport, tcpTransports, udpTransport } from '../src';

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
    expect(tcp.options).toEqual({ ...TCP_DEFAULTS, onHandlerError: 'error-frame' });
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
      `${path}.colour is not an option of the tcp transport (known: framing, maxFrameBytes, noDelay, keepAlive, keepAliveInitialDelayMs, idleTimeoutMs, maxConnections, handOffOnReload, onHandlerError)`,
      `${path}.framing must be one of 'raw', 'lines', 'length-prefixed', got "json"`,
      `${path}.maxFrameBytes must be a positive integer up to 4294967295, got -1`,
      `${path}.noDelay must be true or false, got "yes"`,
      `${path}.idleTimeoutMs must be a non-negative integer (0 = none), got 1.5`,
      `${path}.maxConnections must be a positive integer, got 0`,
    ]);
  });

  test('raw framing closes on handler errors and refuses error frames', () => {
    expect(tcpTransport().validateOptions({ framing: 'raw' }, path).options).toMatchObject({ onHandlerError: 'close' });
    expect(tcpTransport().validateOptions({ framing: 'raw', onHandlerError: 'error-frame' }, path).problems).toEqual([
      `${path}.onHandlerError cannot be 'error-frame' with framing 'raw' (a raw stream has no frame to carry an error); use 'close'`,
    ]);
    expect(tcpTransport().validateOptions({ framing: 'length-prefixed', onHandlerError: 'close' }, path).options).toMatchObject({
      onHandlerError: 'close',
    });
  });

  test('an options value that is not an object is one problem', () => {
    expect(udpTransport().validateOptions(42, path).problems).toEqual([`${path} must be an object, got 42`]);
    expect(httpTransport().validateOptions([], path).problems).toEqual([`${path} must be an object, got an array`]);
  });

  test('udp: type, sizes and replyOnError', () => {
    const ok = udpTransport().validateOptions({ type: 'udp6', recvBufferSize: 1 << 20, replyOnError: true }, path);
    expect(ok.problems).toEqual([]);
    expect(ok.options).toEqual({ type: 'udp6', maxDatagramBytes: 65_507, recvBufferSize: 1 << 20, replyOnError: true });
    expect(udpTransport().validateOptions({ type: 'udp5', maxDatagramBytes: 70_000, sendBufferSize: 0 }, path).problems).toEqual([
      `${path}.type must be one of 'udp4', 'udp6', got "udp5"`,
      `${path}.maxDatagramBytes must be a positive integer up to 65535, got 70000`,
      `${path}.sendBufferSize must be a positive integer, got 0`,
    ]);
  });

  test('http: a headers timeout over the request timeout is refused; 0 disables the request timeout', () => {
    expect(httpTransport().validateOptions({ headersTimeoutMs: 40_000, requestTimeoutMs: 30_000 }, path).problems).toEqual([
      `${path}.headersTimeoutMs (40000) must not exceed ${path}.requestTimeoutMs (30000); lower it, or set requestTimeoutMs to 0 (no limit)`,
    ]);
    const unlimited = httpTransport().validateOptions({ requestTimeoutMs: 0 }, path);
    expect(unlimited.problems).toEqual([]);
    expect(unlimited.options).toMatchObject({ headersTimeoutMs: 60_000, requestTimeoutMs: 0 });
    expect(httpTransport().validateOptions({ maxBodyBytes: 0, maxHeaderSize: 'big' }, path).problems).toEqual([
      `${path}.maxBodyBytes must be a positive integer, got 0`,
      `${path}.maxHeaderSize must be a positive integer, got "big"`,
    ]);
  });

  test('validated options validate again to the same result', () => {
    for (const t of tcpTransports()) {
      const first = t.validateOptions({}, path).options;
      expect(t.validateOptions(first, path)).toEqual({ options: first, problems: [] });
    }
  });
});
