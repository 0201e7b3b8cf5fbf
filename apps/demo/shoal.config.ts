// The demo's configuration, read by `shoal start` (see docs/cli.md).
// Ports: SHOAL_LISTENER_<NAME>_PORT overrides each (e.g. SHOAL_LISTENER_HTTP_PORT=8081);
// workers: SHOAL_WORKERS; admin endpoint: SHOAL_ADMIN=host:port; SCTP: SHOAL_DEMO_SCTP_PORT,
// SHOAL_DEMO_SCTP_MANY_PORT (a port, or "off"); HTTPS: SHOAL_DEMO_HTTPS_PORT.
import { defineConfig } from '@shoal/core';
import { httpsDemoListener } from './src/https-listener';
import { sctpDemoListeners } from './src/sctp-listeners';

export default defineConfig({
  name: 'demo',
  // The module and what main.ts would do (a global ValidationPipe): src/shoal.app.ts.
  app: './dist/shoal.app.js',
  listeners: {
    // Nest controllers on Fastify: GET / (hello), GET /stats, and the key-value JSON API
    // under /kv/. Keys are up to 128 characters: longer path parameters than the router's
    // default (100) must match, and reach the handler to be told what is wrong with them.
    // On the same port (and on https's), the WebSocket gateway of key changes at /kv/changes.
    // handOffOnReload is off on purpose: a client's subscriptions live in its worker's memory,
    // which a hand-off does not carry, so a handed-off client would stay connected and hear
    // nothing more; the 1001 close of a reload tells it to reconnect and subscribe again. (The
    // kv TCP listener below hands off: each of its requests carries all it needs.) Its messages
    // are small subscribe requests: one over 4 KiB closes its connection with 1009.
    http: {
      transport: 'http',
      port: 8080,
      options: { platform: 'fastify', maxParamLength: 1024, websocket: { handOffOnReload: false, maxMessageBytes: 4096 } },
    },
    // The same controllers over HTTPS (h2 by ALPN, HTTP/1.1 otherwise) on 8443, with a certificate
    // for localhost made at first start in .certs/ (SHOAL_DEMO_HTTPS_PORT: a port, or "off").
    ...httpsDemoListener().listeners,
    // Newline-delimited echo.
    echo: { transport: 'tcp', port: 7070, options: { framing: 'lines', maxFrameBytes: 64 * 1024 } },
    // Datagram echo.
    udp: { transport: 'udp', port: 7071 },
    // Key-value requests as JSON in length-prefixed frames.
    kv: { transport: 'tcp', port: 7072, options: { framing: 'length-prefixed', maxFrameBytes: 1024 * 1024, handOffOnReload: true } },
    // Key-value text commands, one per datagram.
    'kv-udp': { transport: 'udp', port: 7073 },
    // SCTP where the kernel has it: echo (one-to-one, 3868), the key-value service as
    // JSON messages on up to 16 streams (3869), echo (one-to-many, 2905).
    ...sctpDemoListeners().listeners,
  },
  drainTimeoutMs: 10_000,
});
