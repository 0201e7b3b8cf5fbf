#!/usr/bin/env node
// Benchmarks of a Nest application (app.js: a controller with a route
// parameter that returns small JSON, ValidationPipe as a global pipe) on
// Shoal against the ways it runs without Shoal. See --help, and
// bench/README.md ("Nest applications") for what each part measures.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { PATH } = require('./app');
const { startShoal, startCluster, Pm2 } = require('./sides');
const { checkWrk, startWrk, measure } = require('./wrk');
const { parseArgs } = require('../args');
const { commit } = require('../commit');
const { Running, inRounds, ratio } = require('../rounds');

const HELP = `node bench/nest/run.js [options]          writes bench/results/nest.json

Runs the Nest app of bench/nest/app.js (Fastify unless said otherwise) and
reports, with Debian's wrk (keep-alive, and a new connection per request with
-H 'Connection: close'):

  throughput  Shoal (shoal start, platform 'fastify', N workers) against
              node:cluster (N workers, NestFactory.create + listen each) and
              against PM2 cluster mode (N instances): req/s ratios Shoal/cluster
              and Shoal/PM2, taken within each round (the sides run one after
              the other, in alternating order), median of the rounds' ratios.
  reload      failed requests (wrk socket errors by type + non-2xx, wrk
              --timeout 10s) over --reloads reloads under load: shoal reload
              against pm2 reload, N workers each, on Fastify and Express.
  tax         Nest+Fastify on Shoal (1 worker) against Shoal's own @OnRequest
              handler (1 worker, same route and JSON): req/s ratio per round.

Options (defaults in brackets):
  --parts list          throughput,reload,tax [all three]
  --seconds n           measured wrk seconds per sample [5]
  --warmup n            wrk seconds before each sample, discarded [2]
  --rounds n            rounds of throughput and tax [3]
  --connections n       wrk connections for throughput and tax [64]
  --workers n           workers / instances of throughput and reload [2]
  --reloads n           reloads per reload run [5]
  --reload-rounds n     rounds of the reload part [1]
  --reload-connections n  wrk connections during reloads [50]
  --gap ms              load between one reload's end and the next [1000]
  --platforms list      platforms of the reload part [fastify,express]
  --pm2-pmx on|off      PM2's instrumentation of its instances (pmx), as PM2
                        starts apps by default [on]
  --help                this text

With the defaults a run takes about 9 minutes on 2 otherwise idle cores, and
longer when other jobs load them (reloads then take 2x as long).`;

const args = parseArgs(process.argv.slice(2), {
  program: 'bench/nest',
  help: HELP,
  spec: {
    parts: { list: 'throughput,reload,tax', allowed: ['throughput', 'reload', 'tax'] },
    seconds: { whole: 5 },
    warmup: { whole: 2 },
    rounds: { whole: 3 },
    connections: { whole: 64 },
    workers: { whole: 2 },
    reloads: { whole: 5 },
    'reload-rounds': { whole: 1 },
    'reload-connections': { whole: 50 },
    gap: { whole: 1000 },
    platforms: { list: 'fastify,express', allowed: ['fastify', 'express'] },
    'pm2-pmx': { one: 'on', allowed: ['on', 'off'] },
  },
});
const settings = Object.freeze({
  parts: args.parts,
  seconds: args.seconds,
  warmup: args.warmup,
  rounds: args.rounds,
  connections: args.connections,
  workers: args.workers,
  reloads: args.reloads,
  reloadRounds: args.reloadRounds,
  reloadConnections: args.reloadConnections,
  gapMs: args.gap,
  platforms: args.platforms,
  pm2Pmx: args.pm2Pmx === 'on',
});
const wrkVersion = checkWrk();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const MODES = [
  { name: 'keep-alive', close: false },
  { name: 'new connection per request', close: true },
];

