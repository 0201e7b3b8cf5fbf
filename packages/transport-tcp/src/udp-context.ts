import type { Payload } from './framing';

/** What a UDP handler gets with each datagram. */
export interface UdpContext {
  /** The listener's name from the configuration. */
  readonly listener: string;
  /** The sender of the datagram. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly family: 'IPv4' | 'IPv6';
  /**
   * Sends a datagram from the listener's socket, to the sender by default.
   * Returns false when the socket is already closed (nothing is sent).
   */
  send(payload: Payload, port?: number, address?: string): boolean;
}
