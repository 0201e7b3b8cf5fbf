import fc from 'fast-check';
import { LengthPrefixedFramer } from '../../src';
import { feed, splits } from './split';

function wire(payloads: Uint8Array[]): Buffer {
  const encoder = new LengthPrefixedFramer(0xffffffff);
  return Buffer.concat(payloads.map((p) => encoder.encode(p)));
}

/** The reference: frames and failure of a whole (possibly truncated) stream. */
function model(bytes: Buffer, max: number): { frames: string[]; failed: boolean } {
  const frames: string[] = [];
  let offset = 0;
  while (bytes.length - offset >= 4) {
    const length = bytes.readUInt32BE(offset);
    if (length > max) return { frames, failed: true };
    if (bytes.length - offset - 4 < length) break;
    frames.push(bytes.subarray(offset + 4, offset + 4 + length).toString('hex'));
    offset += 4 + length;
  }
  return { frames, failed: false };
}

const payloads = fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 12 });

describe('LengthPrefixedFramer', () => {
  test('any split of the stream gives the encoded payloads', () => {
    fc.assert(
      fc.property(payloads.chain((ps) => splits(fc.constant(new Uint8Array(wire(ps)))).map((s) => ({ ps, ...s }))), ({ ps, chunks }) => {
        const framer = new LengthPrefixedFramer(1 << 20);
        expect(feed(framer, chunks)).toEqual(ps.map((p) => Buffer.from(p).toString('hex')));
        expect(framer.failure).toBeNull();
        expect(framer.buffered).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  test('oversized frames are found whatever the split, also in a truncated stream', () => {
    const truncated = payloads.chain((ps) => {
      const bytes = wire(ps);
      return fc.integer({ min: 0, max: bytes.length }).map((n) => new Uint8Array(bytes.subarray(0, n)));
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 }), splits(truncated), (max, { bytes, chunks }) => {
        const framer = new LengthPrefixedFramer(max);
        const expected = model(bytes, max);
        expect(feed(framer, chunks)).toEqual(expected.frames);
        expect(framer.failure !== null).toBe(expected.failed);
        if (expected.failed) expect(framer.failure!.code).toBe('SHOAL_ERR_TCP_FRAME_TOO_LARGE');
      }),
      { numRuns: 1000 },
    );
  });

  test('an oversized length is reported as soon as the header is read', () => {
    const framer = new LengthPrefixedFramer(1024);
    expect(framer.push(Buffer.from([0, 0, 4]))).toEqual([]);
    expect(framer.failure).toBeNull();
    expect(framer.push(Buffer.from([1]))).toEqual([]); // 1025
    expect(framer.failure?.code).toBe('SHOAL_ERR_TCP_FRAME_TOO_LARGE');
    expect(framer.failure?.message).toContain('1025 bytes exceeds maxFrameBytes (1024)');
  });

  test('error frames carry a JSON error code', () => {
    const framer = new LengthPrefixedFramer(100);
    const [frame] = new LengthPrefixedFramer(100).push(framer.encodeError('SHOAL_ERR_HANDLER_FAILED'));
    expect(JSON.parse(frame.toString())).toEqual({ error: { code: 'SHOAL_ERR_HANDLER_FAILED' } });
    expect(framer.encode('hé').equals(Buffer.from([0, 0, 0, 3, 0x68, 0xc3, 0xa9]))).toBe(true);
  });
});
