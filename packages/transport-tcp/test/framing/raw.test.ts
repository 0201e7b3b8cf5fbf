import fc from 'fast-check';
import { RawFramer } from '../../src';

describe('RawFramer', () => {
  test('frames are the chunks, cut at maxFrameBytes, and nothing is lost', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 })), (max, chunks) => {
        const framer = new RawFramer(max);
        const frames = chunks.flatMap((c) => framer.push(Buffer.from(c)));
        expect(Buffer.concat(frames).equals(Buffer.concat(chunks.map((c) => Buffer.from(c))))).toBe(true);
        for (const frame of frames) expect(frame.length).toBeGreaterThan(0);
        for (const frame of frames) expect(frame.length).toBeLessThanOrEqual(max);
        expect(framer.failure).toBeNull();
      }),
    );
  });

  test('replies are written as they are, and there is no error frame', () => {
    const framer = new RawFramer(10);
    expect(framer.encode('abc').toString()).toBe('abc');
    expect(framer.encodeError('SHOAL_ERR_X_Y')).toBeUndefined();
  });
});
