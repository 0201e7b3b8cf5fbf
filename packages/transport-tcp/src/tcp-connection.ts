import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { type Dispatcher, type ListenerContext, type ListenerMetrics, type ListenerSpec, type Logger, type Wire, payloadReply } from '@shoal/core';
import { type Framer, type Payload, payloadLength } from './framing';
import type { TcpContext } from './tcp-context';
import type { TcpOptions } from './tcp-options';
import { type TlsInfo, tlsInfo } from './tls-info';

/** What a connection needs from the listener that accepted it (TcpListener). */
export interface ConnectionOwner {
  readonly spec: ListenerSpec;
  readonly options: TcpOptions;
  readonly metrics: ListenerMetrics;
  readonly logger: Logger;
  readonly messages: Dispatcher<TcpConnection> | undefined;
  readonly connects: Dispatcher<TcpConnection> | undefined;
  readonly disconnects: Dispatcher<TcpConnection> | undefined;
  readonly draining: boolean;
  readonly handOff: ListenerContext['handOff'];
  connectionClosed(connection: TcpConnection): void;
}

/** How long a connection we ended waits for the peer's FIN before it is destroyed. */
const LINGER_MS = 2000;

/** Written with a callback, which runs once every write before it is done (see release()). */
const NOTHING = Buffer.alloc(0);

/** node:net keeps the libuv handle of a socket there; release() stops and restarts its reading. */
type SocketWithHandle = Socket & { _handle?: { readStart?: () => number; readStop?: () => number } | null };

const logFields = (connection: TcpConnection): Record<string, unknown> => ({
  listener: connection.listener,
  connection: connection.id,
  remoteAddress: connection.remoteAddress,
});

/**
 * The TCP wire of the dispatch path (@shoal/core dispatch.ts), for message
 * handlers: a reply is framed and sent, `'reply'` sends an error frame naming
 * the code, `'close'` ends the connection.
 */
export const MESSAGE_WIRE: Wire<TcpConnection> = Object.freeze({
  checkReply: payloadReply,
  reply: (value: unknown, connection: TcpConnection) => {
    if (value !== undefined && value !== null) connection.send(value as Payload);
  },
  replyError: (code: string, _error: unknown, connection: TcpConnection) => connection.sendError(code),
  close: (connection: TcpConnection) => connection.end(),
  logFields,
});

/** Connect handlers: no reply; a failure closes the connection, which cannot be served without it. */
export const CONNECT_WIRE: Wire<TcpConnection> = Object.freeze({ close: (connection: TcpConnection) => connection.end(), logFields });

/** Disconnect handlers: no reply, nothing to answer on (policy 'ignore'). */
export const DISCONNECT_WIRE: Wire<TcpConnection> = Object.freeze({ logFields });

/**
 * One accepted connection: cuts its stream into frames, calls the message
 * handler for each in order, and writes the replies in that order. While an
 * asynchronous handler is pending, reading pauses and later frames wait.
 */
export class TcpConnection implements TcpContext {
  readonly listener: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localPort: number;
  private stateMap: Map<string, unknown> | undefined;
  private tlsFacts: TlsInfo | undefined;

  /** A handler (message or connect) is pending; frames wait in `queue`. */
  private busy = false;
  /** The peer does not read our replies fast enough; reading waits for 'drain'. */
  private writeBlocked = false;
  /** We ended the connection: frames are no longer handled. */
  private closing = false;
  private closed = false;
  /** A handler is handling a frame now (until its reply is written). */
  private inFrame = false;
  /** close() was called by that handler: end once its reply is out. */
  private closeAfterFrame = false;
  /** Cut at the drain deadline. */
  forced = false;
  private queue: Buffer[] | null = null;
  /** The peer shut down its side: answer what it sent, then end ours. */
  private peerEnded = false;
  private linger: NodeJS.Timeout | undefined;

  /** Passed alive to the replacement worker: its close is not a disconnect. */
  handedOff = false;
  /** Offered to the replacement and not taken: it ends at its next frame boundary here. */
  private offerRefused = false;

  constructor(
    private readonly owner: ConnectionOwner,
    readonly id: number,
    readonly socket: Socket,
    private readonly framer: Framer,
    readonly resumed = false,
    unread?: Buffer,
  ) {
    this.listener = owner.spec.name;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.localPort = socket.localPort ?? 0;
    socket.on('data', this.onData);
    socket.on('end', this.onPeerEnd);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
    if (owner.options.idleTimeoutMs > 0) {
      socket.setTimeout(owner.options.idleTimeoutMs);
      socket.on('timeout', this.onTimeout);
    }
    const connects = owner.connects;
    if (connects !== undefined) this.start(connects);
    // Bytes the previous worker read but did not frame come before anything new.
    if (unread !== undefined && unread.length > 0) this.onData(unread);
  }

