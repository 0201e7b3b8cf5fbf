/**
 * Every failure of @shoal/transport-tcp, one code each, with a message that
 * says what to do. docs/errors.md lists them (a test checks it). Codes sent to
 * clients (error frames, HTTP error bodies) are these codes, never a message.
 */
import { defineError } from '@shoal/core';

// --- TCP ---------------------------------------------------------------------

export const ERR_TCP_FRAME_TOO_LARGE = defineError(
  'SHOAL_ERR_TCP_FRAME_TOO_LARGE',
  (framing: string, size: string, max: number) =>
    `a ${framing} frame of ${size} bytes exceeds maxFrameBytes (${max}); the connection is closed. ` +
    `Send smaller frames, or raise options.maxFrameBytes of the listener.`,
);

export const ERR_TCP_TOO_MANY_CONNECTIONS = defineError(
  'SHOAL_ERR_TCP_TOO_MANY_CONNECTIONS',
  (listener: string, max: number) =>
    `listener "${listener}" refused a connection: maxConnections (${max}) per worker are open. ` +
    `Raise options.maxConnections, add workers, or find the clients that keep connections open.`,
);

export const ERR_TCP_HANDLE_INVALID = defineError(
  'SHOAL_ERR_TCP_HANDLE_INVALID',
  (listener: string, transport: string, got: string) =>
    `adopt() of ${transport} listener "${listener}" got ${got}, not a TCP handle; pass the value that ` +
    `heldHandle() of a tcp or http listener returned (sent over Node IPC).`,
);

export const ERR_TCP_HANDLE_UNAVAILABLE = defineError(
  'SHOAL_ERR_TCP_HANDLE_UNAVAILABLE',
  (listener: string, transport: string) =>
    `${transport} listener "${listener}" has no listening socket to hand over (it stopped accepting or never ` +
    `listened); call heldHandle() after open() or adopt() resolved and before stopAccepting().`,
);

// --- UDP ---------------------------------------------------------------------

export const ERR_UDP_DATAGRAM_TOO_LARGE = defineError(
  'SHOAL_ERR_UDP_DATAGRAM_TOO_LARGE',
  (size: number, max: number) =>
    `a datagram of ${size} bytes exceeds maxDatagramBytes (${max}) and was dropped. ` +
    `Send smaller datagrams, or raise options.maxDatagramBytes of the listener.`,
);

export const ERR_UDP_HANDLE_INVALID = defineError(
  'SHOAL_ERR_UDP_HANDLE_INVALID',
  (listener: string, got: string) =>
    `adopt() of udp listener "${listener}" got ${got}, not a UDP handle; pass the value that heldHandle() ` +
    `of a udp listener returned (sent over Node IPC).`,
);

export const ERR_UDP_HANDLE_UNAVAILABLE = defineError(
  'SHOAL_ERR_UDP_HANDLE_UNAVAILABLE',
  (listener: string, reason: string) =>
    `udp listener "${listener}" cannot hand over its socket: ${reason}`,
);

// --- HTTP --------------------------------------------------------------------

export const ERR_HTTP_NOT_FOUND = defineError(
  'SHOAL_ERR_HTTP_NOT_FOUND',
  (method: string, path: string) =>
    `no route of this listener matches ${method} ${path}; add an @OnRequest handler with that method and path.`,
);

export const ERR_HTTP_BODY_TOO_LARGE = defineError(
  'SHOAL_ERR_HTTP_BODY_TOO_LARGE',
  (size: string, max: number) =>
    `a request body of ${size} bytes exceeds maxBodyBytes (${max}); answered 413 and the connection is closed. ` +
    `Send a smaller body, or raise options.maxBodyBytes of the listener.`,
);

export const ERR_HTTP_BODY_INVALID_JSON = defineError(
  'SHOAL_ERR_HTTP_BODY_INVALID_JSON',
  (reason: string) => `the request body is not valid JSON (${reason}); answered 400. Send a JSON body.`,
);

