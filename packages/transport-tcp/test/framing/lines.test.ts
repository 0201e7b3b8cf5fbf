import fc from 'fast-check';
import { LinesFramer } from '../../src';
import { feed, splits } from './split';

const LF = 10;
const CR = 13;

/** The reference: what a lines framer must produce for a whole stream. */
function model(bytes: Buffer, max: number): { frames: string[]; failed: boolean } {
  const frames: string[] = [];
  let start = 0;
  for (;;) {
    const nl = bytes.indexOf(LF, start);
    const line = nl === -1 ? bytes.subarray(start) : bytes.subarray(start, nl);
    if (nl === -1) {
      // An unfinished line is too long when no ending can bring it under the limit.
      const failed = line.length > max + 1 || (line.length === max + 1 && line[line.length - 1] !== CR);
      return { frames, failed };
    }
    const frame = line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line;
    if (frame.length > max) return { frames, failed: true };
    frames.push(frame.toString('hex'));
    start = nl + 1;
  }
}

/** Streams rich in line ends, carriage returns and short lines. */
const stream = fc.uint8Array({ maxLength: 300 }).chain((noise) =>
  fc.array(fc.constantFrom(LF, CR, 0x41, 0x42), { maxLength: 300 }).map((bytes) => {
    const out = new Uint8Array(bytes.length + noise.length);
    out.set(bytes, 0);
    out.set(noise, bytes.length);
    return out;
  }),
);

describe('LinesFramer', () => {
  test('any split of the stream gives the frames of the whole stream (no limit reached)', () => {
    fc.assert(
      fc.property(splits(stream), ({ bytes, chunks }) => {
        const framer = new LinesFramer(1 << 20);
        expect(feed(framer, chunks)).toEqual(model(bytes, 1 << 20).frames);
        expect(framer.failure).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  test('oversized lines are found whatever the split, after exactly the frames before them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), splits(stream), (max, { bytes, chunks }) => {
        const framer = new LinesFramer(max);
        const expected = model(bytes, max);
        expect(feed(framer, chunks)).toEqual(expected.frames);
        expect(framer.failure !== null).toBe(expected.failed);
        if (expected.failed) {
          expect(framer.failure!.code).toBe('SHOAL_ERR_TCP_FRAME_TOO_LARGE');
          expect(framer.push(Buffer.from('ok\n'))).toEqual([]);
        }
      }),
      { numRuns: 1000 },
    );
  });

  test('a partial line is reported as soon as it is too long, before its end arrives', () => {
    const framer = new LinesFramer(8);
    expect(framer.push(Buffer.from('ok\n12345678'))).toEqual([Buffer.from('ok')]);
    expect(framer.failure).toBeNull();
    expect(framer.push(Buffer.from('\r'))).toEqual([]); // 8 bytes and '\r' may still be a valid line
    expect(framer.failure).toBeNull();
    expect(framer.push(Buffer.from('9'))).toEqual([]);
    expect(framer.failure?.code).toBe('SHOAL_ERR_TCP_FRAME_TOO_LARGE');
    expect(framer.failure?.message).toContain('maxFrameBytes (8)');
  });

  test('a line of exactly maxFrameBytes passes, with or without \\r', () => {
    const framer = new LinesFramer(3);
    expect(framer.push(Buffer.from('abc\nabc\r\n')).map(String)).toEqual(['abc', 'abc']);
    expect(framer.failure).toBeNull();
  });

  test('encode appends \\n and round-trips through push', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 50 }).map((a) => Buffer.from(a.filter((b) => b !== LF && b !== CR)))), (payloads) => {
        const encoder = new LinesFramer(64);
        const wire = Buffer.concat(payloads.map((p) => encoder.encode(p)));
        expect(new LinesFramer(64).push(wire).map((f) => f.toString('hex'))).toEqual(payloads.map((p) => p.toString('hex')));
      }),
    );
    const framer = new LinesFramer(64);
    expect(framer.encode('héllo').toString()).toBe('héllo\n');
    expect(framer.encode(new Uint8Array([1, 2])).equals(Buffer.from([1, 2, 10]))).toBe(true);
    expect(framer.encodeError('SHOAL_ERR_X_Y').toString()).toBe('ERR SHOAL_ERR_X_Y\n');
  });
});
