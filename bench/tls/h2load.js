// nghttp2's h2load (Debian package nghttp2-client) as a child process: a run
// of fixed length (-D), bounded: an h2load that does not end when it should
// is killed.
const { spawn, spawnSync } = require('node:child_process');
const { once } = require('node:events');
const { track } = require('../children');

function checkH2load() {
  const probe = spawnSync('h2load', ['--version'], { encoding: 'utf8' });
  if (probe.error) {
    console.error('bench: h2load is not installed; on Debian: apt-get install nghttp2-client');
    process.exit(1);
  }
  return /nghttp2\/(\S+)/.exec(probe.stdout)?.[1] ?? 'unknown';
}

/**
 * h2load's report: req/s over the measured time, the protocol ALPN agreed,
 * and what failed (failed, errored and timed-out requests, and responses
 * other than 2xx).
 */
function parse(out) {
  const rps = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(out);
  const requests = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(out);
  const status = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  if (!rps || !requests || !status) throw new Error(`h2load printed no report:\n${out}`);
  const [, , , done, , failed, errored, timeout] = requests.map(Number);
  const non2xx = Number(status[2]) + Number(status[3]) + Number(status[4]);
  return {
    rps: Number(rps[1]),
    requests: done,
    protocol: /Application protocol: (\S+)/.exec(out)?.[1] ?? null,
    failed: failed + errored + timeout + non2xx,
  };
}

/**
 * h2load against `url` (https: h2 by ALPN) for `seconds`, `clients`
 * connections with `streams` concurrent streams each, `threads` threads.
 * Rejects when the protocol agreed is not h2.
 */
async function h2load({ url, clients, streams, threads, seconds }) {
  const argv = ['-c', String(clients), '-m', String(streams), '-t', String(threads), '-D', String(seconds), url];
  const child = track(spawn('h2load', argv, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (out += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
  const [code, signal] = await once(child, 'close');
  clearTimeout(killer);
  if (code !== 0) throw new Error(`h2load ${argv.join(' ')} ended with ${signal ?? `code ${code}`}:\n${out}`);
  const result = parse(out);
  if (result.protocol !== 'h2') throw new Error(`h2load ${argv.join(' ')}: the server agreed to ${result.protocol}, not h2:\n${out}`);
  return result;
}

module.exports = { checkH2load, h2load };
