// SCTP notifications (RFC 6458 section 6.1) as typed objects. Each socket
// subscribes to the kinds named in options.events (SCTP_EVENT); each one
// arrives as the 'notification' event and as an event of its own type.
import type { NativeAddress } from './native';

export type AssocChangeState = 'COMM_UP' | 'COMM_LOST' | 'RESTART' | 'SHUTDOWN_COMP' | 'CANT_STR_ASSOC' | 'UNKNOWN';
export type PeerAddrState =
  | 'ADDR_AVAILABLE' | 'ADDR_UNREACHABLE' | 'ADDR_REMOVED' | 'ADDR_ADDED'
  | 'ADDR_MADE_PRIM' | 'ADDR_CONFIRMED' | 'ADDR_POTENTIALLY_FAILED' | 'UNKNOWN';

export interface AssocChangeNotification {
  type: 'assoc-change';
  state: AssocChangeState;
  error: number;
  outboundStreams: number;
  inboundStreams: number;
  assocId: number;
  info: Buffer;
}
export interface PeerAddrChangeNotification {
  type: 'peer-addr-change';
  address: NativeAddress | null;
  state: PeerAddrState;
  error: number;
  assocId: number;
}
export interface RemoteErrorNotification { type: 'remote-error'; error: number; assocId: number; data: Buffer }
export interface SendFailedNotification {
  type: 'send-failed';
  /** true: never sent; false: sent but not acknowledged. */
  unsent: boolean;
  error: number;
  stream: number;
  ppid: number;
  context: number;
  assocId: number;
  /** The undelivered message (or what is left of it). */
  data: Buffer;
}
export interface ShutdownNotification { type: 'shutdown'; assocId: number }
export interface SenderDryNotification { type: 'sender-dry'; assocId: number }
export interface PartialDeliveryNotification { type: 'partial-delivery'; indication: number; stream: number; seq: number; assocId: number }
export interface AdaptationIndicationNotification { type: 'adaptation-indication'; adaptationInd: number; assocId: number }
/** SCTP_AUTHENTICATION_EVENT indications (RFC 6458 6.1.8; NO_AUTH: the peer does not do SCTP-AUTH). */
export type AuthIndicationName = 'NEW_KEY' | 'FREE_KEY' | 'NO_AUTH' | 'UNKNOWN';
export interface AuthenticationNotification {
  type: 'authentication';
  /** auth_indication as a number (SCTP_AUTH_NEW_KEY 0, SCTP_AUTH_FREE_KEY 1, SCTP_AUTH_NO_AUTH 2). */
  indication: number;
  indicationName: AuthIndicationName;
  /** NEW_KEY: the key the peer now uses; FREE_KEY: the key no longer used. */
  keyNumber: number;
  altKeyNumber: number;
  assocId: number;
}
/** SCTP_STREAM_RESET_EVENT (RFC 6525): streams whose SSNs started again at 0, or a denied/failed request. */
export interface StreamResetNotification {
  type: 'stream-reset';
  flags: number;
  /** Our inbound streams were reset (the peer asked, or granted our request). */
  incoming: boolean;
  /** Our outbound streams were reset. */
  outgoing: boolean;
  denied: boolean;
  failed: boolean;
  /** The streams; empty: all of them. */
  streams: number[];
  assocId: number;
}
/** SCTP_ASSOC_RESET_EVENT (RFC 6525): TSNs and SSNs started again. */
export interface AssocResetNotification {
  type: 'assoc-reset';
  flags: number;
  denied: boolean;
  failed: boolean;
  /** Our next TSN. */
  localTsn: number;
  /** The peer's next TSN. */
  remoteTsn: number;
  assocId: number;
}
/**
 * SCTP_STREAM_CHANGE_EVENT (RFC 6525): streams were added (or the request was
 * denied). Linux (checked on 6.1) puts the numbers of streams ADDED in
 * strchange_instrms/outstrms, where RFC 6458 describes the new totals:
 * status() gives the totals.
 */
export interface StreamChangeNotification {
  type: 'stream-change';
  flags: number;
  denied: boolean;
  failed: boolean;
  /** Inbound streams added (strchange_instrms as Linux fills it). */
  inboundStreams: number;
  /** Outbound streams added (strchange_outstrms as Linux fills it). */
  outboundStreams: number;
  assocId: number;
}
export interface UnknownNotification { type: 'unknown'; rawType: number }

export type SctpNotification =
  | AssocChangeNotification
  | PeerAddrChangeNotification
  | RemoteErrorNotification
  | SendFailedNotification
  | ShutdownNotification
  | SenderDryNotification
  | PartialDeliveryNotification
  | AdaptationIndicationNotification
  | AuthenticationNotification
  | StreamResetNotification
  | AssocResetNotification
  | StreamChangeNotification
  | UnknownNotification;

export type SctpNotificationType = SctpNotification['type'];

/** The notification types, which are also the names of their events. */
export const NOTIFICATION_TYPES: readonly SctpNotificationType[] = Object.freeze([
  'assoc-change', 'peer-addr-change', 'remote-error', 'send-failed', 'shutdown',
  'sender-dry', 'partial-delivery', 'adaptation-indication', 'authentication', 'stream-reset', 'assoc-reset',
  'stream-change', 'unknown',
]);

/** SCTP_PARTIAL_DELIVERY_ABORTED: the partial delivery of a message was aborted. */
export const PARTIAL_DELIVERY_ABORTED = 0;

/** An internal entry of a receive batch: a message over maxMessageBytes was dropped. */
export interface TooLargeEntry { type: 'message-too-large'; assocId: number; bytes: number }
