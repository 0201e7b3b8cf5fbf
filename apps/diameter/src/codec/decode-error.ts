// Why a message could not be decoded, as the Result-Code RFC 6733 gives for it
// (section 7.1), with the AVP to report in Failed-AVP where there is one.
import type { Avp } from './avp-type';

export class DiameterDecodeError extends Error {
  constructor(
    /** The Result-Code to answer with (5011, 5014, 5015, 3008, 3009, ...). */
    readonly resultCode: number,
    message: string,
    /** The offending AVP, for Failed-AVP (RFC 6733 section 7.5). */
    readonly failedAvp?: Avp,
  ) {
    super(message);
    this.name = 'DiameterDecodeError';
  }
}
