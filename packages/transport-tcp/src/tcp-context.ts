import type { Socket } from 'node:net';
import type { Payload } from './framing';
import type { TlsInfo } from './tls-info';

/**
 * What a TCP handler gets with each frame (and connect/disconnect handlers
 * alone): one context per connection, the same object for all its frames.
 */
export interface TcpContext {
  /** The listener's name from the configuration. */
  readonly listener: string;
  /** The connection's number, unique within this listener in this worker. */
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localPort: number;
  /**
   * The connection's socket, for what the context does not cover (a
   * `tls.TLSSocket` on a TLS listener). Writing to it bypasses the framer.
   */
  readonly socket: Socket;
  /**
   * On a listener with options.tls: the protocol, cipher, server name (SNI),
   * ALPN protocol, and whether the client's certificate is authorized, with
   * its subject and fingerprint. Undefined without TLS.
   */
  readonly tls: TlsInfo | undefined;
  /** True when the previous worker of this slot handed this connection over during a reload. */
  readonly resumed: boolean;
  /** Per-connection data of the application; lives as long as the connection in this worker. */
  readonly state: Map<string, unknown>;
  /**
   * Frames `payload` and writes it now, outside the reply order of frames.
   * Returns false when the connection is closing or closed (nothing is sent).
   */
  send(payload: Payload): boolean;
  /** Ends the connection once what was written so far is flushed; later frames are not handled. */
  close(): void;
}
