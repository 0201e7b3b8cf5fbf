// The Nest app (app.js) as its main.ts starts it without Shoal: NestFactory.create
// on the platform of PLATFORM ('fastify' or 'express'), configure, listen on
// PORT. Run in each worker of cluster.js, and by PM2 in cluster mode (PM2's
// daemon is then the cluster primary). enableShutdownHooks() makes the SIGINT
// that `pm2 reload` sends to an old instance close the server gracefully.
// bench/tls runs it alone: with TLS_CERT and TLS_KEY (PEM files) it serves
// HTTPS, with HTTP2=1 besides h2 by ALPN (and HTTP/1.1 for clients that do
// not offer h2, as Shoal's listener does; Fastify only), and SEND_READY=1
// sends 'ready' to its parent once it listens.
const fs = require('node:fs');
const { NestFactory } = require('@nestjs/core');
const { AppModule, configure } = require('./app');

/** Fastify's https and http2 options from TLS_CERT, TLS_KEY and HTTP2; none without TLS_CERT. */
function fastifyTls() {
  if (!process.env.TLS_CERT) return {};
  const https = { cert: fs.readFileSync(process.env.TLS_CERT), key: fs.readFileSync(process.env.TLS_KEY) };
  return process.env.HTTP2 === '1' ? { http2: true, https: { ...https, allowHTTP1: true } } : { https };
}

async function main() {
  const platform = process.env.PLATFORM ?? 'fastify';
  if (process.env.TLS_CERT && platform !== 'fastify') throw new Error('TLS_CERT: only with PLATFORM=fastify');
  const adapter =
    platform === 'fastify'
      ? new (require('@nestjs/platform-fastify').FastifyAdapter)(fastifyTls())
      : platform === 'express'
        ? new (require('@nestjs/platform-express').ExpressAdapter)()
        : undefined;
  if (!adapter) throw new Error(`PLATFORM must be fastify or express, got ${platform}`);
  const app = await NestFactory.create(AppModule, adapter, { logger: ['error', 'warn'] });
  configure(app);
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  if (process.env.SEND_READY === '1') process.send?.('ready');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
