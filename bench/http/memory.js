#!/usr/bin/env node
// Resident memory and worker boot time of the demo, started as a user starts
// it (`shoal start --config apps/demo/shoal.config.ts`, 1 worker), against a
// bare node:http process (bench/http/raw-http.js) and, as a yardstick, the
// same process with @nestjs/core loaded, all in the same run.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { get, startDemo } = require('./demo');
const { startServer } = require('./servers');

const HELP = `usage: node bench/http/memory.js [--rounds 3] [--boots 3] [--requests 20] [--settle-ms 2000] [--idle-ms 40000]

Each round starts, side by side:
  - the demo: shoal start --config apps/demo/shoal.config.ts, 1 worker, admin and
    every listener on a free loopback port, SCTP off, JSON logs;
  - a bare node:http process (raw-http.js);
  - the same process with @nestjs/core loaded first (node --require @nestjs/core), the yardstick.
It sends --requests HTTP requests to each and reads VmRSS of the bare process,
the demo worker, the supervisor and the yardstick twice, after two fixed delays
counted from the last request:
  --settle-ms  "early": what the processes hold right after boot; the demo's
               young generation (V8 new space) is still grown from the boot;
  --idle-ms    "idle": by then V8's memory reducer has shrunk the young
               generation of the demo's processes (here in two steps, 12-17 s
               and 21-26 s after the requests; see bench/MEMORY-NOTES.md for
               why a leaner process may never get it). --idle-ms 0 reads both
               at --settle-ms.

Then it times --boots worker boots, fork to ready: rolling reloads of the demo
(SIGHUP; the supervisor's own readyMs from "reload finished"), each followed by
a fork of the bare process and of the yardstick, timed fork to their ready
message. The first worker's boot at start is also reported (fork time from the
admin /status uptimeMs, ready time from the supervisor's "worker ready" log line).

Round ratios are taken within the round; medians over --rounds are printed and
written with every round's figures to bench/results/memory.json.`;

const NEST = ['--require', require.resolve('@nestjs/core')];

