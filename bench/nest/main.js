// The Nest app (app.js) as its main.ts starts it without Shoal: NestFactory.create
// on the platform of PLATFORM ('fastify' or 'express'), configure, listen on
// PORT. Run in each worker of cluster.js, and by PM2 in cluster mode (PM2's
// daemon is then the cluster primary). enableShutdownHooks() makes the SIGINT
// that `pm2 reload` sends to an old instance close the server gracefully.
const { NestFactory } = require('@nestjs/core');
const { AppModule, configure } = require('./app');

async function main() {
  const platform = process.env.PLATFORM ?? 'fastify';
  const adapter =
    platform === 'fastify'
      ? new (require('@nestjs/platform-fastify').FastifyAdapter)()
      : platform === 'express'
        ? new (require('@nestjs/platform-express').ExpressAdapter)()
        : undefined;
  if (!adapter) throw new Error(`PLATFORM must be fastify or express, got ${platform}`);
  const app = await NestFactory.create(AppModule, adapter, { logger: ['error', 'warn'] });
  configure(app);
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT), '127.0.0.1');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
