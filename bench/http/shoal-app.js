// Shoal: the same hello world as a Nest provider with an @OnRequest handler, under the supervisor.
const { isWorkerProcess, run } = require('@shoal/core');
const { tcpTransports } = require('@shoal/transport-tcp');
const { loadHelloModule } = require('../hello-module');

run({
  loadModule: loadHelloModule,
  transports: tcpTransports(),
  config: {
    workers: Number(process.env.WORKERS ?? 1),
    admin: false,
    control: false,
    logLevel: 'warn',
    // SELECTOR=off: without the reuseport BPF program (bench/http/run.js --compare selector).
    reuseportSelector: process.env.SELECTOR !== 'off',
    listeners: { http: { transport: 'http', host: '127.0.0.1', port: Number(process.env.PORT) } },
  },
}).then((supervisor) => {
  if (supervisor && !isWorkerProcess()) process.send?.('ready');
});
