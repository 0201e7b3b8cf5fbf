// The service under test: the hello-world app (bench/hello-module.js) on 2
// workers with the watchdog at the timeout the benchmark gives, JSON logs on
// stdout (the benchmark reads the hang, report and ready events from them).
const { run } = require('@shoal/core');
const { tcpTransports } = require('@shoal/transport-tcp');
const { loadHelloModule } = require('../hello-module');

void run({
  loadModule: loadHelloModule,
  transports: tcpTransports(),
  config: {
    workers: 2,
    admin: { host: '127.0.0.1', port: 0 },
    control: false,
    logLevel: 'info',
    logFormat: 'json',
    watchdog: { intervalMs: Math.max(100, Math.floor(Number(process.env.TIMEOUT_MS) / 5)), timeoutMs: Number(process.env.TIMEOUT_MS), reportDir: process.env.REPORT_DIR },
    listeners: { http: { transport: 'http', host: '127.0.0.1', port: 0 } },
  },
});
