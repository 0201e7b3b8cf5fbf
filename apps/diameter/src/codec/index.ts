/**
 * The Diameter codec (RFC 6733 sections 3-4): messages, AVPs (vendor flag,
 * padding, grouped), the value formats this node uses, and the codes.
 * Hand-written: small, with no dependency.
 */
export { type Avp, AVP_FLAG, decodeAvps, encodeAvps, encodedAvpLength } from './avp';
export { Application, AvpCode, Command, DisconnectCause, DIAMETER_PPID, InbandSecurity, ResultCode, commandName, isProtocolError } from './codes';
export { DiameterDecodeError } from './decode-error';
export {
  COMMAND_FLAG, DIAMETER_VERSION, HEADER_LENGTH, MAX_MESSAGE_LENGTH, type CommandFlags, type DiameterHeader, type DiameterMessage,
  decodeHeader, decodeMessage, encodeMessage, findAvp, findAvps, flags,
} from './message';
export {
  type AvpFlags, addressAvp, groupedAvp, octetsAvp, readAddress, readGrouped, readString, readU32, readU64, stringAvp, u32Avp, u64Avp,
} from './values';