export const ERR_HTTP_ROUTE_INVALID = defineError(
  'SHOAL_ERR_HTTP_ROUTE_INVALID',
  (handler: string, reason: string) =>
    `handler ${handler} has an invalid route: ${reason}. ` +
    `Use @OnRequest(listener, { method: 'GET', path: '/items/:id' }), one handler per method and path; ` +
    `paths are find-my-way's: static, :param, :param(regex), a trailing * (see @shoal/transport-tcp's README).`,
);

export const ERR_HTTP_BAD_REQUEST = defineError(
  'SHOAL_ERR_HTTP_BAD_REQUEST',
  (reason: string) => `a client sent a request that is not valid HTTP/1.1 (${reason}); answered 400 and closed.`,
);

export const ERR_HTTP_HEADERS_TOO_LARGE = defineError(
  'SHOAL_ERR_HTTP_HEADERS_TOO_LARGE',
  (max: number) =>
    `a client sent request headers over maxHeaderSize (${max} bytes); answered 431 and closed. ` +
    `Raise options.maxHeaderSize of the listener if such headers are legitimate.`,
);

export const ERR_HTTP_REQUEST_TIMEOUT = defineError(
  'SHOAL_ERR_HTTP_REQUEST_TIMEOUT',
  (headersMs: number, requestMs: number) =>
    `a client did not send its request headers within headersTimeoutMs (${headersMs}) or the whole request within ` +
    `requestTimeoutMs (${requestMs}); answered 408 and closed. Raise these options for slow clients.`,
);

export const ERR_HTTP_TOO_MANY_CONNECTIONS = defineError(
  'SHOAL_ERR_HTTP_TOO_MANY_CONNECTIONS',
  (listener: string, max: number) =>
    `http listener "${listener}" refused a connection: maxConnections (${max}) per worker are open. ` +
    `Raise options.maxConnections, add workers, or lower keepAliveTimeoutMs.`,
);

export const ERR_HTTP2_SESSION_ERROR = defineError(
  'SHOAL_ERR_HTTP2_SESSION_ERROR',
  (listener: string, cause: string) =>
    `listener "${listener}" closed an HTTP/2 session that failed (${cause}), a client that broke the protocol; ` +
    `its other sessions go on. Look at the client if it repeats.`,
);

export const ERR_HTTP2_SESSION_TIMEOUT = defineError(
  'SHOAL_ERR_HTTP2_SESSION_TIMEOUT',
  (listener: string, ms: number) =>
    `listener "${listener}" closed an HTTP/2 connection whose client sent no preface within headersTimeoutMs (${ms}); ` +
    `a client that connects and says nothing holds a connection for nothing. Raise headersTimeoutMs for slow clients.`,
);

// --- Nest platforms ----------------------------------------------------------

export const ERR_HTTP_PLATFORM_NOT_INSTALLED = defineError(
  'SHOAL_ERR_HTTP_PLATFORM_NOT_INSTALLED',
  (listener: string, platform: string, pkg: string) =>
    `listener "${listener}" serves the app on platform '${platform}', but ${pkg} is not installed where the app or ` +
    `@shoal/transport-tcp can load it; install it next to the app (npm install ${pkg}@^11), or remove options.platform.`,
);

export const ERR_HTTP_PLATFORM_ROUTES = defineError(
  'SHOAL_ERR_HTTP_PLATFORM_ROUTES',
  (listener: string, handlers: string[]) =>
    `listener "${listener}" serves the app's Nest controllers (options.platform), so its requests go to Nest's router; ` +
    `${handlers.join(', ')} ${handlers.length === 1 ? 'is an @OnRequest handler' : 'are @OnRequest handlers'} of it. ` +
    `Move ${handlers.length === 1 ? 'it' : 'them'} to a controller, or to an HTTP listener without options.platform.`,
);

// --- WebSockets (Nest gateways on an HTTP listener) ------------------------------

export const ERR_WS_MESSAGE_TOO_LARGE = defineError(
  'SHOAL_ERR_WS_MESSAGE_TOO_LARGE',
  (max: number) =>
    `a WebSocket client sent a message over ${max} bytes (options.websocket.maxMessageBytes, or the gateway's smaller ` +
    `maxPayload); its connection is closed with 1009. Send smaller messages, or raise maxMessageBytes of the listener.`,
);

