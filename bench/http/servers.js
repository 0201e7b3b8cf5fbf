// Starts a benchmark server as a child process and waits until it says it is ready.
const { fork } = require('node:child_process');
const { once } = require('node:events');
const net = require('node:net');
const path = require('node:path');
const { track } = require('../children');

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// execArgv: e.g. ['--require', module] to load a dependency before the server starts.
// readyMs: from the fork until the server said it is ready (as the Shoal supervisor times its workers).
async function startServer(file, env = {}, execArgv = []) {
  const port = await freePort();
  const forkedAt = Date.now();
  const child = track(
    fork(path.resolve(__dirname, file), [], {
      env: { ...process.env, ...env, PORT: String(port) },
      execArgv,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    }),
  );
  const [message] = await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`${file} exited with code ${code} before it was ready`);
    }),
  ]);
  const readyMs = Date.now() - forkedAt;
  if (message !== 'ready') {
    child.kill('SIGKILL');
    throw new Error(`${file} said ${JSON.stringify(message)}`);
  }
  return {
    port,
    readyMs,
    pid: child.pid,
    /** Sends an IPC message; resolves with the server's next message. */
    async ask(message) {
      const answer = once(child, 'message');
      child.send(message);
      return (await answer)[0];
    },
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

module.exports = { freePort, startServer };
