// Debian's wrk as a child process: a run of fixed length, or one that runs
// until stop() (SIGINT: wrk then prints its report as at the end of -d).
// Every run is bounded: a wrk that does not end when it should is killed.
const { spawn, spawnSync } = require('node:child_process');
const { once } = require('node:events');
const { track } = require('../children');

function checkWrk() {
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (probe.error) {
    console.error('bench: wrk is not installed; on Debian: apt-get install wrk');
    process.exit(1);
  }
  return /wrk (\S+)/.exec(`${probe.stdout}${probe.stderr}`)?.[1] ?? 'unknown';
}

/** wrk's report: requests, req/s, p99, socket errors by type and non-2xx/3xx responses. */
function parse(out) {
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const [connect, read, write, timeout] = errors ? errors.slice(1).map(Number) : [0, 0, 0, 0];
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const requests = /(\d+) requests in ([\d.]+)(\w+)/.exec(out);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!requests || !rps) throw new Error(`wrk printed no report:\n${out}`);
  return {
    requests: Number(requests[1]),
    rps: Number(rps[1]),
    p99: /^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? null,
    errors: { connect, read, write, timeout, non2xx },
    failed: connect + read + write + timeout + non2xx,
  };
}

/**
 * Starts wrk against http://127.0.0.1:port/path (`scheme` 'https': over TLS;
 * wrk does not verify the certificate, and a connection it opens again offers
 * the previous one's session: with TLS 1.3 about half of them resume).
 * `close`: a new connection per request (`Connection: close`). `seconds`: -d; for an open-ended run, call stop().
 * `timeoutS`: wrk's --timeout (a response later than that counts as a
 * timeout error).
 */
function startWrk({ port, path, threads, connections, seconds, close = false, timeoutS = 10, scheme = 'http' }) {
  const argv = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', `${timeoutS}s`, '--latency'];
  if (close) argv.push('-H', 'Connection: close');
  argv.push(`${scheme}://127.0.0.1:${port}${path}`);
  const child = track(spawn('wrk', argv, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (out += chunk));
  // Bounded: wrk ends by itself after -d; if it does not within a margin, it is killed.
  const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + timeoutS + 20) * 1000);
  const done = once(child, 'close').then(([code, signal]) => {
    clearTimeout(killer);
    if (code !== 0) throw new Error(`wrk ${argv.join(' ')} ended with ${signal ?? `code ${code}`}:\n${out}`);
    return parse(out);
  });
  return {
    done,
    pid: child.pid,
    /** Ends an open-ended run; resolves with the report. */
    stop() {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), (timeoutS + 10) * 1000);
      return done.finally(() => clearTimeout(timer));
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}

/** A wrk run of `seconds`, after a warm-up of `warmupS` (its report discarded). */
async function measure(options, warmupS) {
  if (warmupS > 0) await startWrk({ ...options, seconds: warmupS }).done;
  return startWrk(options).done;
}

module.exports = { checkWrk, startWrk, measure };
