// What an AVP is (RFC 6733 section 4.1), as the codec hands it out: its
// code, the flags, the Vendor-ID of a vendor-specific one, and its data
// (padding excluded). The wire format is avp.ts.
export interface Avp {
  readonly code: number;
  /** Present with the V bit: the AVP is vendor-specific. */
  readonly vendorId?: number;
  /** The M bit: the receiver must understand the AVP or reject the message. */
  readonly mandatory: boolean;
  /** The P bit (end-to-end security, deprecated by RFC 6733 but still a defined bit). */
  readonly protected?: boolean;
  readonly data: Buffer;
}
