import { describeValue, payloadReply } from '../../src/dispatch/reply';

describe('reply checks', () => {
  it('payloadReply takes bytes, strings and nothing, and names what else it got by type only', () => {
    for (const ok of [Buffer.from('x'), new Uint8Array(2), 'text', '', undefined, null]) expect(payloadReply(ok, undefined)).toBeUndefined();
    expect(payloadReply({ secret: 1 }, undefined)).toBe('an object (Object) is not a Buffer, a Uint8Array or a string');
    expect(payloadReply(42, undefined)).toBe('a number is not a Buffer, a Uint8Array or a string');
    expect(payloadReply([1], undefined)).toBe('an array is not a Buffer, a Uint8Array or a string');
  });

  it('describeValue never shows content', () => {
    expect(describeValue(new Map([['secret', 1]]))).toBe('an object (Map)');
    expect(describeValue(Object.create(null))).toBe('an object (no prototype)');
    expect(describeValue('secret')).toBe('a string');
  });
});