  get state(): Map<string, unknown> {
    return (this.stateMap ??= new Map());
  }

  get tls(): TlsInfo | undefined {
    // A TLSSocket says so with `encrypted`.
    if ((this.socket as Partial<TLSSocket>).encrypted !== true) return undefined;
    return (this.tlsFacts ??= tlsInfo(this.socket as TLSSocket));
  }

  // --- TcpContext ----------------------------------------------------------------------

  send(payload: Payload): boolean {
    if (this.closing || this.closed) return false;
    this.write(payload);
    return true;
  }

  close(): void {
    if (this.inFrame) this.closeAfterFrame = true;
    else this.end();
  }

  // --- reading -----------------------------------------------------------------------

  private readonly onData = (chunk: Buffer): void => {
    if (this.closing) return;
    const frames = this.framer.push(chunk);
    for (let i = 0; i < frames.length; i++) {
      if (this.busy) {
        (this.queue ??= []).push(frames[i]);
      } else {
        this.handle(frames[i]);
        if (this.closing) return;
      }
    }
    if (this.closing) return;
    if (this.framer.failure !== null) {
      if (!this.busy) this.refuse();
      // else: refused once the pending handler and the frames before the bad one are done
    } else if (!this.busy && this.owner.draining && (this.framer.buffered === 0 || this.handsOff)) {
      this.release();
    }
  };

  private handle(frame: Buffer): void {
    this.owner.metrics.received(frame.length);
    const messages = this.owner.messages;
    if (messages === undefined) return;
    this.inFrame = true;
    const pending = messages.dispatch(this, frame, this);
    if (pending !== undefined) {
      this.busy = true;
      this.updateReading();
      pending.then(this.onFrameSettled);
      return;
    }
    this.frameDone();
  }

  /** An asynchronous message handler settled, and its reply or error went out. */
  private readonly onFrameSettled = (): void => {
    this.frameDone();
    this.next();
  };

  private frameDone(): void {
    this.inFrame = false;
    if (this.closeAfterFrame) this.end();
  }

  /** Runs the connect handler before any frame is handled (frames wait while it is pending). */
  private start(connects: NonNullable<ConnectionOwner['connects']>): void {
    const pending = connects.dispatch(this, this);
    if (pending !== undefined) {
      this.busy = true;
      this.updateReading();
      pending.then(this.onConnected);
    }
  }

  private readonly onConnected = (): void => this.next();

  /** The peer will send nothing more: end our side once every frame it sent is answered. */
  private readonly onPeerEnd = (): void => {
    this.peerEnded = true;
    if (!this.busy && (this.queue === null || this.queue.length === 0)) this.end();
  };

  /** A pending handler settled: handle the frames that waited, then read on. */
  private next(): void {
    this.busy = false;
    const queue = this.queue;
    while (queue !== null && queue.length > 0 && !this.busy && !this.closing && !this.closed) {
      this.handle(queue.shift()!);
    }
    if (this.busy || this.closing || this.closed) return;
    if (this.peerEnded) {
      this.end();
      return;
    }
    if (this.framer.failure !== null) {
      this.refuse();
      return;
    }
    if (this.owner.draining && (this.framer.buffered === 0 || this.handsOff)) {
      this.release();
      return;
    }
    this.updateReading();
  }

  private updateReading(): void {
    if (this.closing) return;
    if (this.busy || this.writeBlocked) this.socket.pause();
    else this.socket.resume();
  }

  // --- writing ---------------------------------------------------------------------------

  private write(payload: Payload): void {
    const bytes = this.framer.encode(payload);
    this.owner.metrics.sent(payloadLength(payload));
    if (!this.socket.write(bytes) && !this.writeBlocked) {
      this.writeBlocked = true;
      this.socket.pause();
      this.socket.once('drain', this.onWriteDrain);
    }
  }

  private readonly onWriteDrain = (): void => {
    this.writeBlocked = false;
    this.updateReading();
  };

  /** Answers a failed handler with an error frame naming the code, never the message (close where the framing has none). */
  sendError(code: string): void {
    if (this.closing || this.closed) return;
    const frame = this.framer.encodeError(code);
    if (frame === undefined) {
      this.end();
      return;
    }
    this.owner.metrics.sent(frame.length);
    this.socket.write(frame);
  }

  /** An oversized frame: error frame if the framing has one, count it, close this connection. */
  private refuse(): void {
    const failure = this.framer.failure!;
    this.owner.metrics.protocolError(failure.code);
    this.owner.logger.warn(
      { listener: this.listener, connection: this.id, remoteAddress: this.remoteAddress, code: failure.code },
      failure.message,
    );
    const frame = this.framer.encodeError(failure.code);
    if (frame !== undefined) {
      this.owner.metrics.sent(frame.length);
      this.socket.write(frame);
    }
    this.end();
  }

