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
export interface AuthenticationNotification { type: 'authentication'; indication: number; assocId: number }
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
  | UnknownNotification;

export type SctpNotificationType = SctpNotification['type'];

/** The notification types, which are also the names of their events. */
export const NOTIFICATION_TYPES: readonly SctpNotificationType[] = Object.freeze([
  'assoc-change', 'peer-addr-change', 'remote-error', 'send-failed', 'shutdown',
  'sender-dry', 'partial-delivery', 'adaptation-indication', 'authentication', 'unknown',
]);

/** SCTP_PARTIAL_DELIVERY_ABORTED: the partial delivery of a message was aborted. */
export const PARTIAL_DELIVERY_ABORTED = 0;

/** An internal entry of a receive batch: a message over maxMessageBytes was dropped. */
export interface TooLargeEntry { type: 'message-too-large'; assocId: number; bytes: number }
