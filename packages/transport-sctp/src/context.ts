// What SCTP handlers get: one association context per association (the same
// object for all its messages), and for each message a message context that
// adds its stream, PPID and reply().
import type { PeerAddrState } from '@shoal/sctp';

export interface SctpSendOptions {
  /** Stream to send on (default: the message's own stream for reply(), 0 for send()). */
  stream?: number;
  /** Payload protocol identifier (default: the message's own for reply(), 0 for send()). */
  ppid?: number;
  /** Deliver without ordering within the stream. */
  unordered?: boolean;
}

export type SctpPayload = Buffer | Uint8Array | string;

export interface SctpAssociationContext {
  /** The listener's name from the configuration. */
  readonly listener: string;
  readonly style: 'one-to-one' | 'one-to-many';
  /** The kernel's association id (unique per socket). */
  readonly assocId: number;
  /** The peer's addresses (several for a multi-homed peer) and port. */
  readonly remoteAddresses: readonly string[];
  readonly remotePort: number;
  /** Outbound streams of the association (a stream number must be below it). */
  readonly outboundStreams: number;
  /** True when this worker took the association over from the slot's previous worker (reload). */
  readonly resumed: boolean;
  /**
   * Per-association data of the application. When the association moves to
   * another worker (a one-to-one hand-off on reload, a one-to-many socket
   * released to the next worker), the entries go with it as JSON (an entry's
   * toJSON() is used; entries JSON cannot carry are dropped): the next worker
   * finds them here, as plain data, with `resumed` true.
   */
  readonly state: Map<string, unknown>;
  /** Sends a message on the association; false when it had to be queued (the kernel's buffer is full) or the association is closing. */
  send(data: SctpPayload, options?: SctpSendOptions): boolean;
  /** Graceful SHUTDOWN once what was sent is delivered. */
  close(): void;
  /** ABORT now. */
  abort(): void;
}

export interface SctpMessageContext extends SctpAssociationContext {
  readonly stream: number;
  readonly ppid: number;
  /** Stream sequence number (0 for unordered). */
  readonly ssn: number;
  readonly unordered: boolean;
  /** Sends on this message's stream with its PPID unless `options` says otherwise. */
  reply(data: SctpPayload, options?: SctpSendOptions): boolean;
}

/** Why an association ended (for @OnAssociationDown). */
export interface SctpAssociationDown {
  /** 'shutdown': graceful; 'aborted' / 'lost': by the peer or the network; 'closed': by this side. */
  readonly reason: 'shutdown' | 'aborted' | 'lost' | 'closed';
  readonly error?: string;
}

/** A path of a multi-homed peer changed state (SCTP_PEER_ADDR_CHANGE). */
export interface SctpPeerAddressChange {
  readonly address: string | null;
  readonly state: PeerAddrState;
  readonly error: number;
}
