import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { HeldHandle, ListenerMetrics, Logger } from '@shoal/core';
import { ERR_WS_BAD_FRAME, ERR_WS_MESSAGE_TOO_LARGE } from '../errors';
import type { WebSocketOptions } from './websocket-options';
import { type GatewayWsServer, type HandedOffWebSocket, type LiveWebSocket, portableExtensions, receiverBoundary, senderIdle } from './ws-internals';

/** ws's readyState of an open connection. */
const OPEN = 1;
/** RFC 6455: the server is going away (a reload or a stop). */
export const GOING_AWAY = 1001;

/** How a connection left a drain: closed with 1001, passed alive to the replacement, or ended otherwise (the client left, or it was cut). */
export type ReleaseOutcome = 'closed' | 'handed-off' | 'ended';

/** What a connection needs from the listener's WebSocket endpoint. */
export interface ConnectionOwner {
  readonly listener: string;
  readonly options: WebSocketOptions;
  readonly metrics: ListenerMetrics;
  readonly logger: Logger;
  /** Passes the connection to the slot's replacement worker (ListenerContext.handOff). */
  handOff(handle: HeldHandle, unread: Buffer, state: HandedOffWebSocket): Promise<boolean>;
  /** The socket lives on in the replacement: its close here is no completion. */
  passedOn(socket: Socket): void;
  released(connection: WebSocketConnection, outcome: ReleaseOutcome): void;
  closed(connection: WebSocketConnection): void;
}

/** What the upgrade request said, kept for a hand-off. */
export interface UpgradeRequest {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
}

function byteLength(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (Array.isArray(data)) return data.reduce((n: number, part) => n + byteLength(part), 0);
  return (data as { byteLength?: number } | null)?.byteLength ?? 0;
}

/** Written with a callback, which runs once every write before it is done (see release()). */
const NOTHING = Buffer.alloc(0);

type SocketHandle = HeldHandle & { readStart(): number; readStop(): number; reading?: boolean };

/**
 * One WebSocket connection of a gateway: counts its messages and the ones
 * still being answered (the gateway's handler, its promise or Observable, has
 * not completed), and, when its worker drains, stops reading, lets those
 * finish, and then closes it with 1001 or hands it, alive, to the replacement.
 */
export class WebSocketConnection {
  /** Messages taken whose handler has not completed. */
  private inFlight = 0;
  private phase: 'open' | 'draining' | 'releasing' | 'done' = 'open';
  private retry: NodeJS.Immediate | undefined;
  private readonly socket: Socket;

  constructor(
    private readonly owner: ConnectionOwner,
    readonly ws: LiveWebSocket,
    readonly gateway: GatewayWsServer,
    private readonly request: UpgradeRequest,
  ) {
    this.socket = ws._socket;
    ws.on('message', this.onMessage);
    ws.on('error', this.onError);
    ws.once('close', this.onClose);
    const send = ws.send;
    const metrics = owner.metrics;
    ws.send = function (this: LiveWebSocket, data: unknown, ...rest: unknown[]) {
      metrics.sent(byteLength(data));
      return (send as (...args: unknown[]) => void).call(this, data, ...rest);
    } as LiveWebSocket['send'];
  }

  // --- messages ------------------------------------------------------------------------------

  private readonly onMessage = (data: unknown): void => {
    this.owner.metrics.received(byteLength(data));
  };

  /** A gateway handler took a message. */
  messageStarted(): void {
    this.inFlight++;
  }

  /** A handler's answer is out (or it failed, or the connection closed under it). */
  messageSettled(): void {
    this.inFlight--;
    if (this.phase === 'draining') this.release();
  }

