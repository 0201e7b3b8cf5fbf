/**
 * What Shoal reads and sets inside a `ws` (8.x) WebSocket to move a live
 * connection to another process: where its receiver stands in the byte
 * stream, whether its sender is idle, which extensions it negotiated, and how
 * WebSocketServer#completeUpgrade builds a WebSocket on a socket. These are
 * ws's private fields: each use checks their shape, and a connection whose
 * fields look unfamiliar is closed with 1001 rather than moved.
 */
import { IncomingMessage, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerOptions, WebSocket, WebSocketServer } from 'ws';

const PERMESSAGE_DEFLATE = 'permessage-deflate';
const EMPTY = Buffer.alloc(0);

// The receiver's states (ws lib/receiver.js).
const GET_INFO = 0;
const GET_PAYLOAD_LENGTH_16 = 1;
const GET_PAYLOAD_LENGTH_64 = 2;
const GET_DATA = 4;
const INFLATING = 5;

interface Receiver {
  _state: number;
  _buffers: Buffer[];
  _fragmented: number;
  _fin: boolean;
  _opcode: number;
  _compressed: boolean;
  _payloadLength: number;
  _mask: Buffer | undefined;
}

interface Sender {
  _state: number;
  _queue: unknown[];
  _firstFragment: boolean;
}

interface Deflate {
  params: Record<string, unknown> | null;
}

/** A server-side ws WebSocket with the private fields Shoal uses. */
export type LiveWebSocket = WebSocket & {
  _socket: Socket;
  _receiver: Receiver;
  _sender: Sender;
  _extensions: Record<string, Deflate | undefined>;
  _protocol: string;
  setSocket(socket: Socket, head: Buffer, options: object): void;
};

/** A WebSocketServer with its options (ws keeps them as given, WebSocket class included). */
export type GatewayWsServer = WebSocketServer & {
  options: ServerOptions & { WebSocket: typeof WebSocket };
  /** Set by Nest's WsAdapter: the path its gateway serves. */
  path?: string;
  _state?: number;
  _shouldEmitClose?: boolean;
};

/** Where a paused connection's receiver stands. */
export type Boundary =
  /** Between messages: `pending` are the bytes of frames it has not finished (a frame's head rebuilt). */
  | { readonly kind: 'ready'; readonly pending: Buffer }
  /** Busy for a moment (inflating a message, or deferring its event): look again shortly. */
  | { readonly kind: 'busy' }
  /** Inside a message that a paused connection will not finish. */
  | { readonly kind: 'never'; readonly reason: string };

/** Whether a frame or message is half parsed, and the bytes that carry it to another parser. */
export function receiverBoundary(ws: LiveWebSocket): Boundary {
  const r = ws._receiver;
  if (r === undefined || !Array.isArray(r._buffers) || typeof r._state !== 'number' || typeof r._fragmented !== 'number') {
    return { kind: 'never', reason: 'this ws version keeps its receiver differently' };
  }
  if (r._state >= INFLATING) return { kind: 'busy' };
  if (r._fragmented !== 0) return { kind: 'never', reason: 'inside a fragmented message' };
  return { kind: 'ready', pending: Buffer.concat([frameHead(r), ...r._buffers]) };
}

/**
 * The head of the frame the receiver is parsing, as it was on the wire (the
 * receiver consumed it already): without fragments in progress, the frame is
 * a whole message or a control frame, so FIN is set. The length is written in
 * its shortest form.
 */
