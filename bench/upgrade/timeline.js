#!/usr/bin/env node
// Where the slow requests of an upgrade (or a reload) are: the same service
// and load as bench/upgrade/run.js, a few operations, then each one's
// timeline in buckets (requests started, p50, p99, max) beside the
// supervisors' and workers' log events, and how many of the requests at or
// over the windows' p99 fell before the new supervisor started (the CLI's
// own start), while it booted, or in the hand-over. --handover prints every
// request's latency in 5 ms steps around the first hand-over.
//
//   node bench/upgrade/timeline.js [--op upgrade|reload] [--rate 3000] [--count 3]
//        [--mode keepalive|close] [--bucket 100] [--handover 0|1]
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('../args');
const { startLoad } = require('../reload/load-process');
const { freePort } = require('../http/servers');
const { startService } = require('./service');

const options = parseArgs(process.argv.slice(2), {
  program: 'bench/upgrade/timeline.js',
  help: 'node bench/upgrade/timeline.js [--op upgrade|reload] [--rate 3000] [--count 3] [--mode keepalive|close] [--bucket 100] [--handover 0|1]',
  spec: {
    op: { one: 'upgrade', allowed: ['upgrade', 'reload'] },
    rate: { whole: 3000 },
    count: { whole: 3 },
    mode: { one: 'keepalive', allowed: ['keepalive', 'close'] },
    bucket: { whole: 100 },
    handover: { whole: 0 },
  },
});
const SHOAL = require.resolve('@shoal/core/bin/shoal.js');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.timeOrigin + performance.now();
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;

(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-timeline-'));
  const socket = path.join(dir, 'control.sock');
  const port = await freePort();
  const { log } = await startService({ SOCKET: socket, PORT: String(port), WORKERS: '2' });
  const load = startLoad(port, options.mode, 16, path.join(dir, 'samples.bin'), options.rate);
  await load.started;
  await sleep(3_000);
  const windows = [];
  for (let i = 0; i < options.count; i++) {
    const from = now();
    execFileSync(process.execPath, [SHOAL, options.op, '--socket', socket]);
    windows.push([from, now()]);
    await sleep(3_000);
  }
  const samples = await load.stop();
  execFileSync(process.execPath, [SHOAL, 'stop', '--socket', socket]);
  fs.rmSync(dir, { recursive: true, force: true });

  const startedIn = (from, to) => {
    const latencies = [];
    for (let i = 0; i < samples.start.length; i++) if (samples.start[i] >= from && samples.start[i] < to) latencies.push(samples.latency[i]);
    return latencies.sort((a, b) => a - b);
  };
  const during = windows.flatMap(([from, to]) => startedIn(from, to)).sort((a, b) => a - b);
  const p99 = quantile(during, 0.99);
  const steady = startedIn(windows[0][0] - 3_000, windows[0][0]);
  console.log(`${options.op} x${options.count}, ${options.rate > 0 ? `${options.rate} requests/s` : '16 closed loops'} (${options.mode}): p99 during ${p99.toFixed(2)} ms, steady before ${quantile(steady, 0.99).toFixed(2)} ms`);
  const started = options.op === 'upgrade' ? 'upgrade.started' : 'reload.started';
  const handedOver = options.op === 'upgrade' ? 'upgrade.ready' : 'reload.finished';
  const phases = { 'before the new supervisor': 0, booting: 0, 'hand-over': 0 };
  for (const [from, to] of windows) {
    const at = (event) => log.lines.find((l) => l.event === event && l.t >= from - 50 && l.t <= to + 50)?.t ?? to;
    const [start, ready] = [at(started), options.op === 'upgrade' ? at(handedOver) : to];
    for (let i = 0; i < samples.start.length; i++) {
      const t = samples.start[i];
      if (t < from || t > to || samples.latency[i] < p99) continue;
      phases[t < start ? 'before the new supervisor' : t < ready ? 'booting' : 'hand-over']++;
    }
  }
  console.log('requests at or over that p99, by phase:', phases);

  if (options.handover) {
    const [from] = windows[0];
    const ready = log.lines.find((l) => l.event === handedOver && l.t >= from)?.t;
    if (ready === undefined) throw new Error(`no ${handedOver} in the log`);
    console.log(`${handedOver} at ${ready} ms since the epoch (to line up other samples, e.g. /proc)`);
    for (const l of log.lines.filter((l) => l.t >= ready - 100 && l.t <= ready + 200)) console.log(`event ${String(l.t - ready).padStart(5)} ms ${l.role} ${l.pid} ${l.event} ${l.slot ?? ''}`);
    for (let b = ready - 60; b < ready + 200; b += 5) console.log(`${String(Math.round(b - ready)).padStart(5)} ms: ${startedIn(b, b + 5).map((v) => v.toFixed(1)).join(' ')}`);
    return;
  }
  for (const [from, to] of windows) {
    console.log(`--- ${options.op}: ${Math.round(to - from)} ms`);
    const events = log.lines.filter((l) => l.t >= from - 200 && l.t <= to + 1_500);
    for (let b = from - 500; b < to + 1_500; b += options.bucket) {
      const latencies = startedIn(b, b + options.bucket);
      const here = events.filter((l) => l.t >= b && l.t < b + options.bucket).map((l) => `${l.role}:${l.pid}:${l.event}${l.slot === undefined ? '' : ` s${l.slot}`}`);
      console.log(`${String(Math.round(b - from)).padStart(6)} n=${String(latencies.length).padStart(5)} p50=${quantile(latencies, 0.5).toFixed(1)} p99=${quantile(latencies, 0.99).toFixed(1)} max=${(latencies.at(-1) ?? 0).toFixed(1)} ${here.join(', ')}`);
    }
  }
})()
  .then(() => process.exit(0))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
