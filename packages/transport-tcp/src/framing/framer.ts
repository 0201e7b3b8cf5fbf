import type { ShoalError } from '@shoal/core';

/** What a handler may reply with, or send through `ctx.send`. */
export type Payload = Buffer | Uint8Array | string;

export type FramingName = 'raw' | 'lines' | 'length-prefixed';

/**
 * Splits a byte stream into frames and frames replies. One framer per
 * connection: `push` keeps the incomplete tail of the stream.
 */
export interface Framer {
  readonly framing: FramingName;
  readonly maxFrameBytes: number;
  /**
   * The frames that `chunk` completes, in stream order. Frames may share
   * memory with `chunk`. When a frame over `maxFrameBytes` is found (as soon as
   * that is known), `failure` is set, the frames before it are returned and
   * every later push returns nothing.
   */
  push(chunk: Buffer): Buffer[];
  /** The oversized frame that stopped this framer, or null. */
  readonly failure: ShoalError | null;
  /** Bytes of an incomplete frame held right now. */
  readonly buffered: number;
  /**
   * Gives up the bytes of the incomplete frame held now, as they came on the
   * wire (to hand a connection to another process, which frames them anew).
   */
  takeBuffered(): Buffer;
  /** The bytes to write for one reply. */
  encode(payload: Payload): Buffer;
  /** An error frame that names `code`, or undefined when the framing has no room for one (raw). */
  encodeError(code: string): Buffer | undefined;
}

/** Frames returned when there is nothing to return (shared, never mutated). */
export const NO_FRAMES: Buffer[] = [];
Object.freeze(NO_FRAMES);

export function toBuffer(payload: Payload): Buffer {
  if (typeof payload === 'string') return Buffer.from(payload);
  if (Buffer.isBuffer(payload)) return payload;
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

export function payloadLength(payload: Payload): number {
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
}
