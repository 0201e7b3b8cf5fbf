#!/usr/bin/env node
// Reload under load: a 2-worker Shoal cluster serves HTTP under steady load
// from a separate process while the supervisor is sent SIGHUP several times
// (one rolling reload each, spaced a few seconds apart). Reports requests per
// second and p99 latency over time with the reloads marked (SVG chart), the
// steady-state vs during-reload ratios, the time each slot took (from the
// supervisor's 'reload finished' report) and every failed request.
//
//   node bench/reload/run.js [--modes keepalive,close] [--reloads 5] [--gap 3000]
//        [--steady 4000] [--warmup 2000] [--concurrency 16] [--bucket 250] [--workers 2] [--idle-reloads 1]
//
// Writes bench/results/reload.{json,md} and bench/results/reload-<mode>.svg.
const { execFileSync, fork } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { analyze } = require('./analyze');
const { chart } = require('./chart');
const { markdown } = require('./summary');

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const settings = {
  modes: (args.modes ?? 'keepalive,close').split(','),
  reloads: Number(args.reloads ?? 5),
  gapMs: Number(args.gap ?? 2500), // steady load between one reload's end and the next SIGHUP
  steadyMs: Number(args.steady ?? 3000), // steady load before the first reload
  warmupMs: Number(args.warmup ?? 2000), // discarded: JIT, connection pool
  concurrency: Number(args.concurrency ?? 16),
  bucketMs: Number(args.bucket ?? 250),
  workers: Number(args.workers ?? 2),
  idleReloads: Number(args['idle-reloads'] ?? 1), // before the load starts, for the slot times without contention
  reloadTimeoutMs: 30_000,
};
for (const mode of settings.modes) {
  if (mode !== 'keepalive' && mode !== 'close') throw new Error(`--modes: unknown mode ${mode} (keepalive, close)`);
}

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

/** Starts the cluster; resolves once the supervisor logs 'shoal is up'. Every supervisor line is kept with its log time. */
function startCluster() {
  const child = fork(path.join(__dirname, 'app.js'), [], {
    env: { ...process.env, WORKERS: String(settings.workers) },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const lines = [];
  const waiters = [];
  readline.createInterface({ input: child.stdout }).on('line', (text) => {
    let line;
    try {
      line = JSON.parse(text);
    } catch {
      return;
    }
    line.t = Date.parse(line.time);
    lines.push(line);
    for (const waiter of [...waiters]) waiter(line);
  });
  const waitFor = (predicate, timeoutMs, what) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      const onExit = (code) => done(new Error(`the cluster exited (code ${code}) while waiting for ${what}`));
      const check = (line) => predicate(line) && done(undefined, line);
      function done(error, line) {
        clearTimeout(timer);
        child.off('exit', onExit);
        waiters.splice(waiters.indexOf(check), 1);
        if (error) reject(error);
        else resolve(line);
      }
      waiters.push(check);
      child.once('exit', onExit);
    });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    child,
    lines,
    waitFor,
    up: waitFor((line) => line.event === 'supervisor.up', 30_000, 'supervisor.up'),
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function startLoad(port, mode, out) {
  const child = fork(path.join(__dirname, 'load.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () => new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the load generator exited with code ${code}`)));
  });
  const started = next();
  child.send({ port, mode, concurrency: settings.concurrency, out });
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
  const load = startLoad(port, mode, path.join(os.tmpdir(), `shoal-reload-${process.pid}-${mode}.bin`));
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
