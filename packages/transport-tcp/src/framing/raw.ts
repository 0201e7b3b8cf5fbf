import type { ShoalError } from '@shoal/core';
import { type Framer, type Payload, toBuffer } from './framer';

/**
 * No framing: every chunk the socket reads is a frame (split into pieces of
 * at most `maxFrameBytes`), and replies are written as they are. Frame
 * boundaries are wherever the network put them, so a raw protocol must not
 * depend on them, and there is no room for an error frame.
 */
export class RawFramer implements Framer {
  readonly framing = 'raw' as const;
  readonly failure: ShoalError | null = null;
  readonly buffered = 0;

  takeBuffered(): Buffer {
    return Buffer.alloc(0);
  }

  constructor(readonly maxFrameBytes: number) {}

  push(chunk: Buffer): Buffer[] {
    const max = this.maxFrameBytes;
    if (chunk.length <= max) return [chunk];
    const frames: Buffer[] = [];
    for (let start = 0; start < chunk.length; start += max) frames.push(chunk.subarray(start, start + max));
    return frames;
  }

  encode(payload: Payload): Buffer {
    return toBuffer(payload);
  }

  encodeError(_code: string): undefined {
    return undefined;
  }
}
