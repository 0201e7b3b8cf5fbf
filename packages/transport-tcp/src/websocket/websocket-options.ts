import type { Zod } from '../options';
import { fields } from '../options';

/**
 * `options.websocket` of an HTTP listener that serves a Nest app on a
 * platform: how its WebSocket gateways (@nestjs/platform-ws's WsAdapter, the
 * `ws` library) are served. Setting it (even `{}`) makes Shoal install the
 * WsAdapter when the app's configure() set none.
 */
export interface WebSocketOptions {
  /**
   * Largest message a client may send (after decompression; ws's
   * `maxPayload`). A larger one closes that connection with 1009. A
   * gateway's own smaller `maxPayload` wins.
   */
  readonly maxMessageBytes: number;
  /**
   * On a rolling reload, pass each live WebSocket connection to the slot's
   * new worker at a message boundary instead of closing it with 1001: the
   * client sees no reconnect. With permessage-deflate the listener then
   * negotiates no context takeover in both directions.
   */
  readonly handOffOnReload: boolean;
}

export const WEBSOCKET_DEFAULTS: Readonly<WebSocketOptions> = Object.freeze({
  maxMessageBytes: 1024 * 1024,
  handOffOnReload: false,
});

/** The schema of `options.websocket` (inside the HTTP listener's). */
export function websocketSchema(zod: Zod) {
  const f = fields(zod);
  const d = WEBSOCKET_DEFAULTS;
  return zod.strictObject(
    {
      maxMessageBytes: f.positiveInt().default(d.maxMessageBytes),
      handOffOnReload: f.boolean().default(d.handOffOnReload),
    },
    { error: 'an object' },
  );
}
