import { DEFAULT_OPTIONS, validateOptions } from '../../src';

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
  });

  test.each([
    [{ sendBufferSize: 10 }, 'option sendBufferSize must be an integer from 1024 to 1073741824 (got 10)'],
    [{ initMsg: { outStreams: 0 } }, 'option initMsg.outStreams must be an integer from 1 to 65535 (got 0)'],
    [{ rtoInfo: { minMs: 5000, maxMs: 1000, initialMs: 1000 } }, 'option rtoInfo.minMs must be at most rtoInfo.maxMs (1000) (got 5000)'],
    [{ events: { senderDry: 1 } }, 'option events.senderDry must be true or false (got 1)'],
    [{ colour: 'blue' }, 'option colour must be one of the known options'],
    [{ delayedSack: { delayMs: 1000 } }, 'option delayedSack.delayMs must be an integer from 1 to 500 (got 1000)'],
    [{ peerAddrParams: 'fast' }, 'option peerAddrParams must be an object (got "fast")'],
  ])('%j is refused naming the field', (input, message) => {
    expect(() => validateOptions(input as never)).toThrow(expect.objectContaining({
      code: 'SHOAL_ERR_SCTP_INVALID_OPTION', message: expect.stringContaining(message),
    }));
  });
});
