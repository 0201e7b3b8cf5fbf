#!/usr/bin/env node
// In-place upgrade under load: a 2-worker Shoal cluster serves HTTP under
// steady load (bench/reload/load.js, a separate process) while `shoal upgrade`
// replaces its supervisor several times; then, under the same load, the same
// service goes through `shoal stop; shoal start` (what an upgrade needed
// before). Reports p99 latency during the upgrades against steady state, and
// failed requests of both, side by side. Steady state is measured before the
// first upgrade and in the second half of each gap between upgrades, so that
// a change in the machine's own load during the run moves both sides.
// By default the load is closed (16 loops, each sending its next request
// when the last is answered: the machine's CPUs are full); with --rate it is
// an open load of that many requests per second (at most --concurrency in
// flight), which leaves CPU to spare, as a production service has.
//
//   node bench/upgrade/run.js [--modes keepalive,close] [--upgrades 5] [--gap 2000]
//        [--steady 3000] [--warmup 2000] [--concurrency 16] [--workers 2] [--rate 0] [--reloads 5]
//
// Then, in the same service under the same load, as many rolling reloads
// (`shoal reload`): the goal is an upgrade's p99 no worse than a reload's,
// and the reloads' row says what that is on this machine and load.
//
// Writes bench/results/upgrade.{json,md}.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('../args');
const { commit } = require('../commit');
const { startLoad } = require('../reload/load-process');
const { freePort } = require('../http/servers');
const { startService } = require('./service');

const options = parseArgs(process.argv.slice(2), {
  program: 'bench/upgrade/run.js',
  help: 'node bench/upgrade/run.js [--modes keepalive,close] [--upgrades 5] [--gap 2000] [--steady 3000] [--warmup 2000] [--concurrency 16] [--workers 2] [--rate 0] [--reloads 5]',
  spec: {
    modes: { list: 'keepalive,close', allowed: ['keepalive', 'close'] },
    upgrades: { whole: 5 },
    gap: { whole: 2000 },
    steady: { whole: 3000 },
    warmup: { whole: 2000 },
    concurrency: { whole: 16 },
    workers: { whole: 2 },
    rate: { whole: 0 },
    reloads: { whole: 5 },
  },
});
const settings = {
  modes: options.modes,
  upgrades: options.upgrades,
  gapMs: options.gap, // steady load between one operation's end and the next
  steadyMs: options.steady, // the steady state the operations are compared with
  warmupMs: options.warmup, // discarded: JIT, connection pool
  concurrency: options.concurrency,
  workers: options.workers,
  rate: options.rate, // requests per second of an open load; 0: closed loops
  reloads: options.reloads, // rolling reloads under the same load, for comparison; 0: none
};
const SHOAL = require.resolve('@shoal/core/bin/shoal.js');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.timeOrigin + performance.now();