function frameHead(r: Receiver): Buffer {
  if (r._state === GET_INFO) return EMPTY;
  const first = (r._fin ? 0x80 : 0) | (r._opcode < 0x08 && r._compressed ? 0x40 : 0) | r._opcode;
  // Only the two first bytes are consumed: _payloadLength is still 126 or 127.
  if (r._state === GET_PAYLOAD_LENGTH_16 || r._state === GET_PAYLOAD_LENGTH_64) return Buffer.from([first, 0x80 | r._payloadLength]);
  const length = r._payloadLength;
  let head: Buffer;
  if (length < 126) {
    head = Buffer.from([first, 0x80 | length]);
  } else if (length < 0x10000) {
    head = Buffer.from([first, 0x80 | 126, 0, 0]);
    head.writeUInt16BE(length, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = first;
    head[1] = 0x80 | 127;
    head.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    head.writeUInt32BE(length % 2 ** 32, 6);
  }
  // GET_DATA: the masking key is consumed too.
  return r._state === GET_DATA && r._mask !== undefined ? Buffer.concat([head, r._mask]) : head;
}

/** Whether everything the app sent is framed and handed to the socket (no compression or blob read pending). */
export function senderIdle(ws: LiveWebSocket): boolean {
  const s = ws._sender;
  return s !== undefined && s._state === 0 && Array.isArray(s._queue) && s._queue.length === 0 && s._firstFragment !== false;
}

/**
 * The negotiated extensions, when another process can take them over: none,
 * or permessage-deflate without context takeover in both directions (its
 * compressors start afresh at every message). Otherwise the reason not.
 */
export function portableExtensions(ws: LiveWebSocket): { deflate?: Record<string, unknown> } | string {
  const extensions = ws._extensions ?? {};
  const names = Object.keys(extensions);
  if (names.length === 0) return {};
  if (names.length > 1 || names[0] !== PERMESSAGE_DEFLATE) return `extensions ${names.join(', ')} negotiated`;
  const params = extensions[PERMESSAGE_DEFLATE]?.params;
  if (params?.server_no_context_takeover !== true || params?.client_no_context_takeover !== true) {
    return 'permessage-deflate with context takeover negotiated';
  }
  return { deflate: { ...params } };
}

/** What travels with a handed-off WebSocket (the `state` of ListenerContext.handOff; JSON). */
export interface HandedOffWebSocket {
  readonly websocket: 1;
  /** The gateway's path (the server that served it). */
  readonly path: string;
  /** The upgrade request's URL and headers. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
  /** The negotiated subprotocol ('' for none). */
  readonly protocol: string;
  /** permessage-deflate's negotiated parameters, when it was. */
  readonly deflate?: Record<string, unknown>;
}

/** The state another worker sent, when it is one (a listener takes nothing else). */
export function handedOffWebSocket(state: unknown): HandedOffWebSocket | undefined {
  const s = state as Partial<HandedOffWebSocket> | null | undefined;
  if (s === null || typeof s !== 'object' || s.websocket !== 1) return undefined;
  if (typeof s.path !== 'string' || typeof s.url !== 'string' || typeof s.protocol !== 'string') return undefined;
  if (s.headers === null || typeof s.headers !== 'object' || !Array.isArray(s.rawHeaders)) return undefined;
  if (s.deflate !== undefined && (s.deflate === null || typeof s.deflate !== 'object')) return undefined;
  return s as HandedOffWebSocket;
}

/**
 * A WebSocket on a socket handed over mid-connection, as
 * WebSocketServer#completeUpgrade builds one after the handshake: the
 * server's WebSocket class and options, the negotiated subprotocol and
 * extensions, `head` (bytes read but not parsed) first, and the server's
 * client tracking.
 */
export function rebuildWebSocket(server: GatewayWsServer, socket: Socket, head: Buffer, state: HandedOffWebSocket): LiveWebSocket {
  const options = server.options;
  const WebSocketClass = options.WebSocket as unknown as new (address: null, protocols: undefined, options: object) => LiveWebSocket;
  const ws = new WebSocketClass(null, undefined, options);
  ws._protocol = state.protocol;
  if (state.deflate !== undefined) {
    const PerMessageDeflate = (options.WebSocket as unknown as { PerMessageDeflate: new (options: object) => Deflate }).PerMessageDeflate;
    const configured = typeof options.perMessageDeflate === 'object' ? options.perMessageDeflate : {};
    const deflate = new PerMessageDeflate({ ...configured, isServer: true, maxPayload: options.maxPayload });
    deflate.params = { ...state.deflate };
    ws._extensions = { [PERMESSAGE_DEFLATE]: deflate };
  }
  ws.setSocket(socket, head, {
    allowSynchronousEvents: options.allowSynchronousEvents,
    maxBufferedChunks: options.maxBufferedChunks,
    maxFragments: options.maxFragments,
    maxPayload: options.maxPayload,
    skipUTF8Validation: options.skipUTF8Validation,
  });
  const clients = server.clients as Set<WebSocket> | undefined;
  if (clients !== undefined) {
    clients.add(ws);
    ws.on('close', () => {
      clients.delete(ws);
      // As ws does for its own clients: a server closing waits for its last one.
      if (server._shouldEmitClose === true && clients.size === 0) {
        process.nextTick(() => {
          server._state = 2;
          server.emit('close');
        });
      }
    });
  }
  return ws;
}

/** The upgrade request as the gateway's handleConnection(client, request) sees it, for a handed-off connection. */
export function handedOffRequest(socket: Socket, state: HandedOffWebSocket): IncomingMessage {
  const req = new IncomingMessage(socket);
  req.method = 'GET';
  req.url = state.url;
  req.headers = state.headers;
  req.rawHeaders = state.rawHeaders;
  req.httpVersion = '1.1';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  req.complete = true;
  // Its body was read long ago: reading it ends at once.
  req.push(null);
  return req;
}
