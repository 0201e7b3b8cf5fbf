// Load generator, run as a child process of run.js so that it never shares an
// event loop with the server or with the benchmark's own bookkeeping.
//
// N concurrent loops each send GET / one after the other, either over a
// keep-alive agent (mode 'keepalive') or on a new connection per request
// (mode 'close', agent: false). With a `rate` (requests per second) the load
// is open instead: requests are sent on a fixed schedule whatever the server
// does, at most N in flight over keep-alive (more wait in the agent's queue,
// and that wait counts in their latency), so a slow server cannot slow the
// load down and hide its own stalls. Every request is recorded: its start time (ms
// since the epoch, so it lines up with the supervisor's log timestamps), its
// latency (process.hrtime.bigint) and, for a failure, its error code. Failed
// requests are NOT retried: the loop records the error and sends its next
// request, so errors caused by a reload show up as errors.
//
// Protocol with the parent (IPC): it sends {port, mode, concurrency, out};
// this process answers 'started', runs until it receives 'stop', waits for the
// requests in flight, writes its samples to `out` and answers {done, ...}.
const fs = require('node:fs');
const http = require('node:http');
const { performance } = require('node:perf_hooks');

const REQUEST_TIMEOUT_MS = 5000;
const epochMs = () => performance.timeOrigin + performance.now();

class Samples {
  constructor() {
    this.length = 0;
    this.start = new Float64Array(1 << 16);
    this.latency = new Float64Array(1 << 16);
  }
  push(start, latency) {
    if (this.length === this.start.length) {
      const grow = (old) => {
        const next = new Float64Array(old.length * 2);
        next.set(old);
        return next;
      };
      this.start = grow(this.start);
      this.latency = grow(this.latency);
    }
    this.start[this.length] = start;
    this.latency[this.length] = latency;
    this.length++;
  }
}

function once(options) {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (error) => {
      if (settled) return;
      settled = true;
      resolve(error);
    };
    const req = http.request(options, (res) => {
      res.on('data', () => {});
      res.on('end', () => finish(res.statusCode === 200 ? undefined : `HTTP_${res.statusCode}`));
      res.on('error', (error) => finish(error.code ?? error.message));
      res.on('aborted', () => finish('RESPONSE_ABORTED'));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => {
      req.destroy(Object.assign(new Error('request timed out'), { code: 'TIMEOUT' }));
    });
    req.on('error', (error) => finish(error.code ?? error.message));
    req.end();
  });
}

process.once('message', (config) => {
  const { port, mode, concurrency, out, rate = 0 } = config;
  const agent = mode === 'keepalive' ? new http.Agent({ keepAlive: true, maxSockets: concurrency }) : false;
  const options = { host: '127.0.0.1', port, path: '/', method: 'GET', agent };
  const ok = new Samples();
  const failed = [];
  let stopping = false;

  /** One request; its latency from the moment it was asked for (queueing in the agent included). */
  async function measured() {
    const start = epochMs();
    const t0 = process.hrtime.bigint();
    const error = await once(options);
    const latency = Number(process.hrtime.bigint() - t0) / 1e6;
    if (error) failed.push({ start, latency, code: error });
    else ok.push(start, latency);
    return error;
  }

  async function loop() {
    while (!stopping) {
      // No retry, and no busy loop on a refused port.
      if (await measured()) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Open load: every millisecond, the requests the schedule says are due by now. */
  function openLoad() {
    const inFlight = new Set();
    const begun = performance.now();
    let sent = 0;
    const tick = setInterval(() => {
      const due = Math.floor(((performance.now() - begun) * rate) / 1000);
      for (; sent < due; sent++) {
        const request = measured();
        inFlight.add(request);
        void request.then(() => inFlight.delete(request));
      }
    }, 1);
    return new Promise((resolve) => {
      const check = setInterval(() => {
        if (!stopping) return;
        clearInterval(tick);
        clearInterval(check);
        resolve(Promise.all(inFlight));
      }, 5);
    });
  }

  const loops = rate > 0 ? [openLoad()] : Array.from({ length: concurrency }, loop);
  process.send('started');
  process.once('message', async () => {
    stopping = true;
    await Promise.all(loops);
    if (agent) agent.destroy();
    const header = Buffer.alloc(8);
    header.writeDoubleLE(ok.length, 0);
    fs.writeFileSync(out, Buffer.concat([
      header,
      Buffer.from(ok.start.buffer, 0, ok.length * 8),
      Buffer.from(ok.latency.buffer, 0, ok.length * 8),
    ]));
    process.send({ done: true, ok: ok.length, failed }, () => process.exit(0));
  });
});
