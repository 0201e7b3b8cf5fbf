/**
 * Room `websocket`: the WebSocket gateways of a Nest app on an HTTP listener
 * (@nestjs/platform-ws's WsAdapter, the `ws` library): Shoal sees each
 * connection and its messages in flight, drains them on a reload or a stop
 * (closed with 1001 once answered), or hands them alive to the replacement
 * worker, and counts bad input by its code.
 */
export type { WebSocketOptions } from './websocket-options';
export { WEBSOCKET_DEFAULTS, websocketSchema } from './websocket-options';
export type { WebSocketGateways } from './gateways';
export { gatewaysOf, webSocketGateways } from './gateways';
export type { WebSocketEndpoint, WebSocketHost } from './endpoint';
