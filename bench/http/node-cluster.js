// Baseline: node:cluster with its default scheduling (the primary accepts and hands out connections).
const cluster = require('node:cluster');
const http = require('node:http');

const workers = Number(process.env.WORKERS ?? 2);
if (cluster.isPrimary) {
  let ready = 0;
  for (let i = 0; i < workers; i++) {
    cluster.fork().on('listening', () => {
      if (++ready === workers) process.send?.('ready');
    });
  }
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers)) worker.kill();
    process.exit(0);
  });
} else {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('hello');
  });
  server.keepAliveTimeout = 5_000;
  server.listen(Number(process.env.PORT), '127.0.0.1');
}
