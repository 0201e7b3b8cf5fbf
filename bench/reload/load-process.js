// The parent's side of load.js: starts it as a child process, and at stop()
// reads back every request it recorded (start time, latency) and its failures.
const { fork } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { track } = require('../children');

/**
 * HTTP load on 127.0.0.1:`port` ('keepalive' or 'close'), `concurrency` loops, or with `rate` (requests per
 * second) an open load of at most `concurrency` requests in flight; samples go through the file `out`.
 */
function startLoad(port, mode, concurrency, out, rate = 0) {
  const child = track(fork(path.join(__dirname, 'load.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const next = () =>
    new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`the load generator exited with code ${code}`)));
    });
  const started = next();
  child.send({ port, mode, concurrency, out, rate });
  return {
    started,
    async stop() {
      const finished = next();
      child.send('stop');
      const result = await finished;
      const buffer = fs.readFileSync(out);
      fs.rmSync(out, { force: true });
      const count = buffer.readDoubleLE(0);
      const start = new Float64Array(buffer.buffer.slice(buffer.byteOffset + 8, buffer.byteOffset + 8 + count * 8));
      const latency = new Float64Array(buffer.buffer.slice(buffer.byteOffset + 8 + count * 8, buffer.byteOffset + 8 + count * 16));
      return { start, latency, failed: result.failed };
    },
  };
}

module.exports = { startLoad };
