// Host-side tests: they run on any Linux, with or without SCTP in the kernel.
// This machine's kernel has none (socket() gives EPROTONOSUPPORT): the addon
// must still load and opening a socket must fail with SHOAL_ERR_SCTP_UNSUPPORTED.
import * as fs from 'node:fs';
import {
  checkSctpSupport, connect, createEndpoint, createServer, ERR_SCTP_UNSUPPORTED, isShoalError, isSctpSupported, readSctpSnmp, SctpSocket,
} from '../../src';
import { native, OPT } from '../../src/native';

const kernelHasSctp = fs.existsSync('/proc/net/sctp');

describe('the addon on this host', () => {
  test('loads and exposes its functions', () => {
    const n = native();
    for (const f of ['socket', 'bindx', 'connectx', 'accept', 'peeloff', 'send', 'sendMany', 'setOpt', 'getOpt', 'getAddrs', 'unixPair', 'sendFds']) {
      expect(typeof (n as unknown as Record<string, unknown>)[f]).toBe('function');
    }
    expect(typeof n.Handle).toBe('function');
    expect(n.constants.SCTP_UNORDERED).toBe(1);
  });

  test('the option codes of src/native.ts are the addon\'s own (exported from C)', () => {
    expect({ ...native().opt }).toEqual({ ...OPT });
  });

  test('the RFC 6458 extension constants come from <linux/sctp.h> through the addon', () => {
    const c = native().constants;
    for (const k of [
      'SCTP_ALL_ASSOC', 'SCTP_FUTURE_ASSOC', 'SCTP_CURRENT_ASSOC', 'SCTP_STREAM_RESET_EVENT', 'SCTP_ASSOC_RESET_EVENT',
      'SCTP_STREAM_CHANGE_EVENT', 'SCTP_ENABLE_RESET_STREAM_REQ', 'SCTP_STREAM_RESET_OUTGOING', 'SCTP_PR_SCTP_RTX',
      'SCTP_PR_SCTP_PRIO', 'SCTP_PR_SCTP_ALL', 'SCTP_SS_RR', 'SCTP_AUTH_NO_AUTH',
    ]) {
      expect({ k, type: typeof c[k] }).toEqual({ k, type: 'number' });
    }
    expect(c.SCTP_ALL_ASSOC).toBe(2);
  });

  test('isSctpSupported() matches the kernel', () => {
    expect(isSctpSupported()).toBe(kernelHasSctp);
  });

  test('opening an SCTP socket fails with SHOAL_ERR_SCTP_UNSUPPORTED when the kernel has no SCTP', async () => {
    if (kernelHasSctp) {
      // A kernel with SCTP: the same calls succeed (this branch runs inside UML).
      const ep = createEndpoint();
      expect(ep.fd).toBeGreaterThanOrEqual(0);
      ep.close();
      return;
    }
    // A failed system call: code is the errno's name (as node:net has it), shoalCode says what it means.
    const expected = {
      code: expect.stringMatching(/^E(PROTO|SOCKT)NOSUPPORT$/),
      shoalCode: 'SHOAL_ERR_SCTP_UNSUPPORTED',
      errno: expect.any(Number),
      syscall: 'socket',
      message: expect.stringMatching(/modprobe sctp.*kernel that has SCTP/s),
    };
    expect(() => SctpSocket.connect({ address: '127.0.0.1', port: 9 })).toThrow(expect.objectContaining(expected));
    await expect(connect({ address: '127.0.0.1', port: 9 })).rejects.toMatchObject(expected);
    await expect(createServer().listen({ port: 0 })).rejects.toMatchObject(expected);
    expect(() => createEndpoint()).toThrow(expect.objectContaining(expected));
    let thrown: unknown;
    try {
      createEndpoint();
    } catch (err) {
      thrown = err;
    }
    expect(isShoalError(thrown, ERR_SCTP_UNSUPPORTED.code)).toBe(true);
    expect((thrown as { errno: number }).errno).toBeLessThan(0);
    // No system call failed here: /proc/net/sctp is missing, so the code is the Shoal code.
    expect(() => readSctpSnmp()).toThrow(expect.objectContaining({
      code: 'SHOAL_ERR_SCTP_UNSUPPORTED', message: expect.stringMatching(/\/proc\/net\/sctp\/snmp does not exist.*modprobe sctp/s),
    }));
  });

  test('bad arguments are refused in TypeScript, before the kernel is asked', () => {
    expect(() => SctpSocket.connect({ address: 'localhost', port: 9 })).toThrow(expect.objectContaining({
      code: 'SHOAL_ERR_SCTP_INVALID_ARGUMENT', message: 'address must be an IPv4 or IPv6 address literal, got "localhost"',
    }));
    expect(() => SctpSocket.connect({ address: ['127.0.0.1', 5 as unknown as string], port: 9 })).toThrow(/address\[1\] must be/);
    expect(() => SctpSocket.connect({ address: '127.0.0.1', port: 70000 })).toThrow(/port must be an integer from 1 to 65535/);
    expect(() => SctpSocket.connect({ address: '127.0.0.1', port: 9, options: { noDelay: 'yes' as unknown as boolean } }))
      .toThrow(expect.objectContaining({ code: 'SHOAL_ERR_SCTP_INVALID_OPTION', message: expect.stringContaining('options.noDelay must be true or false, got "yes"') }));
  });
});

describe('checkSctpSupport', () => {
  test('on a kernel without SCTP: not ok, with the errno and what to do', () => {
    const r = checkSctpSupport();
    if (kernelHasSctp) {
      expect(r).toMatchObject({ ok: true, detail: expect.stringMatching(/SCTP available/) });
      return;
    }
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/socket\(AF_INET, SOCK_STREAM, IPPROTO_SCTP\) failed with errno \d+/);
    expect(r.fix).toMatch(/modprobe sctp/);
  });
});