function shoal(...argv) {
  return execFileSync(process.execPath, [SHOAL, ...argv], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function p99(values) {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
}

/** Latencies of the requests started inside any of the windows, and the failures there. */
function within(samples, windows) {
  const inside = (t) => windows.some(([from, to]) => t >= from && t <= to);
  const latencies = [];
  for (let i = 0; i < samples.start.length; i++) if (inside(samples.start[i])) latencies.push(samples.latency[i]);
  const failed = samples.failed.filter((f) => inside(f.start));
  return { requests: latencies.length + failed.length, p99Ms: p99(latencies), failed: failed.length, failures: [...new Set(failed.map((f) => f.code))] };
}

/** Steady load, then `count` operations one after another (each with a gap after it); the windows each took. */
async function underLoad(port, mode, operate, count) {
  const load = startLoad(port, mode, settings.concurrency, path.join(os.tmpdir(), `shoal-upgrade-bench-${process.pid}-${mode}.bin`), settings.rate);
  await load.started;
  await sleep(settings.warmupMs);
  const steady = [[now(), now() + settings.steadyMs]];
  await sleep(settings.steadyMs);
  const windows = [];
  for (let i = 0; i < count; i++) {
    const from = now();
    await operate(i);
    const to = now();
    windows.push([from, to]);
    // The gap's first half lets the new workers settle; its second half is steady state again.
    steady.push([to + settings.gapMs / 2, to + settings.gapMs]);
    await sleep(settings.gapMs);
  }
  const samples = await load.stop();
  return { steady: within(samples, steady), during: within(samples, windows), windowsMs: windows.map(([a, b]) => Math.round(b - a)) };
}

async function runMode(mode) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-upgrade-bench-'));
  const socket = path.join(dir, 'control.sock');
  const port = await freePort();
  const env = { SOCKET: socket, PORT: String(port), WORKERS: String(settings.workers) };
  try {
    const pids = [(await startService(env)).child.pid];
    const upgrades = await underLoad(port, mode, async () => {
      shoal('upgrade', '--socket', socket);
      pids.push(JSON.parse(shoal('status', '--json', '--socket', socket)).pid);
    }, settings.upgrades);
    const reloads = settings.reloads > 0 ? await underLoad(port, mode, async () => void shoal('reload', '--socket', socket), settings.reloads) : null;
    shoal('stop', '--socket', socket);

    await startService(env);
    const restart = await underLoad(port, mode, async () => {
      shoal('stop', '--socket', socket);
      await startService(env);
    }, 1);
    shoal('stop', '--socket', socket);
    return { mode, supervisors: pids, upgrades, reloads, stopStart: restart };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function markdown(report) {
  const ratio = (run) => (run?.steady.p99Ms && run.during.p99Ms ? `${(run.during.p99Ms / run.steady.p99Ms).toFixed(2)}x` : '-');
  const rows = report.results.map((r) => {
    const reloads = r.reloads === null ? '- | - | -' : `${r.reloads.steady.p99Ms?.toFixed(1)} / ${r.reloads.during.p99Ms?.toFixed(1)} | ${ratio(r.reloads)} | ${r.reloads.during.failed} of ${r.reloads.during.requests}`;
    return `| ${r.mode} | ${r.upgrades.steady.p99Ms?.toFixed(1)} | ${r.upgrades.during.p99Ms?.toFixed(1)} | ${ratio(r.upgrades)} | ${r.upgrades.during.failed} of ${r.upgrades.during.requests} | ${reloads} | ${r.stopStart.during.failed} of ${r.stopStart.during.requests} (${r.stopStart.during.failures.join(', ') || '-'}) |`;
  });
  return [
    `# In-place upgrade under load (${report.date}, commit ${report.commit ?? '?'}, ${report.host.cpus} cores, Node ${report.host.node})`,
    '',
    `${settings.workers} workers, ${settings.rate > 0 ? `an open load of ${settings.rate} requests/s (at most ${settings.concurrency} in flight)` : `${settings.concurrency} concurrent HTTP requests (closed loops)`} (bench/reload/load.js, no retries), ${settings.upgrades} \`shoal upgrade\`s ${settings.gapMs} ms apart,`,
    `then ${settings.reloads} rolling reloads (\`shoal reload\`) and one \`shoal stop; shoal start\` cycle under the same load. p99 in ms of the requests started in`,
    'each window; steady: before the first operation of a series and the second half of each gap.',
    '',
    '| mode | steady p99 | p99 during upgrades | ratio | failed during upgrades | reloads: steady / during p99 | reload ratio | failed during reloads | failed during stop+start |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

(async () => {
  const load = settings.rate > 0 ? `${settings.rate} requests/s` : `${settings.concurrency} concurrent requests`;
  console.log(`upgrade under load: ${settings.workers} workers, ${load}, ${settings.upgrades} upgrades, modes ${settings.modes.join(', ')}`);
  const results = [];
  for (const mode of settings.modes) {
    console.log(`${mode}: ${settings.upgrades} upgrades, ${settings.reloads} reloads, then a stop/start cycle`);
    results.push(await runMode(mode));
  }
  const report = { date: new Date().toISOString(), commit: commit(), host: { cpus: os.cpus().length, node: process.version }, settings, results };
  const dir = path.join(__dirname, '..', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const md = markdown(report);
  fs.writeFileSync(path.join(dir, 'upgrade.json'), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'upgrade.md'), md);
  console.log(md);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
