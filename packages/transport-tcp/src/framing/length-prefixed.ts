import type { ShoalError } from '@shoal/core';
import { ERR_TCP_FRAME_TOO_LARGE } from '../errors';
import { type Framer, NO_FRAMES, type Payload } from './framer';

const HEADER = 4;

/**
 * Length-prefixed frames: a u32 big-endian payload length, then the payload.
 * A length over `maxFrameBytes` is reported as soon as the header is read,
 * before any of the payload is buffered. A frame that arrives within one
 * chunk is returned without a copy; a frame spread over chunks is copied once
 * into a buffer of its announced size.
 */
export class LengthPrefixedFramer implements Framer {
  readonly framing = 'length-prefixed' as const;
  failure: ShoalError | null = null;
  private readonly header = Buffer.alloc(HEADER);
  private headerFilled = 0;
  private body: Buffer | null = null;
  private bodyFilled = 0;

  constructor(readonly maxFrameBytes: number) {
    if (maxFrameBytes > 0xffffffff) throw new RangeError('maxFrameBytes of length-prefixed framing is at most 2^32 - 1');
  }

  get buffered(): number {
    return this.body !== null ? HEADER + this.bodyFilled : this.headerFilled;
  }

  takeBuffered(): Buffer {
    const bytes =
      this.body !== null
        ? Buffer.concat([this.header, this.body.subarray(0, this.bodyFilled)])
        : Buffer.from(this.header.subarray(0, this.headerFilled));
    this.headerFilled = 0;
    this.body = null;
    this.bodyFilled = 0;
    return bytes;
  }

  push(chunk: Buffer): Buffer[] {
    if (this.failure !== null) return NO_FRAMES;
    let frames: Buffer[] = NO_FRAMES;
    let offset = 0;
    const end = chunk.length;
    while (offset < end) {
      if (this.body === null) {
        let length: number;
        if (this.headerFilled === 0 && end - offset >= HEADER) {
          length = chunk.readUInt32BE(offset);
          offset += HEADER;
        } else {
          const n = Math.min(HEADER - this.headerFilled, end - offset);
          chunk.copy(this.header, this.headerFilled, offset, offset + n);
          this.headerFilled += n;
          offset += n;
          if (this.headerFilled < HEADER) break;
          this.headerFilled = 0;
          length = this.header.readUInt32BE(0);
        }
        if (length > this.maxFrameBytes) {
          this.failure = new ERR_TCP_FRAME_TOO_LARGE('length-prefixed', String(length), this.maxFrameBytes);
          return frames;
        }
        if (end - offset >= length) {
          if (frames === NO_FRAMES) frames = [];
          frames.push(chunk.subarray(offset, offset + length));
          offset += length;
          continue;
        }
        this.body = Buffer.allocUnsafe(length);
        this.bodyFilled = 0;
      }
      const body: Buffer = this.body;
      const n = Math.min(body.length - this.bodyFilled, end - offset);
      chunk.copy(body, this.bodyFilled, offset, offset + n);
      this.bodyFilled += n;
      offset += n;
      if (this.bodyFilled === body.length) {
        if (frames === NO_FRAMES) frames = [];
        frames.push(body);
        this.body = null;
      }
    }
    return frames;
  }

  encode(payload: Payload): Buffer {
    if (typeof payload === 'string') {
      const length = Buffer.byteLength(payload);
      const out = Buffer.allocUnsafe(HEADER + length);
      out.writeUInt32BE(length, 0);
      out.write(payload, HEADER, length);
      return out;
    }
    const out = Buffer.allocUnsafe(HEADER + payload.byteLength);
    out.writeUInt32BE(payload.byteLength, 0);
    out.set(payload, HEADER);
    return out;
  }

  encodeError(code: string): Buffer {
    return this.encode(JSON.stringify({ error: { code } }));
  }
}
