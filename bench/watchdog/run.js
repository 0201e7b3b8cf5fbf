#!/usr/bin/env node
// A hung worker, replaced: a 2-worker cluster serves HTTP; one worker is
// stopped with SIGSTOP (from outside, exactly what an endless loop looks
// like: its process and IPC channel alive, its loop silent), then 20 new
// connections each send one request. The kernel hashes about half of them to
// the stopped worker's socket, where they wait until the watchdog kills it and
// its replacement accepts them. Per round: when the hang was noticed, the
// report written, the replacement ready, and the last queued request
// answered, all from the SIGSTOP; reported as median and max over the rounds,
// and as a ratio to the configured timeout. (PM2 and node:cluster never
// answer these connections: the baseline is "never".)
//
//   node bench/watchdog/run.js [--rounds 5] [--timeouts 1000,5000]
//
// Writes bench/results/watchdog.{json,md}.
const { fork } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('../args');
const { track } = require('../children');
const { commit } = require('../commit');
const { followLog } = require('../supervisor-log');

const options = parseArgs(process.argv.slice(2), {
  program: 'bench/watchdog/run.js',
  help: 'node bench/watchdog/run.js [--rounds 5] [--timeouts 1000,5000]   (watchdog.timeoutMs values, ms: 500, 1000, 2000, 5000, 10000)',
  spec: { rounds: { whole: 5 }, timeouts: { list: '1000,5000', allowed: ['500', '1000', '2000', '5000', '10000'] } },
});
const CONNECTIONS = 20;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function startCluster(timeoutMs, reportDir) {
  const child = track(fork(path.join(__dirname, 'app.js'), [], { env: { ...process.env, TIMEOUT_MS: String(timeoutMs), REPORT_DIR: reportDir }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] }));
  const { lines, waitFor } = followLog(child);
  // Every wait here looks at the lines already read too: one event may follow another before the wait for it begins.
  return { child, lines, waitFor: (match, what) => waitFor(match, 60_000, what, 0) };
}

function get(port) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now()));
    });
    req.setTimeout(120_000, () => req.destroy(new Error('no answer in 120 s')));
    req.on('error', reject);
  });
}

async function round(timeoutMs, reportDir) {
  const cluster = startCluster(timeoutMs, reportDir);
  try {
    const up = await cluster.waitFor((l) => l.event === 'supervisor.up', 'supervisor.up');
    const port = up.listeners.http;
    const ready = cluster.lines.filter((l) => l.event === 'worker.ready');
    const victim = ready[0].workerPid;
    const stoppedAt = performance.now();
    process.kill(victim, 'SIGSTOP');
    const answers = await Promise.all(Array.from({ length: CONNECTIONS }, () => get(port)));
    const hung = await cluster.waitFor((l) => l.event === 'worker.hung' && l.workerPid === victim, `worker.hung of ${victim}`);
    const report = await cluster.waitFor((l) => l.event === 'worker.hang-report' && l.workerPid === victim, `worker.hang-report of ${victim}`);
    const replacement = await cluster.waitFor((l) => l.event === 'worker.ready' && l.slot === hung.slot && l.workerPid !== victim, `the replacement of ${victim}`);
    const since = (t) => Math.round(t - stoppedAt);
    return { noticedMs: since(hung.seenAt), reportedMs: since(report.seenAt), replacementReadyMs: since(replacement.seenAt), lastAnswerMs: since(Math.max(...answers)) };
  } finally {
    cluster.child.kill('SIGTERM');
    await new Promise((resolve) => cluster.child.once('exit', resolve));
  }
}

(async () => {
  const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bench-watchdog-'));
  const results = [];
  for (const timeout of options.timeouts.map(Number)) {
    const rounds = [];
    for (let i = 0; i < options.rounds; i++) {
      rounds.push(await round(timeout, reportDir));
      console.error(`timeout ${timeout} ms, round ${i + 1}: ${JSON.stringify(rounds[rounds.length - 1])}`);
    }
    const last = rounds.map((r) => r.lastAnswerMs);
    results.push({
      timeoutMs: timeout,
      rounds,
      lastAnswer: { medianMs: median(last), maxMs: Math.max(...last), medianOverTimeout: Number((median(last) / timeout).toFixed(2)) },
      medianNoticedMs: median(rounds.map((r) => r.noticedMs)),
      medianReplacementReadyMs: median(rounds.map((r) => r.replacementReadyMs)),
    });
  }
  fs.rmSync(reportDir, { recursive: true, force: true });
  const out = path.join(__dirname, '..', 'results');
  fs.mkdirSync(out, { recursive: true });
  const summary = { commit: commit(), node: process.version, cores: os.availableParallelism(), connections: CONNECTIONS, results };
  fs.writeFileSync(path.join(out, 'watchdog.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const md = [
    `Hung worker (SIGSTOP) replaced, ${CONNECTIONS} new connections, ${options.rounds} rounds per timeout (commit ${summary.commit}, Node ${process.version}, ${summary.cores} cores)`,
    '',
    '| watchdog.timeoutMs | noticed (median) | replacement ready (median) | last queued request answered: median / max | median / timeout |',
    '| --- | --- | --- | --- | --- |',
    ...results.map((r) => `| ${r.timeoutMs} | ${r.medianNoticedMs} ms | ${r.medianReplacementReadyMs} ms | ${r.lastAnswer.medianMs} / ${r.lastAnswer.maxMs} ms | ${r.lastAnswer.medianOverTimeout} |`),
  ].join('\n');
  fs.writeFileSync(path.join(out, 'watchdog.md'), `${md}\n`);
  console.log(md);
  process.exit(0);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