export const ERR_WS_BAD_FRAME = defineError(
  'SHOAL_ERR_WS_BAD_FRAME',
  (reason: string) =>
    `a WebSocket client sent a frame that breaks RFC 6455 (${reason}); its connection is closed with 1002 ` +
    `(1007 for text that is not UTF-8). Only that connection is affected; fix the client.`,
);

export const ERR_WS_BAD_HANDSHAKE = defineError(
  'SHOAL_ERR_WS_BAD_HANDSHAKE',
  (reason: string) =>
    `a client asked for a WebSocket upgrade that cannot be served (${reason}); answered 400 and closed. Connect with a ` +
    `WebSocket client to the path of a gateway (@WebSocketGateway({ path })).`,
);

export const ERR_WS_ADAPTER_UNSUPPORTED = defineError(
  'SHOAL_ERR_WS_ADAPTER_UNSUPPORTED',
  (listener: string, adapter: string) =>
    `listener "${listener}" has options.websocket, but the app's configure() set the WebSocket adapter ${adapter}; ` +
    `Shoal drains and hands off the connections of @nestjs/platform-ws's WsAdapter (or a subclass) only. Use ` +
    `app.useWebSocketAdapter(new WsAdapter(app)), or set none and let Shoal install it.`,
);

export const ERR_WS_NOT_INSTALLED = defineError(
  'SHOAL_ERR_WS_NOT_INSTALLED',
  (listener: string, pkg: string) =>
    `listener "${listener}" has options.websocket, but ${pkg} is not installed where the app or @shoal/transport-tcp ` +
    `can load it; install it next to the app (npm install @nestjs/websockets@^11 @nestjs/platform-ws@^11), or remove ` +
    `options.websocket.`,
);

export const ERR_WS_GATEWAY_PORT = defineError(
  'SHOAL_ERR_WS_GATEWAY_PORT',
  (listener: string, port: number) =>
    `a gateway of the app asks for port ${port} (@WebSocketGateway(${port})); under Shoal every gateway is served on the ` +
    `port of listener "${listener}", which every worker shares. Remove the port from @WebSocketGateway() (keep its path).`,
);

// --- TLS (every listener with a `tls` block) ---------------------------------

export const ERR_TLS_FILE = defineError(
  'SHOAL_ERR_TLS_FILE',
  (field: string, file: string, reason: string) =>
    `${field}: cannot read ${file} (${reason}); the listener does not open. Check the path (a relative one is resolved ` +
    `against the working directory of shoal start) and that the user the workers run as may read the file.`,
);

export const ERR_TLS_INVALID = defineError(
  'SHOAL_ERR_TLS_INVALID',
  (field: string, file: string, problem: string, remedy: string) => `${field}: ${file} ${problem}; the listener does not open. ${remedy}`,
);

export const ERR_TLS_HANDSHAKE_FAILED = defineError(
  'SHOAL_ERR_TLS_HANDSHAKE_FAILED',
  (listener: string, reason: string) =>
    `a client of listener "${listener}" failed the TLS handshake (${reason}); its connection is closed. Plain text sent ` +
    `to a TLS port ends here, as does a client that offers only protocol versions or ciphers the listener refuses ` +
    `(options.tls.minVersion, options.tls.ciphers).`,
);

export const ERR_TLS_HANDSHAKE_TIMEOUT = defineError(
  'SHOAL_ERR_TLS_HANDSHAKE_TIMEOUT',
  (listener: string, ms: number) =>
    `a client of listener "${listener}" did not complete its TLS handshake within options.tls.handshakeTimeoutMs ` +
    `(${ms}); its connection is closed. Raise handshakeTimeoutMs if legitimate clients are this slow.`,
);

export const ERR_TLS_CLIENT_CERT_REFUSED = defineError(
  'SHOAL_ERR_TLS_CLIENT_CERT_REFUSED',
  (listener: string, reason: string) =>
    `listener "${listener}" requires a client certificate signed by a CA of options.tls.ca and refused a client ` +
    `(${reason}); its connection is closed. Give the client a certificate that CA issued, or add its CA to tls.ca.`,
);
