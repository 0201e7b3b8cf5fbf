'use strict';
// Leaves SCTP sockets open in a worker that is terminated, then exits the
// process with sockets open: neither may crash (the addon closes its poll
// handles from an async env cleanup hook before a worker unloads it).
const sctp = require('../../../dist');
const { Worker, isMainThread } = require('worker_threads');
async function open() {
  const server = sctp.createServer();
  const { port } = await server.listen({ address: '127.0.0.1' });
  const c = await sctp.connect({ address: '127.0.0.1', port });
  c.send('x');
  const ep = sctp.createEndpoint(); ep.bind({ address: '127.0.0.1' });
  return { server, c, ep };
}
if (isMainThread) {
  (async () => {
    const w = new Worker(__filename);
    await new Promise((r) => w.once('message', r));
    await w.terminate();
    console.log('worker terminated with open sockets: ok');
    const open2 = await open(); // kept open on purpose
    setTimeout(() => {
      console.log('exiting with open sockets');
      process.exit(open2.server.fd >= 0 ? 0 : 1);
    }, 100);
  })();
} else {
  open().then(() => require('worker_threads').parentPort.postMessage('ready'));
}
