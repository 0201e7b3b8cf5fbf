import type { ShoalError } from '@shoal/core';
import { ERR_TCP_FRAME_TOO_LARGE } from '../errors';
import { type Framer, NO_FRAMES, type Payload } from './framer';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Newline-delimited frames: a frame is the bytes before '\n', without a
 * trailing '\r'. Replies get '\n' appended. A line longer than
 * `maxFrameBytes` (not counting '\n' and a trailing '\r') is reported as soon
 * as the buffered part of it is known to be too long.
 */
export class LinesFramer implements Framer {
  readonly framing = 'lines' as const;
  failure: ShoalError | null = null;
  /** The incomplete last line, in the pieces it arrived in. */
  private parts: Buffer[] = [];
  private partsLength = 0;

  constructor(readonly maxFrameBytes: number) {}

  get buffered(): number {
    return this.partsLength;
  }

  takeBuffered(): Buffer {
    const bytes = Buffer.concat(this.parts, this.partsLength);
    this.parts = [];
    this.partsLength = 0;
    return bytes;
  }

  push(chunk: Buffer): Buffer[] {
    if (this.failure !== null) return NO_FRAMES;
    const max = this.maxFrameBytes;
    let frames: Buffer[] = NO_FRAMES;
    let start = 0;
    let nl = chunk.indexOf(LF);
    if (nl !== -1 && this.partsLength > 0) {
      const total = this.partsLength + nl;
      const last = nl > 0 ? chunk[nl - 1] : this.parts[this.parts.length - 1][this.parts[this.parts.length - 1].length - 1];
      if (total > max && !(total === max + 1 && last === CR)) return this.fail(frames, String(total - (last === CR ? 1 : 0)));
      this.parts.push(chunk.subarray(0, nl));
      const line = Buffer.concat(this.parts, total);
      this.parts = [];
      this.partsLength = 0;
      frames = [last === CR ? line.subarray(0, total - 1) : line];
      start = nl + 1;
      nl = chunk.indexOf(LF, start);
    }
    while (nl !== -1) {
      const length = nl - start;
      const endsWithCr = length > 0 && chunk[nl - 1] === CR;
      if (length > max && !(length === max + 1 && endsWithCr)) return this.fail(frames, String(length - (endsWithCr ? 1 : 0)));
      if (frames === NO_FRAMES) frames = [];
      frames.push(chunk.subarray(start, endsWithCr ? nl - 1 : nl));
      start = nl + 1;
      nl = chunk.indexOf(LF, start);
    }
    if (start < chunk.length) {
      this.parts.push(start === 0 ? chunk : chunk.subarray(start));
      this.partsLength += chunk.length - start;
      const held = this.partsLength;
      // Over by more than a possible trailing '\r': too long whatever comes next.
      if (held > max + 1 || (held === max + 1 && chunk[chunk.length - 1] !== CR)) {
        return this.fail(frames, `more than ${max}`);
      }
    }
    return frames;
  }

  private fail(frames: Buffer[], size: string): Buffer[] {
    this.failure = new ERR_TCP_FRAME_TOO_LARGE('lines', size, this.maxFrameBytes);
    this.parts = [];
    this.partsLength = 0;
    return frames;
  }

  encode(payload: Payload): Buffer {
    if (typeof payload === 'string') {
      const length = Buffer.byteLength(payload);
      const out = Buffer.allocUnsafe(length + 1);
      out.write(payload, 0, length);
      out[length] = LF;
      return out;
    }
    const out = Buffer.allocUnsafe(payload.byteLength + 1);
    out.set(payload, 0);
    out[payload.byteLength] = LF;
    return out;
  }

  encodeError(code: string): Buffer {
    return Buffer.from(`ERR ${code}\n`);
  }
}
