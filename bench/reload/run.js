#!/usr/bin/env node
// Reload under load: a 2-worker Shoal cluster serves HTTP under steady load
// from a separate process while the supervisor is sent SIGHUP several times
// (one rolling reload each, spaced a few seconds apart). Reports requests per
// second and p99 latency over time with the reloads marked (SVG chart), the
// steady-state vs during-reload ratios, the time each slot took (from the
// supervisor's 'reload finished' report) and every failed request.
//
//   node bench/reload/run.js [--modes keepalive,close] [--reloads 5] [--gap 2500]
//        [--steady 3000] [--warmup 2000] [--concurrency 16] [--bucket 250] [--workers 2] [--idle-reloads 1]
//
// Writes bench/results/reload.{json,md} and bench/results/reload-<mode>.svg.
const { execFileSync, fork } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('../args');
const { track } = require('../children');
const { followLog } = require('../supervisor-log');
const { analyze } = require('./analyze');
const { chart } = require('./chart');
const { startLoad } = require('./load-process');
const { markdown } = require('./summary');

const options = parseArgs(process.argv.slice(2), {
  program: 'bench/reload/run.js',
  help: 'node bench/reload/run.js [--modes keepalive,close] [--reloads 5] [--gap 2500] [--steady 3000] [--warmup 2000] [--concurrency 16] [--bucket 250] [--workers 2] [--idle-reloads 1]',
  spec: {
    modes: { list: 'keepalive,close', allowed: ['keepalive', 'close'] },
    reloads: { whole: 5 },
    gap: { whole: 2500 },
    steady: { whole: 3000 },
    warmup: { whole: 2000 },
    concurrency: { whole: 16 },
    bucket: { whole: 250 },
    workers: { whole: 2 },
    'idle-reloads': { whole: 1 },
  },
});
const settings = {
  modes: options.modes,
  reloads: options.reloads,
  gapMs: options.gap, // steady load between one reload's end and the next SIGHUP
  steadyMs: options.steady, // steady load before the first reload
  warmupMs: options.warmup, // discarded: JIT, connection pool
  concurrency: options.concurrency,
  bucketMs: options.bucket,
  workers: options.workers,
  idleReloads: options.idleReloads, // before the load starts, for the slot times without contention
  reloadTimeoutMs: 30_000,
};

/** The commit measured, and how many files under packages/ differ from it (the built dist/ folders may too). */
function build() {
  try {
    const git = (...argv) => execFileSync('git', argv, { cwd: __dirname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { commit: git('rev-parse', '--short', 'HEAD'), dirtyPackages: git('status', '--porcelain', '--', '../../packages').split('\n').filter(Boolean).length };
  } catch {
    return null;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.timeOrigin + performance.now();

/** Starts the cluster; `up` resolves once the supervisor logs 'shoal is up'. Every supervisor line is kept with its log time. */
function startCluster() {
  const child = track(fork(path.join(__dirname, 'app.js'), [], { env: { ...process.env, WORKERS: String(settings.workers) }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] }));
  const { lines, waitFor } = followLog(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    child,
    lines,
    waitFor,
    up: waitFor((line) => line.event === 'supervisor.up', 30_000, 'supervisor.up', 0),
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The supervisor's report of a reload, whichever way it ended (log events: docs/cli.md). */
const reloadEnded = (line) => line.event === 'reload.finished' || line.event === 'reload.failed';

async function runMode(mode) {
  const cluster = startCluster();
  const up = await cluster.up;
  const port = up.listeners.http;
  // Reloads with no load first: the slot times without CPU contention, for comparison.
  const idleReloads = [];
  for (let i = 0; i < settings.idleReloads; i++) {
    const finished = cluster.waitFor(reloadEnded, settings.reloadTimeoutMs, 'an idle reload to finish');
    cluster.child.kill('SIGHUP');
    const line = await finished;
    idleReloads.push({ ok: line.event === 'reload.finished', durationMs: line.durationMs, slots: line.slots });
  }
  const load = startLoad(port, mode, settings.concurrency, path.join(os.tmpdir(), `shoal-reload-${process.pid}-${mode}.bin`));
  try {
    await load.started;
    const loadStart = now();
    await sleep(settings.warmupMs);
    const measureStart = now();
    await sleep(settings.steadyMs);
    const reloads = [];
    for (let i = 0; i < settings.reloads; i++) {
      const finished = cluster.waitFor(reloadEnded, settings.reloadTimeoutMs, `reload ${i + 1} to finish`);
      const sighup = now();
      cluster.child.kill('SIGHUP');
      const line = await finished;
      reloads.push({ index: i + 1, sighup, finished: line.t, ok: line.event === 'reload.finished', durationMs: line.durationMs, slots: line.slots, error: line.error });
      await sleep(settings.gapMs);
    }
    const measureEnd = now();
    const samples = await load.stop();
    // Progress lines (starting, ready, draining, done) belong to the reload whose window holds them.
    const progress = cluster.lines.filter((line) => line.event === 'reload.slot');
    for (const reload of reloads) {
      reload.started = cluster.lines.find((line) => line.event === 'reload.started' && line.t >= reload.sighup - 5)?.t ?? reload.sighup;
      reload.progress = progress.filter((line) => line.t >= reload.started && line.t <= reload.finished).map((line) => ({ t: line.t, slot: line.slot, phase: line.phase, pid: line.pid }));
    }
    return { mode, port, loadStart, measureStart, measureEnd, reloads, idleReloads, samples };
  } finally {
    await cluster.stop();
  }
}

(async () => {
  console.log(`reload under load: ${settings.workers} workers, ${settings.concurrency} concurrent requests, ${settings.reloads} reloads ${settings.gapMs} ms apart, modes ${settings.modes.join(', ')}`);
  const results = [];
  const dir = path.join(__dirname, '..', 'results');
  fs.mkdirSync(dir, { recursive: true });
  for (const mode of settings.modes) {
    console.log(`${mode}: starting the cluster, ${settings.idleReloads} reload(s) without load, then ${(settings.warmupMs + settings.steadyMs) / 1000} s of load before ${settings.reloads} reloads`);
    const loadBefore = os.loadavg()[0];
    const raw = await runMode(mode);
    raw.loadavg = { before: loadBefore, after: os.loadavg()[0] };
    const result = analyze(raw, settings);
    result.chart = `reload-${mode}.svg`;
    fs.writeFileSync(path.join(dir, result.chart), chart(result, settings));
    results.push(result);
  }
  const report = { date: new Date().toISOString(), build: build(), host: { cpus: os.cpus().length, node: process.version }, settings, results };
  const md = markdown(report);
  fs.writeFileSync(path.join(dir, 'reload.json'), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'reload.md'), md);
  console.log(md);
  console.log(`wrote ${path.relative(process.cwd(), path.join(dir, 'reload.md'))}, reload.json and ${results.map((r) => r.chart).join(', ')} in ${path.relative(process.cwd(), dir) || '.'}`);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
