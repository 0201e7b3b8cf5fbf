/**
 * Room `framing`: how a TCP byte stream becomes messages (raw, lines,
 * length-prefixed), each framer with its size limit.
 */
export type { Framer, FramingName, Payload } from './framer';
export { NO_FRAMES, payloadLength, toBuffer } from './framer';
export { RawFramer } from './raw';
export { LinesFramer } from './lines';
export { LengthPrefixedFramer } from './length-prefixed';
export { createFramer } from './create';
