import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { assumeValidOptions, DEFAULT_OPTIONS, validateOptions, validateSctpOptions } from '../../src';

describe('options', () => {
  test('defaults are the documented fast ones, and frozen', () => {
    const o = validateOptions();
    expect(o).toEqual(DEFAULT_OPTIONS);
    expect(o.noDelay).toBe(true);
    expect(o.delayedSack).toEqual({ delayMs: 10, freq: 2 });
    expect(o.sendBufferSize).toBe(1 << 20);
    expect(Object.isFrozen(o)).toBe(true);
    expect(Object.isFrozen(o.initMsg)).toBe(true);
    expect(Object.isFrozen(o.events)).toBe(true);
  });

  test('partial sub-objects are merged with the defaults; null keeps the kernel value', () => {
    const o = validateOptions({ initMsg: { outStreams: 100 }, delayedSack: null, rtoInfo: { minMs: 100 } });
    expect(o.initMsg).toEqual({ outStreams: 100, maxInStreams: 16, maxAttempts: 0, maxInitTimeoutMs: 0 });
    expect(o.delayedSack).toBeNull();
    expect(o.rtoInfo).toEqual({ initialMs: 3000, maxMs: 60000, minMs: 100 });
    expect(o.assocInfo).toBeNull();
    expect(Object.isFrozen(o)).toBe(true);
    expect(Object.isFrozen(o.initMsg)).toBe(true);
    expect(Object.isFrozen(o.rtoInfo)).toBe(true);
  });

  test('changes are merged over a base (setOptions)', () => {
    const base = validateOptions({ events: { senderDry: true }, peerAddrParams: { hbIntervalMs: 1000 } });
    const next = validateOptions({ events: { shutdown: false }, peerAddrParams: { pathMaxRetrans: 2 } }, base);
    expect(next.events).toMatchObject({ senderDry: true, shutdown: false, assocChange: true });
    expect(next.peerAddrParams).toEqual({ hbIntervalMs: 1000, pathMaxRetrans: 2 });
  });

  test.each([
    [{ sendBufferSize: 10 }, 'options.sendBufferSize must be an integer from 1024 to 1073741824, got 10'],
    [{ initMsg: { outStreams: 0 } }, 'options.initMsg.outStreams must be an integer from 1 to 65535, got 0'],
    [{ rtoInfo: { minMs: 5000, maxMs: 1000, initialMs: 1000 } }, 'options.rtoInfo.minMs must be at most rtoInfo.maxMs (1000), got 5000'],
    [{ rtoInfo: { initialMs: 100 } }, 'options.rtoInfo.initialMs must be between rtoInfo.minMs and rtoInfo.maxMs (1000 to 60000), got 100'],
    [{ events: { senderDry: 1 } }, 'options.events.senderDry must be true or false, got 1'],
    [{ colour: 'blue' }, 'options.colour is not a known option (known: noDelay, sendBufferSize'],
    [{ delayedSack: { delayMs: 1000 } }, 'options.delayedSack.delayMs must be an integer from 1 to 500, got 1000'],
    [{ delayedSack: { delay: 10 } }, 'options.delayedSack.delay is not a known option (known: delayMs, freq)'],
    [{ peerAddrParams: 'fast' }, 'options.peerAddrParams must be an object { hbIntervalMs, pathMaxRetrans } or null, got "fast"'],
    [{ initMsg: null }, 'options.initMsg must be an object { outStreams, maxInStreams, maxAttempts, maxInitTimeoutMs }, got null'],
    [{ adaptationIndication: -1 }, 'options.adaptationIndication must be an integer from 0 to 4294967295 or null, got -1'],
    ['fast', 'options must be an object of SCTP socket options, got "fast"'],
    [{ streamReset: { resetStreams: 'yes' } }, 'options.streamReset.resetStreams must be true or false, got "yes"'],
    [{ interleaving: 1 }, 'options.interleaving must be true or false'],
    [{ streamScheduler: 'wfq' }, "options.streamScheduler must be 'fcfs', 'prio', 'rr' or null"],
    [{ authChunks: [0, 300] }, 'options.authChunks.1 must be an integer from 0 to 255, got 300'],
    [{ defaultPrInfo: { policy: 'sometimes' } }, "options.defaultPrInfo.policy must be 'none', 'ttl', 'rtx' or 'prio'"],
    [{ defaultPrInfo: { policy: 'ttl', value: 0 } }, "options.defaultPrInfo.value must be at least 1 (ms) when policy is 'ttl', got 0"],
    [{ peerAddrThresholds: { pfThreshold: 10, psThreshold: 2 } }, 'options.peerAddrThresholds.pfThreshold must be at most peerAddrThresholds.psThreshold (2), got 10'],
  ])('%j is refused naming the field', (input, message) => {
    expect(() => validateOptions(input as never)).toThrow(expect.objectContaining({
      code: 'SHOAL_ERR_SCTP_INVALID_OPTION', message: expect.stringContaining(message),
    }));
  });

  test('every problem is listed, each with its field path', () => {
    const { value, problems } = validateSctpOptions(
      { noDelay: 'yes', initMsg: { outStreams: 0, maxInStreams: 70000 }, events: { nope: true } },
      'listeners.sig.options.socket',
    );
    expect(value).toBeUndefined();
    expect(problems).toEqual([
      'listeners.sig.options.socket.noDelay must be true or false, got "yes"',
      'listeners.sig.options.socket.initMsg.outStreams must be an integer from 1 to 65535, got 0',
      'listeners.sig.options.socket.initMsg.maxInStreams must be an integer from 1 to 65535, got 70000',
      expect.stringMatching(/^listeners\.sig\.options\.socket\.events\.nope is not a known option \(known: assocChange, /),
    ]);
    expect(() => validateOptions({ noDelay: 'yes', backlog: 0 } as never)).toThrow(
      /invalid SCTP options \(2 problems\): options\.noDelay must be .*; options\.backlog must be an integer from 1 to 65535, got 0/,
    );
  });

  test('assumeValidOptions merges options validated before without checking them again', () => {
    const o = assumeValidOptions({ reusePort: true, initMsg: { outStreams: 4, maxInStreams: 4 } });
    expect(o).toEqual({ ...DEFAULT_OPTIONS, reusePort: true, initMsg: { outStreams: 4, maxInStreams: 4, maxAttempts: 0, maxInitTimeoutMs: 0 } });
    expect(Object.isFrozen(o) && Object.isFrozen(o.initMsg)).toBe(true);
    // Sockets take it (and validateOptions returns it) as it is.
    expect(validateOptions(o)).toBe(o);
  });

  test('loading the package, and options that need no check, do not load zod', () => {
    const dist = path.join(__dirname, '..', '..', 'dist');
    const script = `
      const sctp = require(${JSON.stringify(dist)});
      const zod = () => Object.keys(require.cache).some((f) => f.includes('/node_modules/zod/'));
      const loaded = [zod()];
      sctp.validateOptions(); sctp.validateOptions({});
      sctp.assumeValidOptions({ reusePort: true, maxMessageBytes: 1024, initMsg: { outStreams: 8, maxInStreams: 8 } });
      loaded.push(zod());
      sctp.validateOptions({ noDelay: false });
      loaded.push(zod());
      console.log(JSON.stringify(loaded));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([false, false, true]);
  }, 30_000); // a child process: seconds on a busy machine
});
