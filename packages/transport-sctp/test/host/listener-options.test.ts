// The cluster side of the SCTP transport on the host (no SCTP in this kernel):
// listener option validation through the core's config, the demo's listener
// config, the doctor check, and a start that fails clearly without SCTP.
import { resolveOptions } from '@shoal/core';
import { SCTP_LISTENER_DEFAULTS, checkSctpSupport, sctpTransport, validateSctpListenerOptions } from '../../src';

describe('sctp listener options', () => {
  test('defaults are filled in and frozen', () => {
    const { options, problems } = validateSctpListenerOptions(undefined, 'listeners.sig.options');
    expect(problems).toEqual([]);
    expect(options).toEqual(SCTP_LISTENER_DEFAULTS);
    expect(Object.isFrozen(options)).toBe(true);
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
        socket: { reusePort: false, initMsg: {}, delayedSack: { delayMs: 'x' }, nagle: true },
        colour: 'blue',
      },
      'listeners.sig.options',
    );
    const expected = [
      'listeners.sig.options.colour is not an option of the sctp transport',
      "listeners.sig.options.style must be 'one-to-one' or 'one-to-many'",
      'listeners.sig.options.addresses[1] must be an IPv4 or IPv6 address literal',
      'listeners.sig.options.addresses[2] repeats 10.0.0.1',
      'listeners.sig.options.streams must be an integer from 1 to 65535',
      'listeners.sig.options.maxMessageBytes must be an integer',
      'listeners.sig.options.handOffOnReload must be true or false',
      'listeners.sig.options.maxQueuedMessages must be an integer',
      'listeners.sig.options.socket.reusePort cannot be set',
      'listeners.sig.options.socket.initMsg cannot be set',
      'listeners.sig.options.socket.delayedSack.delayMs must be',
      'listeners.sig.options.socket',
    ];
    for (const e of expected) expect(problems.some((p) => p.startsWith(e))).toBe(true);
    expect(problems.find((p) => p.includes('nagle'))).toMatch(/^listeners\.sig\.options\.socket\./);
    expect(problems).toHaveLength(12);
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
});

describe('checkSctpSupport (for shoal doctor)', () => {
  test('on a kernel without SCTP: not ok, with the errno and what to do', () => {
    const r = checkSctpSupport();
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/socket\(AF_INET, SOCK_STREAM, IPPROTO_SCTP\) failed with errno \d+/);
    expect(r.fix).toMatch(/modprobe sctp/);
  });
});
