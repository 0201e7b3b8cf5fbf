#!/usr/bin/env node
// What the demo's supervisor and idle worker have loaded, by package: starts
// the demo as bench/http/memory.js does, with dump-modules.js preloaded, and
// asks both processes for their dump (SIGUSR2).
//
//   node bench/memory/modules.js [--json]     # dumps land in bench/results/modules-{supervisor,worker}.json
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { get, startDemo } = require('../http/demo');

async function dumpOf(pid, dir) {
  const file = fs.readdirSync(dir).find((f) => f.endsWith(`-${pid}.json`));
  if (file) return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const found = fs.readdirSync(dir).find((f) => f.endsWith(`-${pid}.json`));
    if (found) return JSON.parse(fs.readFileSync(path.join(dir, found), 'utf8'));
  }
  throw new Error(`process ${pid} wrote no dump`);
}

(async () => {
  const runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bench-'));
  const dumpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-dump-'));
  let demo;
  try {
    demo = await startDemo(runtimeDir, {
      execArgv: ['--require', path.join(__dirname, 'dump-modules.js')],
      env: { BENCH_DUMP_DIR: dumpDir },
      onSpawn: (d) => (demo = d),
    });
    for (let i = 0; i < 20; i++) await get(demo.httpPort, '/');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const dumps = { supervisor: await dumpOf(demo.supervisorPid, dumpDir), worker: await dumpOf(demo.workerPid, dumpDir) };
    const out = path.join(__dirname, '..', 'results');
    fs.mkdirSync(out, { recursive: true });
    for (const [role, dump] of Object.entries(dumps)) fs.writeFileSync(path.join(out, `modules-${role}.json`), JSON.stringify(dump, null, 2));
    if (process.argv.includes('--json')) return console.log(JSON.stringify(dumps, null, 2));
    const packages = [...new Set(Object.values(dumps).flatMap((d) => Object.keys(d.packages)))];
    const cell = (d, p) => (d.packages[p] ? `${String(d.packages[p].files).padStart(4)} ${(d.packages[p].bytes / 1024).toFixed(0).padStart(6)} KiB` : ''.padStart(15));
    console.log(`${'package'.padEnd(36)} ${'supervisor: files, source'.padStart(15)}   ${'worker'.padStart(15)}`);
    for (const p of packages.sort((a, b) => (dumps.worker.packages[b]?.bytes ?? 0) + (dumps.supervisor.packages[b]?.bytes ?? 0) - (dumps.worker.packages[a]?.bytes ?? 0) - (dumps.supervisor.packages[a]?.bytes ?? 0))) {
      console.log(`${p.padEnd(36)} ${cell(dumps.supervisor, p)}   ${cell(dumps.worker, p)}`);
    }
    for (const [role, d] of Object.entries(dumps)) {
      const mib = (n) => (n / 1048576).toFixed(1);
      const m = d.memoryUsage;
      console.log(
        `${role}: rss ${mib(d.rssKiB * 1024)} MiB, heapTotal ${mib(m.heapTotal)}, heapUsed ${mib(m.heapUsed)}, external ${mib(m.external)}, ` +
          `${d.requireCacheFiles} files in require.cache, ${d.builtins} builtins; read outside require.cache: ${d.readOutsideRequireCache.length}`,
      );
    }
  } finally {
    await demo?.stop();
    fs.rmSync(runtimeDir, { recursive: true, force: true });
    fs.rmSync(dumpDir, { recursive: true, force: true });
  }
})().catch((error) => {
  console.error(`bench: ${error.stack ?? error}`);
  process.exit(1);
});