// Whatever runs now, so that an interrupted run leaves nothing behind.
const pm2 = new Pm2({ pmx: settings.pm2Pmx });
const running = new Running();
async function stopAll() {
  await running.stopAll();
  await pm2.kill();
}
process.on('exit', () => pm2.killNow());
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\nbench/nest: ${signal}, stopping the servers`);
    stopAll().finally(() => process.exit(130));
  });
}

const SIDES = {
  shoal: (workers, platform = 'fastify') => ({ label: `Shoal (Nest), ${workers} worker${workers > 1 ? 's' : ''}`, start: () => startShoal({ app: 'shoal-app.js', platform, workers }) }),
  raw: (workers) => ({ label: `Shoal @OnRequest, ${workers} worker${workers > 1 ? 's' : ''}`, start: () => startShoal({ app: 'raw-app.js', platform: null, workers }) }),
  cluster: (workers) => ({ label: `node:cluster, ${workers} workers`, start: () => startCluster({ platform: 'fastify', workers }) }),
  pm2: (workers, platform = 'fastify') => ({ label: `PM2 cluster, ${workers} instances${settings.pm2Pmx ? '' : ', pmx off'}`, start: () => pm2.start({ platform, instances: workers }) }),
};

/**
 * Req/s of each side in every round and mode (bench/rounds.js): a side is
 * started once per round and serves both modes; the order of the sides is
 * reversed every other round. Ratios are Shoal (the first side) / each other side.
 */
async function throughput(title, sides, threads) {
  console.log(`\n${title}: ${settings.rounds} rounds, wrk -t${threads} -c${settings.connections}, ${settings.warmup} s warm-up + ${settings.seconds} s per sample`);
  const cases = MODES.map((mode) => ({
    name: mode.name,
    measure: (side) => measure({ port: side.port, path: PATH, threads, connections: settings.connections, seconds: settings.seconds, close: mode.close }, settings.warmup),
  }));
  const { samples, failed } = await inRounds({ rounds: settings.rounds, groups: [{ sides, cases }], running });
  const [first, ...others] = Object.keys(sides);
  const rows = [];
  for (const mode of MODES) {
    for (const other of others) {
      const r = ratio(samples[mode.name][first], samples[mode.name][other]);
      rows.push({
        comparison: `${sides[first].label} / ${sides[other].label}`,
        mode: mode.name,
        shoalRps: r.aRps,
        baselineRps: r.bRps,
        ratio: r.ratio,
        roundRatios: r.roundRatios,
      });
    }
  }
  for (const row of rows) {
    console.log(`${row.comparison.padEnd(54)} ${row.mode.padEnd(27)} ${String(row.shoalRps).padStart(7)} / ${String(row.baselineRps).padStart(7)} req/s  ratio ${row.ratio.toFixed(3)} (rounds: ${row.roundRatios.join(', ')})`);
  }
  const failedBySide = Object.fromEntries(Object.keys(sides).map((name) => [name, MODES.reduce((sum, mode) => sum + failed[mode.name][name], 0)]));
  return { rows, samples, failed: failedBySide };
}

/**
 * One side under load through `--reloads` reloads, for each mode: wrk runs
 * open-ended; after the warm-up, reload, wait --gap, reload... then wrk is
 * stopped. Every request of the run counts (reloads take most of it).
 */
async function reloadRun(side, label, platform) {
  const runs = [];
  for (const mode of MODES) {
    const load = startWrk({ port: side.port, path: PATH, threads: 2, connections: settings.reloadConnections, seconds: 600, close: mode.close, timeoutS: 10 });
    const entry = { stop: () => load.stop() };
    running.add(entry);
    const reloads = [];
    let result;
    try {
      await sleep(settings.warmup * 1000);
      for (let i = 0; i < settings.reloads; i++) {
        reloads.push((await side.reload()).ms);
        await sleep(settings.gapMs);
      }
      result = await load.stop();
    } catch (error) {
      load.kill();
      throw error;
    } finally {
      running.delete(entry);
    }
    const row = { side: label, platform, mode: mode.name, reloadMs: reloads, ...result };
    runs.push(row);
    const { connect, read, write, timeout, non2xx } = result.errors;
    console.log(
      `  ${label.padEnd(24)} ${platform.padEnd(8)} ${mode.name.padEnd(27)} failed ${String(result.failed).padStart(5)} of ${String(result.requests).padStart(7)}` +
        `  (connect ${connect}, read ${read}, write ${write}, timeout ${timeout}, non-2xx ${non2xx}); reloads ${reloads.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s`,
    );
  }
  return runs;
}

async function reloads() {
  const w = settings.workers;
  console.log(
    `\nreload: ${settings.reloads} reloads per run, ${settings.gapMs} ms of load between them, wrk -t2 -c${settings.reloadConnections} --timeout 10s, ${w} workers/instances, ${settings.reloadRounds} round(s)`,
  );
  const runs = [];
  let turn = 0;
  for (const platform of settings.platforms) {
    for (let round = 0; round < settings.reloadRounds; round++) {
      const sides = [
        { label: `shoal reload, ${w} workers`, start: () => startShoal({ app: 'shoal-app.js', platform, workers: w }) },
        { label: `pm2 reload, ${w} instances${settings.pm2Pmx ? '' : ', pmx off'}`, start: () => pm2.start({ platform, instances: w }) },
      ];
      for (const side of turn++ % 2 === 0 ? sides : sides.reverse()) {
        runs.push(...(await running.with(side.start, (started) => reloadRun(started, side.label, platform))).map((run) => ({ ...run, round: round + 1 })));
      }
    }
  }
  return { runs };
}

(async () => {
  const startedAt = Date.now();
  const report = {
    date: new Date().toISOString(),
    commit: commit(),
    host: { cpus: os.cpus().length, node: process.version, wrk: wrkVersion, pm2: settings.parts.some((p) => p !== 'tax') ? await pm2.version() : null, loadavgBefore: os.loadavg()[0] },
    settings,
  };
  console.log(`bench/nest: Node ${process.version}, wrk ${wrkVersion}, PM2 ${report.host.pm2 ?? '-'}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)}`);
  const w = settings.workers;
  if (settings.parts.includes('throughput')) {
    report.throughput = await throughput(`throughput, Nest+Fastify, ${w} workers each`, { shoal: SIDES.shoal(w), cluster: SIDES.cluster(w), pm2: SIDES.pm2(w) }, 2);
  }
  if (settings.parts.includes('reload')) report.reload = await reloads();
  if (settings.parts.includes('tax')) {
    report.tax = await throughput('tax of Nest: Nest+Fastify against Shoal @OnRequest, 1 worker each', { nest: SIDES.shoal(1), raw: SIDES.raw(1) }, 1);
  }
  await pm2.kill();
  report.host.loadavgAfter = os.loadavg()[0];
  report.durationS = Math.round((Date.now() - startedAt) / 1000);
  const dir = path.join(__dirname, '..', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'nest.json');
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwritten to ${path.relative(process.cwd(), file)} in ${report.durationS} s (req/s are medians; a ratio is the median of the per-round ratios)`);
})().catch(async (error) => {
  console.error(error);
  await stopAll();
  process.exit(1);
});
