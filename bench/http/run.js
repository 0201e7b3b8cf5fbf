#!/usr/bin/env node
// HTTP hello-world throughput with wrk: Shoal against raw node:http (1 process)
// and against node:cluster (2 workers), keep-alive and a new connection per
// request. Both sides of each pair run in each round, in alternating order;
// the ratio is taken within each round (the machine's load changes between
// rounds, not within one) and the median of the rounds' ratios is reported.
//
//   node bench/http/run.js [--seconds 8] [--rounds 3] [--connections 64] [--compare selector]
// --compare selector: Shoal (1 worker, connection per request; 2 workers, both
// modes) with its reuseport BPF selector (the default) against the same without
// it (reuseportSelector: false), to see what the program costs
// (docs/port-ownership.md); writes results/http-selector.json.
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startServer } = require('./servers');

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const seconds = Number(args.seconds ?? 8);
const rounds = Number(args.rounds ?? 3);
const connections = Number(args.connections ?? 64);
const compareSelector = args.compare === 'selector';
if (args.compare !== undefined && !compareSelector) {
  console.error(`bench: --compare takes "selector", got "${args.compare}"`);
  process.exit(1);
}

if (spawnSync('wrk', ['--version']).error) {
  console.error('bench: wrk is not installed; on Debian: apt-get install wrk');
  process.exit(1);
}

function wrk(port, { close, threads, duration }) {
  const argv = ['-t', String(threads), '-c', String(connections), '-d', `${duration}s`, '--latency'];
  if (close) argv.push('-H', 'Connection: close');
  const out = execFileSync('wrk', [...argv, `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const p99 = /99%\s+([\d.]+\w+)/.exec(out)?.[1];
  return { rps, p99, errors: errors ? errors.slice(1).map(Number).reduce((a, b) => a + b, 0) : 0, non2xx: non2xx ? Number(non2xx[1]) : 0 };
}

async function measure(side, mode) {
  const server = await startServer(side.file, side.env);
  try {
    wrk(server.port, { ...mode, duration: 2 }); // warm-up: JIT, connection pools
    return wrk(server.port, { ...mode, duration: seconds });
  } finally {
    await server.stop();
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const shoal1 = { label: 'Shoal, 1 worker', file: 'shoal-app.js', env: { WORKERS: '1' } };
const shoal2 = { label: 'Shoal, 2 workers', file: 'shoal-app.js', env: { WORKERS: '2' } };
const raw = { label: 'raw node:http', file: 'raw-http.js', env: {} };
const nodeCluster = { label: 'node:cluster, 2 workers', file: 'node-cluster.js', env: { WORKERS: '2' } };
const shoal2NoSelector = { label: 'Shoal, 2 workers, no selector', file: 'shoal-app.js', env: { WORKERS: '2', SELECTOR: 'off' } };
const shoal1NoSelector = { label: 'Shoal, 1 worker, no selector', file: 'shoal-app.js', env: { WORKERS: '1', SELECTOR: 'off' } };
const selectorPairs = [
  { shoal: { ...shoal1, label: 'Shoal, 1 worker, selector' }, baseline: shoal1NoSelector, mode: { close: true, threads: 1 }, name: 'new connection per request' },
  { shoal: { ...shoal2, label: 'Shoal, 2 workers, selector' }, baseline: shoal2NoSelector, mode: { close: true, threads: 2 }, name: 'new connection per request' },
  { shoal: { ...shoal2, label: 'Shoal, 2 workers, selector' }, baseline: shoal2NoSelector, mode: { close: false, threads: 2 }, name: 'keep-alive' },
];
const pairs = compareSelector ? selectorPairs : [
  { shoal: shoal1, baseline: raw, mode: { close: false, threads: 1 }, name: 'keep-alive' },
  { shoal: shoal1, baseline: raw, mode: { close: true, threads: 1 }, name: 'new connection per request' },
  { shoal: shoal2, baseline: nodeCluster, mode: { close: false, threads: 2 }, name: 'keep-alive' },
  { shoal: shoal2, baseline: nodeCluster, mode: { close: true, threads: 2 }, name: 'new connection per request' },
];

(async () => {
  const results = [];
  for (const pair of pairs) {
    const samples = { shoal: [], baseline: [] };
    let errors = 0;
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['shoal', 'baseline'] : ['baseline', 'shoal'];
      for (const side of order) {
        const result = await measure(pair[side], pair.mode);
        samples[side].push(result.rps);
        errors += result.errors + result.non2xx;
      }
    }
    const ratios = samples.shoal.map((rps, i) => rps / samples.baseline[i]);
    const row = {
      comparison: `${pair.shoal.label} vs ${pair.baseline.label}`,
      mode: pair.name,
      shoalRps: Math.round(median(samples.shoal)),
      baselineRps: Math.round(median(samples.baseline)),
      ratio: Number(median(ratios).toFixed(3)),
      roundRatios: ratios.map((r) => Number(r.toFixed(3))),
      errors,
      samples,
    };
    results.push(row);
    console.log(
      `${row.comparison.padEnd(46)} ${row.mode.padEnd(28)} ${String(row.shoalRps).padStart(8)} / ${String(row.baselineRps).padStart(8)} req/s` +
        `  ratio ${row.ratio.toFixed(3)} (rounds: ${row.roundRatios.join(', ')})${errors ? `  (${errors} errors)` : ''}`,
    );
  }
  const dir = path.join(__dirname, '..', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, compareSelector ? 'http-selector.json' : 'http.json');
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, seconds, rounds, connections, results }, null, 2));
  console.log(`\nwritten to ${path.relative(process.cwd(), file)} (wrk -c ${connections}, ${seconds}s x ${rounds} rounds; req/s are medians, the ratio is the median of the per-round ratios)`);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
