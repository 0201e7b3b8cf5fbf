// The cluster side of the SCTP transport on the host (no SCTP in this kernel):
// listener option validation, alone and through the core's config.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { resolveOptions } from '@shoal/core';
import { DEFAULT_OPTIONS } from '@shoal/sctp';
import { SCTP_HANDLER_ERRORS, SCTP_LISTENER_DEFAULTS, sctpTransport, validateSctpListenerOptions } from '../../src';

describe('sctp listener options', () => {
  test('defaults are filled in and frozen', () => {
    const { options, problems } = validateSctpListenerOptions(undefined, 'listeners.sig.options');
    expect(problems).toEqual([]);
    expect(options).toEqual(SCTP_LISTENER_DEFAULTS);
    expect(Object.isFrozen(options)).toBe(true);
    const given = validateSctpListenerOptions({ style: 'one-to-many', addresses: ['127.0.0.2'], socket: { delayedSack: { freq: 1 } } }, 'listeners.sig.options');
    expect(given.problems).toEqual([]);
    expect(given.options).toEqual({ ...SCTP_LISTENER_DEFAULTS, style: 'one-to-many', addresses: ['127.0.0.2'], socket: { delayedSack: { freq: 1 } } });
    expect(Object.isFrozen(given.options) && Object.isFrozen(given.options.addresses) && Object.isFrozen(given.options.socket)).toBe(true);
  });

  test("onHandlerError: 'reply', 'close' or 'ignore' (the default, as SCTP only logged before the option)", () => {
    expect(SCTP_HANDLER_ERRORS).toEqual({ supported: ['reply', 'close', 'ignore'], default: 'ignore' });
    expect(SCTP_LISTENER_DEFAULTS.onHandlerError).toBe('ignore');
    expect(validateSctpListenerOptions({ streams: 8 }, 'listeners.sig.options').options.onHandlerError).toBe('ignore');
    for (const policy of ['reply', 'close', 'ignore']) {
      const { options, problems } = validateSctpListenerOptions({ onHandlerError: policy }, 'listeners.sig.options');
      expect(problems).toEqual([]);
      expect(options).toEqual({ ...SCTP_LISTENER_DEFAULTS, onHandlerError: policy });
    }
    for (const bad of ['error-frame', 'log', true, null]) {
      expect(validateSctpListenerOptions({ onHandlerError: bad }, 'listeners.sig.options').problems).toEqual([
        `listeners.sig.options.onHandlerError must be one of 'reply', 'close', 'ignore', got ${JSON.stringify(bad)}`,
      ]);
    }
    // The core refuses it at config time, with the transport registered.
    expect(() =>
      resolveOptions({ listeners: { sig: { transport: 'sctp', port: 3868, options: { onHandlerError: 'drop' } } } }, [sctpTransport()]),
    ).toThrow(/listeners\.sig\.options\.onHandlerError must be one of 'reply', 'close', 'ignore', got "drop"/);
  });

  test('every problem names its field path', () => {
    const { problems } = validateSctpListenerOptions(
      {
        style: 'many',
        addresses: ['10.0.0.1', 'nope', '10.0.0.1'],
        streams: 0,
        maxMessageBytes: -1,
        handOffOnReload: 'yes',
        maxQueuedMessages: 1.5,
        onHandlerError: 'error-frame',
        socket: { reusePort: false, initMsg: {}, delayedSack: { delayMs: 'x' }, nagle: true },
        colour: 'blue',
      },
      'listeners.sig.options',
    );
    expect(problems.sort()).toEqual([
      'listeners.sig.options.addresses.1 must be an IPv4 or IPv6 address literal, got "nope"',
      'listeners.sig.options.addresses.2 must be an address not listed before (10.0.0.1 is addresses.0), got "10.0.0.1"',
      expect.stringMatching(/^listeners\.sig\.options\.colour is not a known option \(known: style, addresses, streams, /),
      'listeners.sig.options.handOffOnReload must be true or false, got "yes"',
      'listeners.sig.options.maxMessageBytes must be an integer from 1 to 1073741824, got -1',
      'listeners.sig.options.maxQueuedMessages must be an integer from 1 to 1048576, got 1.5',
      "listeners.sig.options.onHandlerError must be one of 'reply', 'close', 'ignore', got \"error-frame\"",
      'listeners.sig.options.socket.delayedSack.delayMs must be an integer from 1 to 500, got "x"',
      'listeners.sig.options.socket.initMsg cannot be set: set the stream count with options.streams',
      expect.stringMatching(/^listeners\.sig\.options\.socket\.nagle is not a known option \(known: noDelay, /),
      'listeners.sig.options.socket.reusePort cannot be set: every worker of the cluster needs it, so it is always on',
      'listeners.sig.options.streams must be an integer from 1 to 65535, got 0',
      "listeners.sig.options.style must be 'one-to-one' or 'one-to-many', got \"many\"",
    ]);
  });

  test('options that are not an object, and more than 16 addresses', () => {
    expect(validateSctpListenerOptions('fast', 'listeners.sig.options').problems).toEqual([
      'listeners.sig.options must be an object of sctp listener options, got "fast"',
    ]);
    const addresses = Array.from({ length: 17 }, (_, i) => `10.0.0.${i + 1}`);
    expect(validateSctpListenerOptions({ addresses, socket: 'x' }, 'listeners.sig.options').problems).toEqual([
      expect.stringMatching(/^listeners\.sig\.options\.addresses must be an array of at most 16 IP address literals/),
      'listeners.sig.options.socket must be an object of SCTP socket options (see @shoal/sctp), got "x"',
    ]);
  });

  test('the core reports them at config time, with the transport registered', () => {
    expect(() =>
      resolveOptions({ listeners: { sig: { transport: 'sctp', port: 3868, options: { style: 'x' } } } }, [sctpTransport()]),
    ).toThrow(/listeners\.sig\.options\.style must be 'one-to-one' or 'one-to-many'/);
    const resolved = resolveOptions({ listeners: { sig: { transport: 'sctp', port: 3868, options: { style: 'one-to-many', addresses: ['127.0.0.2'] } } } }, [sctpTransport()]);
    expect(resolved.listeners[0]).toMatchObject({ name: 'sig', transport: 'sctp', protocol: 'sctp', options: { style: 'one-to-many', addresses: ['127.0.0.2'] } });
    // SCTP descriptors are no libuv handles: the core passes them on the transport's descriptor link.
    expect(resolved.fdPassing).toBe(sctpTransport().fdPassing);
  });

  test('an SCTP and a TCP listener may share a port number; two SCTP listeners may not', () => {
    expect(() =>
      resolveOptions({ listeners: { a: { transport: 'sctp', port: 3868 }, b: { transport: 'sctp', port: 3868 } } }, [sctpTransport()]),
    ).toThrow(/listeners\.b\.port: 3868 is already used by listener "a"/);
  });

  test('a listener builds its socket options from validated options without loading zod', () => {
    const dist = path.join(__dirname, '..', '..', 'dist');
    const script = `
      const { validateSctpListenerOptions, listenerSocketOptions } = require(${JSON.stringify(path.join(dist, 'listener-options.js'))});
      const zod = () => Object.keys(require.cache).some((f) => f.includes('/node_modules/zod/'));
      const { options } = validateSctpListenerOptions(undefined, 'listeners.sig.options');
      const socket = listenerSocketOptions({ ...options, streams: 8, socket: { noDelay: false, delayedSack: { freq: 1 } } });
      const before = zod();
      validateSctpListenerOptions({ streams: 8 }, 'listeners.sig.options');
      console.log(JSON.stringify({ before, after: zod(), socket }));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const { before, after, socket } = JSON.parse(r.stdout);
    expect([before, after]).toEqual([false, true]);
    expect(socket).toEqual({
      ...DEFAULT_OPTIONS,
      noDelay: false,
      reusePort: true,
      maxMessageBytes: SCTP_LISTENER_DEFAULTS.maxMessageBytes,
      initMsg: { ...DEFAULT_OPTIONS.initMsg, outStreams: 8, maxInStreams: 8 },
      delayedSack: { delayMs: 10, freq: 1 },
    });
  }, 30_000); // a child process: seconds on a busy machine
});
