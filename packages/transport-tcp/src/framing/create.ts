import type { Framer, FramingName } from './framer';
import { LengthPrefixedFramer } from './length-prefixed';
import { LinesFramer } from './lines';
import { RawFramer } from './raw';

/** A fresh framer (one per connection) for a framing by name. */
export function createFramer(framing: FramingName, maxFrameBytes: number): Framer {
  switch (framing) {
    case 'raw':
      return new RawFramer(maxFrameBytes);
    case 'lines':
      return new LinesFramer(maxFrameBytes);
    case 'length-prefixed':
      return new LengthPrefixedFramer(maxFrameBytes);
  }
}