let flags;
try {
  ({ values: flags } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      boots: { type: 'string', default: '3' },
      requests: { type: 'string', default: '20' },
      'settle-ms': { type: 'string', default: '2000' },
      'idle-ms': { type: 'string', default: '40000' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  console.error(`bench: ${error.message} (see --help)`);
  process.exit(2);
}
if (flags.help) {
  console.log(HELP);
  process.exit(0);
}
const count = (name, min) => {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}, got ${flags[name]}`);
  return n;
};

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Everything started and not yet stopped: stopped on the way out, whatever happens. */
const running = new Set();
function track(started) {
  running.add(started);
  const stop = started.stop;
  started.stop = async () => {
    running.delete(started);
    await stop();
  };
  return started;
}

/** One rolling reload (SIGHUP); the supervisor reports how long the new worker took from fork to ready. */
async function reloadBootMs(demo) {
  const from = demo.log.lines.length;
  demo.child.kill('SIGHUP');
  const end = (e) => e.role === 'supervisor' && /^reload (finished|failed)/.test(e.msg);
  const done = await demo.log.waitFor(end, '"reload finished"', from);
  if (done.msg !== 'reload finished') throw new Error(`the demo's ${done.msg}`);
  return done.slots[0].readyMs;
}

async function bootMs(execArgv) {
  const server = track(await startServer('raw-http.js', {}, execArgv));
  await server.stop();
  return server.readyMs;
}

const PROCESSES = ['bare', 'worker', 'supervisor', 'nestCore'];

async function round(runtimeDir, { requests, settleMs, idleMs, boots }) {
  const bare = track(await startServer('raw-http.js'));
  const nest = track(await startServer('raw-http.js', {}, NEST));
  const demo = await startDemo(runtimeDir, { onSpawn: track });
  for (let i = 0; i < requests; i++) {
    await get(bare.port, '/');
    await get(nest.port, '/');
    await get(demo.httpPort, '/');
  }
  const pids = { bare: bare.pid, worker: demo.workerPid, supervisor: demo.supervisorPid, nestCore: nest.pid };
  const read = () => {
    const kib = Object.fromEntries(PROCESSES.map((p) => [p, rssKiB(pids[p])]));
    return { rssKiB: kib, ratios: Object.fromEntries(PROCESSES.slice(1).map((p) => [p, kib[p] / kib.bare])) };
  };
  await sleep(settleMs);
  const early = read();
  await sleep(Math.max(0, idleMs - settleMs));
  const idle = read();
  await bare.stop();
  await nest.stop();
  const boot = { worker: [], bare: [], nestCore: [], workerAtStart: demo.startBootMs };
  for (let i = 0; i < boots; i++) {
    boot.worker.push(await reloadBootMs(demo));
    boot.bare.push(await bootMs([]));
    boot.nestCore.push(await bootMs(NEST));
  }
  await demo.stop();
  return { early, idle, bootMs: boot };
}

async function main() {
  const options = { rounds: count('rounds', 1), boots: count('boots', 1), requests: count('requests', 1), settleMs: count('settle-ms', 0), idleMs: count('idle-ms', 0) };
  const runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bench-'));
  const rounds = [];
  try {
    for (let r = 0; r < options.rounds; r++) {
      const last = await round(runtimeDir, options);
      rounds.push(last);
      const ratios = (at) => `worker ${at.ratios.worker.toFixed(2)}x, supervisor ${at.ratios.supervisor.toFixed(2)}x`;
      console.error(`round ${r + 1}/${options.rounds}: early ${ratios(last.early)}; idle ${ratios(last.idle)}; worker boot ${median(last.bootMs.worker)} ms`);
    }
  } finally {
    await Promise.allSettled([...running].map((s) => s.stop()));
    fs.rmSync(runtimeDir, { recursive: true, force: true });
  }
  const med = (pick) => median(rounds.map(pick));
  const each = (keys, pick) => Object.fromEntries(keys.map((k) => [k, pick(k)]));
  const at = (when) => ({
    rssKiB: each(PROCESSES, (p) => med((r) => r[when].rssKiB[p])),
    ratios: each(PROCESSES.slice(1), (p) => med((r) => r[when].ratios[p])),
  });
  const medians = {
    early: at('early'),
    idle: at('idle'),
    bootMs: {
      ...each(['worker', 'bare', 'nestCore'], (k) => Math.round(med((r) => median(r.bootMs[k])))),
      workerAtStart: Math.round(med((r) => r.bootMs.workerAtStart)),
    },
  };
  const { early, idle, bootMs } = medians;
  console.log(`VmRSS, medians of ${rounds.length} rounds (ratios to the bare process taken within each round):`);
  console.log(`  ${''.padEnd(38)} ${`${options.settleMs / 1000} s after ${options.requests} requests`.padStart(24)}  ${`idle (${options.idleMs / 1000} s)`.padStart(20)}`);
  const rss = (name, p, aim) => {
    const cell = (m) => `${(m.rssKiB[p] / 1024).toFixed(1).padStart(6)} MiB ${(p === 'bare' ? 1 : m.ratios[p]).toFixed(2).padStart(5)}x`;
    console.log(`  ${name.padEnd(38)} ${cell(early).padStart(24)}  ${cell(idle).padStart(20)}${aim ? `   aim <= ${aim}x` : ''}`);
  };
  rss('bare node:http process', 'bare');
  rss('demo worker (5 listeners)', 'worker', 1.5);
  rss('supervisor (1 slot, admin on)', 'supervisor', 1.2);
  rss('node:http + @nestjs/core (yardstick)', 'nestCore');
  console.log(`Boot, fork to ready (median of ${options.boots} per round, then of the rounds):`);
  const boot = (name, ms) => console.log(`  ${name.padEnd(38)} ${String(ms).padStart(6)} ms`);
  boot('demo worker (rolling reload)', bootMs.worker);
  boot('demo worker (first, at start)', bootMs.workerAtStart);
  boot('bare node:http process', bootMs.bare);
  boot('node:http + @nestjs/core', bootMs.nestCore);
  const dir = path.join(__dirname, '..', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const json = { date: new Date().toISOString(), node: process.version, options, medians, rounds };
  fs.writeFileSync(path.join(dir, 'memory.json'), `${JSON.stringify(json, null, 2)}\n`);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`bench: ${signal}, stopping what it started`);
    void Promise.allSettled([...running].map((s) => s.stop())).then(() => process.exit(130));
  });
}

// main() has stopped everything it started by the time it fails.
main().catch((error) => {
  console.error(`bench: ${error.stack ?? error}`);
  process.exit(1);
});
