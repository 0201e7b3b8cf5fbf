// The service under test: a hello-world Shoal cluster (2 workers by default) on
// one HTTP listener, with the admin server on and info logs, so that the
// supervisor's JSON log lines on stdout ('shoal is up', reload progress,
// 'reload finished') tell the benchmark what happened and when.
const { run } = require('@shoal/core');
const { tcpTransports } = require('@shoal/transport-tcp');
const { loadHelloModule } = require('../hello-module');

void run({
  loadModule: loadHelloModule,
  transports: tcpTransports(),
  config: {
    workers: Number(process.env.WORKERS ?? 2),
    admin: { host: '127.0.0.1', port: 0 },
    control: false,
    logLevel: 'info',
    listeners: { http: { transport: 'http', host: '127.0.0.1', port: Number(process.env.PORT ?? 0) } },
  },
});
