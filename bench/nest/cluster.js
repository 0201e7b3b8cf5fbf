// Baseline: node:cluster with its default scheduling (the primary accepts and
// hands connections out), WORKERS workers each running main.js. Tells its
// parent 'ready' once every worker listens; SIGTERM stops them.
const cluster = require('node:cluster');
const path = require('node:path');

const workers = Number(process.env.WORKERS ?? 2);
cluster.setupPrimary({ exec: path.join(__dirname, 'main.js') });
let ready = 0;
for (let i = 0; i < workers; i++) {
  cluster.fork().on('listening', () => {
    if (++ready === workers) process.send?.('ready');
  });
}
cluster.on('exit', (worker, code) => {
  if (!stopping) {
    console.error(`cluster.js: worker ${worker.process.pid} exited with code ${code}`);
    process.exit(1);
  }
});
let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
  const alive = Object.values(cluster.workers);
  if (alive.length === 0) process.exit(0);
  let left = alive.length;
  for (const worker of alive) {
    worker.once('exit', () => --left === 0 && process.exit(0));
    worker.kill();
  }
  setTimeout(() => {
    for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGKILL');
    process.exit(0);
  }, 10_000).unref();
});