  // --- closing ---------------------------------------------------------------------------

  /**
   * Ends the connection after what was written is flushed. Later input is read
   * and dropped (closing with unread input would reset the connection and
   * could lose the last replies) until the peer closes or the linger time ends.
   */
  end(): void {
    if (this.closing || this.closed) return;
    this.closing = true;
    this.queue = null;
    this.socket.end();
    this.socket.resume();
    this.linger = setTimeout(this.onLingerEnd, LINGER_MS);
    this.linger.unref();
  }

  private readonly onLingerEnd = (): void => {
    this.socket.destroy();
  };

  /** Whether nothing is pending: no handler running, no frame waiting or half received. */
  idle(): boolean {
    return !this.busy && (this.queue === null || this.queue.length === 0) && this.framer.buffered === 0;
  }

  /**
   * Drain started: an idle connection ends now, a busy one once its frames
   * are answered. A connection to hand off goes at its next frame boundary,
   * with the bytes of a frame it has only begun to receive.
   */
  drain(): void {
    if (this.idle() || (this.handsOff && !this.busy && (this.queue === null || this.queue.length === 0))) this.release();
  }

  /** Whether a drain passes this connection on (at a frame boundary, a partial frame going with it) rather than ends it. */
  private get handsOff(): boolean {
    return this.owner.options.handOffOnReload && !this.offerRefused;
  }

  /**
   * At a frame boundary while draining: hand the connection to the
   * replacement worker where the listener opts in and a replacement takes
   * it; otherwise end it.
   */
  private release(): void {
    if (this.closing || this.closed) return;
    if (!this.handsOff) {
      this.end();
      return;
    }
    this.closing = true;
    // Nothing more is read here: what the kernel still holds goes with the socket.
    this.socket.pause();
    (this.socket as SocketWithHandle)._handle?.readStop?.();
    const leftover: Buffer[] = [this.framer.takeBuffered()];
    for (let chunk = this.socket.read() as Buffer | null; chunk !== null; chunk = this.socket.read() as Buffer | null) leftover.push(chunk);
    const handOver = (): void => {
      const handle = (this.socket as Socket & { _handle?: object })._handle;
      if (handle === undefined || this.closed) return;
      this.owner.handOff(handle, Buffer.concat(leftover)).then(
        (accepted) => {
          if (this.closed) return;
          if (accepted) {
            this.handedOff = true;
            // Closes this process's descriptor only: no FIN, the connection lives on in the replacement.
            this.socket.destroy();
          } else {
            this.keepServing(leftover);
          }
        },
        () => this.keepServing(leftover),
      );
    };
    // Replies still queued in this process must reach the kernel before the socket moves. Not 'drain':
    // node emits it only after a write that returned false, and a small reply waiting for a full
    // socket buffer returned true. A write's callback runs once the writes before it are done.
    if (this.socket.writableLength > 0) this.socket.write(NOTHING, handOver);
    else handOver();
  }

  /**
   * Nobody took the connection (a plain stop, or a replacement that refused
   * it): read again, frame what was taken back, and end at the next frame
   * boundary (never offered again).
   */
  private keepServing(leftover: Buffer[]): void {
    this.closing = false;
    this.offerRefused = true;
    // release() stopped reading on the handle itself, which resume() does not undo.
    (this.socket as SocketWithHandle)._handle?.readStart?.();
    const bytes = Buffer.concat(leftover);
    if (bytes.length > 0) this.onData(bytes);
    if (this.closing || this.closed) return;
    if (this.idle()) this.end();
    else this.updateReading();
  }

  destroy(): void {
    this.forced = true;
    this.socket.destroy();
  }

  private readonly onTimeout = (): void => {
    if (this.busy) {
      this.socket.setTimeout(this.owner.options.idleTimeoutMs);
      return;
    }
    this.owner.logger.debug({ listener: this.listener, connection: this.id }, 'idle timeout; closing the connection');
    this.end();
  };

  private readonly onError = (err: Error): void => {
    this.owner.logger.debug({ err, listener: this.listener, connection: this.id }, 'connection error');
  };

  private readonly onClose = (): void => {
    this.closed = true;
    this.queue = null;
    if (this.linger !== undefined) clearTimeout(this.linger);
    this.owner.connectionClosed(this);
    // Its promise, if any, never rejects: a failure is counted and logged by the dispatch path.
    if (!this.handedOff) void this.owner.disconnects?.dispatch(this, this);
  };
}
