// The AVPs this node understands: those of the base protocol (RFC 6733
// section 4.5) and of base accounting (section 9.8). A request with another
// AVP whose M bit is set is answered DIAMETER_AVP_UNSUPPORTED (5001).
import type { Avp } from '../codec';

const BASE = [
  // RFC 6733 section 4.5
  85, 50, 287, 259, 44, 483, 485, 480, 258, 291, 277, 276, 25, 293, 283, 273, 281, 294, 279, 267, 257, 299, 264, 296, 278, 269,
  280, 284, 33, 292, 261, 262, 268, 282, 263, 270, 271, 27, 265, 1, 266, 260,
  // Event-Timestamp, Accounting-Sub-Session-Id (section 9.8)
  55,
];

const UNDERSTOOD = new Set(BASE);

/** The first AVP with the M bit that this node does not understand (vendor-specific ones included), if any. */
export function firstUnsupportedMandatory(avps: readonly Avp[]): Avp | undefined {
  return avps.find((a) => a.mandatory && (a.vendorId !== undefined || !UNDERSTOOD.has(a.code)));
}
