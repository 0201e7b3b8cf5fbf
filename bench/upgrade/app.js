// The service under test: a hello-world Shoal cluster on one HTTP listener at a
// fixed port (a stop/start cycle must come back on it), with a control socket
// (SOCKET) for `shoal upgrade` and `shoal stop`, and info logs on stdout.
const { run } = require('@shoal/core');
const { tcpTransports } = require('@shoal/transport-tcp');
const { loadHelloModule } = require('../hello-module');

void run({
  loadModule: loadHelloModule,
  transports: tcpTransports(),
  config: {
    workers: Number(process.env.WORKERS ?? 2),
    admin: false,
    control: { path: process.env.SOCKET },
    logLevel: 'info',
    drainTimeoutMs: 5_000,
    listeners: { http: { transport: 'http', host: '127.0.0.1', port: Number(process.env.PORT) } },
  },
});
