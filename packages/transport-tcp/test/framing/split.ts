import fc from 'fast-check';
import type { Framer } from '../../src';

/** A byte stream and the points at which to cut it into chunks. */
export function splits(stream: fc.Arbitrary<Uint8Array>): fc.Arbitrary<{ bytes: Buffer; chunks: Buffer[] }> {
  return stream.chain((bytes) =>
    fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, bytes.length - 1) }), { maxLength: Math.min(bytes.length, 40) }).map((cuts) => {
      const buffer = Buffer.from(bytes);
      const points = [0, ...cuts.filter((c) => c < buffer.length).sort((a, b) => a - b), buffer.length];
      const chunks: Buffer[] = [];
      for (let i = 0; i + 1 < points.length; i++) if (points[i + 1] > points[i]) chunks.push(buffer.subarray(points[i], points[i + 1]));
      return { bytes: buffer, chunks };
    }),
  );
}

/** Feeds chunks (copies, so that frames cannot alias a reused buffer) and returns the frames as hex. */
export function feed(framer: Framer, chunks: Buffer[]): string[] {
  const frames: string[] = [];
  for (const chunk of chunks) for (const frame of framer.push(Buffer.from(chunk))) frames.push(frame.toString('hex'));
  return frames;
}