  /** Bad input costs its connection only (ws closes it with 1009, 1002 or 1007), and is counted by its code. */
  private readonly onError = (err: NodeJS.ErrnoException): void => {
    const fields = { listener: this.owner.listener, remoteAddress: this.socket.remoteAddress };
    const code = err.code ?? '';
    if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' || code === 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH') {
      const error = new ERR_WS_MESSAGE_TOO_LARGE(this.gateway.options.maxPayload ?? this.owner.options.maxMessageBytes);
      this.owner.metrics.protocolError(error.code);
      this.owner.logger.warn({ ...fields, code: error.code }, error.message);
    } else if (code.startsWith('WS_ERR_')) {
      const error = new ERR_WS_BAD_FRAME(`${code}: ${err.message}`);
      this.owner.metrics.protocolError(error.code);
      this.owner.logger.debug({ ...fields, code: error.code }, error.message);
    } else {
      this.owner.logger.debug({ ...fields, err }, 'WebSocket connection error');
    }
  };

  // --- drain -----------------------------------------------------------------------------------

  /** The worker drains: no new message is taken; once the ones taken are answered, the connection is released. */
  drain(): void {
    if (this.phase !== 'open') return;
    this.phase = 'draining';
    // Frames already read were parsed, and their messages taken; the rest waits in the socket.
    this.ws.pause();
    this.release();
  }

  /** At a message boundary with nothing in flight: hand off (where the listener opts in and it can move), else close with 1001. */
  private release(): void {
    if (this.phase !== 'draining' || this.inFlight > 0) return;
    if (this.ws.readyState !== OPEN) {
      // It is closing by itself (the client's close, an error): its socket's close ends it.
      return;
    }
    if (!this.owner.options.handOffOnReload) {
      this.goAway();
      return;
    }
    const boundary = receiverBoundary(this.ws);
    if (boundary.kind === 'busy') {
      this.retry = setImmediate(() => this.release());
      return;
    }
    const reason = boundary.kind === 'never' ? boundary.reason : this.immovable();
    if (reason !== undefined) {
      this.owner.logger.debug({ listener: this.owner.listener, reason }, 'a WebSocket connection cannot be handed off; closing it with 1001');
      this.goAway();
      return;
    }
    // Answers still on their way out leave from here, before the socket moves.
    if (this.socket.writableLength > 0) {
      // A write's callback runs once every write before it is done, however slowly the client
      // reads ('drain' would come only after a write that filled the buffer).
      this.socket.write(NOTHING, () => this.release());
      return;
    }
    if (!senderIdle(this.ws)) {
      this.retry = setImmediate(() => this.release());
      return;
    }
    this.handOff((boundary as { pending: Buffer }).pending);
  }

  /** Why this connection cannot move to another process, if it cannot. */
  private immovable(): string | undefined {
    if ((this.socket as Socket & { encrypted?: boolean }).encrypted === true) return 'TLS';
    const handle = (this.socket as Socket & { _handle?: { readStop?: unknown } | null })._handle;
    if (handle === null || handle === undefined || typeof handle.readStop !== 'function') return 'no socket handle';
    const extensions = portableExtensions(this.ws);
    return typeof extensions === 'string' ? extensions : undefined;
  }

  private handOff(pending: Buffer): void {
    this.phase = 'releasing';
    const socket = this.socket;
    const handle = (socket as Socket & { _handle: SocketHandle })._handle;
    // From here nothing reaches ws or the app: what Node read and ws did not parse goes along.
    const dataListeners = socket.listeners('data') as ((chunk: Buffer) => void)[];
    socket.removeAllListeners('data');
    const read: Buffer[] = [];
    for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) read.push(chunk);
    handle.readStop();
    handle.reading = false;
    // What the app sends now stays here: after a hand-off the replacement writes.
    socket.cork();
    const extensions = portableExtensions(this.ws) as { deflate?: Record<string, unknown> };
    const state: HandedOffWebSocket = {
      websocket: 1,
      path: this.gateway.path ?? '/',
      url: this.request.url,
      headers: this.request.headers,
      rawHeaders: this.request.rawHeaders,
      protocol: this.ws.protocol,
      ...(extensions.deflate !== undefined && { deflate: extensions.deflate }),
    };
    const refused = (): void => {
      if (this.phase === 'done') return;
      // Serve it here after all (a plain stop, no replacement): put back what was taken, and close with 1001.
      if (read.length > 0) socket.unshift(Buffer.concat(read));
      for (const listener of dataListeners) socket.on('data', listener);
      socket.uncork();
      // What net.Socket does when it starts reading (the stream does not know reading was stopped under it).
      handle.reading = true;
      handle.readStart();
      this.goAway();
    };
    this.owner.handOff(handle, Buffer.concat([pending, ...read]), state).then((accepted) => {
      if (!accepted) {
        refused();
        return;
      }
      if (this.phase === 'done') return;
      this.finish('handed-off');
      this.owner.passedOn(socket);
      this.quiet();
      // Closes this process's descriptor only: no close frame, no FIN; the connection lives on in the replacement.
      socket.destroy();
    }, refused);
  }

  /** Closes with 1001 (going away); the client's closing handshake is read, its messages no longer taken. */
  private goAway(): void {
    this.phase = 'releasing';
    this.quiet();
    this.ws.resume();
    this.ws.close(GOING_AWAY);
    this.finish('closed');
  }

  /** No message reaches the gateway any more. */
  private quiet(): void {
    this.ws.removeAllListeners('message');
  }

  private finish(outcome: ReleaseOutcome): void {
    if (this.phase === 'done') return;
    const draining = this.phase !== 'open';
    this.phase = 'done';
    if (this.retry !== undefined) clearImmediate(this.retry);
    if (draining) this.owner.released(this, outcome);
  }

  private readonly onClose = (): void => {
    this.finish('ended');
    this.owner.closed(this);
  };
}
