// The numbers of RFC 6733 this node uses: command codes, AVP codes, Result-Codes,
// application ids and enumerated values. One place, so that a code has one name.

/** Command codes (RFC 6733 section 3.1, and the accounting command of section 9.7). */
export const Command = Object.freeze({
  CapabilitiesExchange: 257,
  DeviceWatchdog: 280,
  DisconnectPeer: 282,
  Accounting: 271,
});

/** Application ids (RFC 6733 section 2.4). */
export const Application = Object.freeze({
  /** The base protocol's messages (CER, DWR, DPR). */
  Common: 0,
  /** Diameter Base Accounting: the request/answer application this node serves (ACR/ACA). */
  BaseAccounting: 3,
  /** A relay advertises this id in its CER/CEA. */
  Relay: 0xffffffff,
});

/** AVP codes of the base protocol (RFC 6733 section 4.5). */
export const AvpCode = Object.freeze({
  AcctApplicationId: 259,
  AccountingRecordNumber: 485,
  AccountingRecordType: 480,
  AcctSessionId: 44,
  AuthApplicationId: 258,
  DestinationHost: 293,
  DestinationRealm: 283,
  DisconnectCause: 273,
  ErrorMessage: 281,
  ErrorReportingHost: 294,
  FailedAvp: 279,
  FirmwareRevision: 267,
  HostIpAddress: 257,
  InbandSecurityId: 299,
  OriginHost: 264,
  OriginRealm: 296,
  OriginStateId: 278,
  ProductName: 269,
  ProxyInfo: 284,
  RouteRecord: 282,
  ResultCode: 268,
  SessionId: 263,
  SupportedVendorId: 265,
  UserName: 1,
  VendorId: 266,
  VendorSpecificApplicationId: 260,
  AcctInterimInterval: 85,
  EventTimestamp: 55,
});

/** Result-Code values (RFC 6733 section 7.1). 3xxx are protocol errors: their answers have the E bit. */
export const ResultCode = Object.freeze({
  Success: 2001,
  CommandUnsupported: 3001,
  UnableToDeliver: 3002,
  RealmNotServed: 3003,
  ApplicationUnsupported: 3007,
  InvalidHdrBits: 3008,
  InvalidAvpBits: 3009,
  UnknownPeer: 3010,
  AvpUnsupported: 5001,
  InvalidAvpValue: 5004,
  MissingAvp: 5005,
  NoCommonApplication: 5010,
  UnsupportedVersion: 5011,
  UnableToComply: 5012,
  InvalidAvpLength: 5014,
  InvalidMessageLength: 5015,
  NoCommonSecurity: 5017,
});

/** Disconnect-Cause values (RFC 6733 section 5.4.3). */
export const DisconnectCause = Object.freeze({
  Rebooting: 0,
  Busy: 1,
  DoNotWantToTalkToYou: 2,
});

/** Inband-Security-Id values (RFC 6733 section 6.10). */
export const InbandSecurity = Object.freeze({ NoInbandSecurity: 0, Tls: 1 });

/** The SCTP payload protocol identifier of Diameter (IANA). */
export const DIAMETER_PPID = 46;

/** True for a protocol error (3xxx): its answer carries the E bit (RFC 6733 section 7.1.3). */
export function isProtocolError(resultCode: number): boolean {
  return resultCode >= 3000 && resultCode < 4000;
}

/** Short names of the commands, for logs and metric labels ("other" for the rest: bounded cardinality). */
export function commandName(code: number, request: boolean): string {
  const names: Record<number, string> = { 257: 'CE', 280: 'DW', 282: 'DP', 271: 'AC' };
  const base = names[code];
  return base === undefined ? 'other' : `${base}${request ? 'R' : 'A'}`;
}
