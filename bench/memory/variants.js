#!/usr/bin/env node
// The demo (as bench/http/memory.js starts it) in several variants side by
// side, each with its own bare node:http twin that gets the same node flags and
// environment: V8 and glibc settings (information only), and emulated changes
// to Shoal (what-if.js) to measure what they would save. Each variant is read
// twice: 2 s after its 20 requests ("early") and once every variant has been
// idle for --idle-ms ("idle": after V8's memory reducer has run).
//
//   node bench/memory/variants.js [--reps 3] [--idle-ms 30000] [--only name,name] [--node-flags="..."]
// writes bench/results/memory-variants.json (-<flags>.json with --node-flags, which every process gets).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { get, startDemo } = require('../http/demo');
const { startServer } = require('../http/servers');

// Emulated changes (what-if.js), each first on its own, then together.
const NEST = ['@nestjs/core', '@nestjs/common', 'rxjs', 'reflect-metadata'].map((p) => `stub:${p}`);
const both = (...changes) => ({ supervisor: changes, worker: changes });
const LEAN = { supervisor: [...NEST, 'stub:ioredis', 'stub:pino-pretty', 'stub:piscina'], worker: ['stub:ioredis', 'stub:pino-pretty', 'stub:piscina'] };
const plus = (base, supervisor, worker = supervisor) => ({ supervisor: [...base.supervisor, ...supervisor], worker: [...base.worker, ...worker] });
const VARIANTS = {
  'as is': {},
  'MALLOC_ARENA_MAX=2': { env: { MALLOC_ARENA_MAX: '2' } },
  '--max-semi-space-size=1': { execArgv: ['--max-semi-space-size=1'] },
  '--max-semi-space-size=4': { execArgv: ['--max-semi-space-size=4'] },
  '--max-semi-space-size=8': { execArgv: ['--max-semi-space-size=8'] },
  'config by type stripping (no jiti)': both('strip-config'),
  'config as JSON (no jiti or config imports)': both('json-config'),
  'supervisor without Nest, rxjs, reflect-metadata': { supervisor: NEST },
  'without ioredis': both('stub:ioredis'),
  'without pino-pretty': both('stub:pino-pretty'),
  'without piscina': both('stub:piscina'),
  'lean: the four above': LEAN,
  'lean + config as JSON': plus(LEAN, ['json-config']),
  'lean + config as JSON + supervisor without prom-client': plus(LEAN, ['json-config', 'stub:prom-client'], ['json-config']),
};

const { values: flags } = parseArgs({
  options: { reps: { type: 'string', default: '3' }, 'idle-ms': { type: 'string', default: '30000' }, only: { type: 'string' }, 'node-flags': { type: 'string', default: '' }, help: { type: 'boolean', short: 'h' } },
});
if (flags.help) {
  console.log(fs.readFileSync(__filename, 'utf8').split('\n').slice(1, 10).join('\n').replace(/^\/\/ ?/gm, ''));
  process.exit(0);
}
const nodeFlags = flags['node-flags'].split(' ').filter(Boolean);
const names = flags.only ? flags.only.split(',') : Object.keys(VARIANTS);
const unknown = names.filter((n) => !VARIANTS[n]);
if (unknown.length) {
  console.error(`bench: no variant named ${unknown.map((n) => JSON.stringify(n)).join(', ')}`);
  process.exit(2);
}
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const memory = (pid) => {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)[1]);
  return { rss: kib('VmRSS'), anon: kib('RssAnon'), file: kib('RssFile') };
};

const running = new Set();

/** The demo's config evaluated once, by a short-lived process (jiti, as Shoal does), as JSON for json-config. */
function configJson(file) {
  const script = `require('jiti').createJiti(${JSON.stringify(path.join(__dirname, '..', '..', 'packages', 'core', 'dist', 'config-file.js'))}, { interopDefault: true, moduleCache: false, fsCache: false })
    .import(${JSON.stringify(path.join(__dirname, '..', '..', 'apps', 'demo', 'shoal.config.ts'))}, { default: true })
    .then((config) => require('node:fs').writeFileSync(${JSON.stringify(file)}, JSON.stringify(config)))`;
  const out = spawnSync(process.execPath, ['-e', script], { cwd: path.join(__dirname, '..', '..', 'packages', 'core'), env: { ...process.env, SHOAL_DEMO_SCTP_PORT: 'off', SHOAL_DEMO_SCTP_MANY_PORT: 'off' }, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`could not evaluate the demo's config: ${out.stderr}`);
  return file;
}
const runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bench-'));
const dumpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-dump-'));

/** The process's heap figures (dump-modules.js), and its memory after the full GC that follows the dump. */
async function dump(pid) {
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 100; i++) {
    await sleep(100);
    const file = fs.readdirSync(dumpDir).find((f) => f.endsWith(`-${pid}.gc.json`));
    if (!file) continue;
    const { memoryUsage, heapSpaces } = JSON.parse(fs.readFileSync(path.join(dumpDir, file.replace(/\.gc\.json$/, '.json')), 'utf8'));
    const afterGc = JSON.parse(fs.readFileSync(path.join(dumpDir, file), 'utf8'));
    return { memoryUsage, heapSpaces: Object.fromEntries(Object.entries(heapSpaces).map(([k, v]) => [k, v.size])), afterGc };
  }
  throw new Error(`process ${pid} wrote no dump`);
}

async function rep() {
  const started = {};
  const configFile = configJson(path.join(dumpDir, 'config.json'));
  for (const name of names) {
    const { env = {}, supervisor = [], worker = [] } = VARIANTS[name];
    const execArgv = [...nodeFlags, ...(VARIANTS[name].execArgv ?? [])];
    const bare = await startServer('../memory/loaded-http.js', env, execArgv);
    running.add(bare);
    let demo;
    try {
      // Each demo its own runtime directory: all are named "demo", and a control socket in use refuses a second start.
      demo = await startDemo(fs.mkdtempSync(path.join(runtimeDir, 'v')), {
        execArgv: [...execArgv, '--require', path.join(__dirname, 'what-if.js'), '--require', path.join(__dirname, 'dump-modules.js')],
        env: { ...env, BENCH_DUMP_DIR: dumpDir, BENCH_CONFIG_JSON: configFile, BENCH_WHATIF_SUPERVISOR: supervisor.join(','), BENCH_WHATIF_WORKER: worker.join(',') },
        onSpawn: (d) => running.add((demo = d)),
      });
    } catch (error) {
      throw new Error(`variant "${name}": ${error.message}`);
    }
    for (let i = 0; i < 20; i++) await Promise.all([get(bare.port, '/'), get(demo.httpPort, '/')]);
    await sleep(2_000);
    const early = { bare: memory(bare.pid), worker: memory(demo.workerPid), supervisor: memory(demo.supervisorPid) };
    started[name] = { bare, demo, early, bootMs: demo.startBootMs };
  }
  await sleep(Number(flags['idle-ms']));
  const result = {};
  for (const [name, { bare, demo, early, bootMs }] of Object.entries(started)) {
    const idle = { bare: memory(bare.pid), worker: memory(demo.workerPid), supervisor: memory(demo.supervisorPid) };
    const [bareHeap, worker, supervisor] = await Promise.all([bare.ask('measure'), dump(demo.workerPid), dump(demo.supervisorPid)]);
    const heap = { bare: { memoryUsage: bareHeap.measured.memoryUsage, heapSpaces: bareHeap.measured.heapSpaces }, worker, supervisor };
    const gc = (m) => ({ rss: m.rss ?? m.rssKiB, anon: m.anon ?? m.rssAnonKiB, file: m.file ?? m.rssFileKiB });
    const afterGc = { bare: gc(bareHeap.afterGc), worker: gc(worker.afterGc), supervisor: gc(supervisor.afterGc) };
    result[name] = { early, idle, afterGc, heap, bootMs };
  }
  await Promise.all([...running].map((s) => (running.delete(s), s.stop())));
  return result;
}

(async () => {
  const reps = [];
  try {
    for (let r = 0; r < Number(flags.reps); r++) {
      reps.push(await rep());
      console.error(`repetition ${r + 1}/${flags.reps} done`);
    }
  } finally {
    await Promise.allSettled([...running].map((s) => s.stop()));
    fs.rmSync(runtimeDir, { recursive: true, force: true });
    fs.rmSync(dumpDir, { recursive: true, force: true });
  }
  const mib = (kib) => (kib / 1024).toFixed(1);
  const ratios = (r) => `${r.ratio.toFixed(2)}${Number.isNaN(r.ratioToPlainBare) ? '' : ` (${r.ratioToPlainBare.toFixed(2)})`}`;
  const table = {};
  console.log(`node ${nodeFlags.join(' ') || '(no flags)'}; medians of ${reps.length} repetitions; ratios within each repetition to the variant's own bare twin (and to the unchanged bare process: "as is" twin)`);
  console.log('when: early = 2 s after 20 requests; idle = after --idle-ms; afterGc = then after a memory-reducing full GC in each process');
  console.log('variant | when | bare MiB | worker MiB (anon+file) | worker / bare | supervisor MiB (anon+file) | supervisor / bare | worker heapTotal, new space | supervisor heapTotal, new space');
  for (const name of names) {
    table[name] = {};
    for (const when of ['early', 'idle', 'afterGc']) {
      const m = (role, key) => median(reps.map((r) => r[name][when][role][key]));
      const ratio = (role) => median(reps.map((r) => r[name][when][role].rss / r[name][when].bare.rss));
      const vsPlain = (role) => (reps[0]['as is'] ? median(reps.map((r) => r[name][when][role].rss / r['as is'][when].bare.rss)) : NaN);
      const heap = (role, pick) => median(reps.map((r) => pick(r[name].heap[role]))) / 1048576;
      const row = {
        bare: m('bare', 'rss'),
        worker: { rss: m('worker', 'rss'), anon: m('worker', 'anon'), file: m('worker', 'file'), ratio: ratio('worker'), ratioToPlainBare: vsPlain('worker') },
        supervisor: { rss: m('supervisor', 'rss'), anon: m('supervisor', 'anon'), file: m('supervisor', 'file'), ratio: ratio('supervisor'), ratioToPlainBare: vsPlain('supervisor') },
      };
      if (when === 'idle') {
        for (const role of ['bare', 'worker', 'supervisor']) {
          row[`${role}Heap`] = { heapTotalMiB: heap(role, (h) => h.memoryUsage.heapTotal), newSpaceMiB: heap(role, (h) => h.heapSpaces.new_space), oldSpaceMiB: heap(role, (h) => h.heapSpaces.old_space), externalMiB: heap(role, (h) => h.memoryUsage.external) };
        }
      }
      table[name][when] = row;
      const heapCols = when === 'idle' && row.workerHeap ? ` | ${row.workerHeap.heapTotalMiB.toFixed(1)}, ${row.workerHeap.newSpaceMiB.toFixed(1)} | ${row.supervisorHeap.heapTotalMiB.toFixed(1)}, ${row.supervisorHeap.newSpaceMiB.toFixed(1)}` : ' | |';
      console.log(
        `${name} | ${when} | ${mib(row.bare)} | ${mib(row.worker.rss)} (${mib(row.worker.anon)}+${mib(row.worker.file)}) | ${ratios(row.worker)} | ` +
          `${mib(row.supervisor.rss)} (${mib(row.supervisor.anon)}+${mib(row.supervisor.file)}) | ${ratios(row.supervisor)}${heapCols}`,
      );
    }
  }
  fs.mkdirSync(path.join(__dirname, '..', 'results'), { recursive: true });
  const suffix = nodeFlags.length ? `-${nodeFlags.join('').replace(/[^a-z0-9=]+/gi, '-').replace(/^-+/, '')}` : '';
  const out = path.join(__dirname, '..', 'results', `memory-variants${suffix}.json`);
  fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, nodeFlags, variants: VARIANTS, table, reps }, null, 2));
})().catch((error) => {
  console.error(`bench: ${error.stack ?? error}`);
  process.exit(1);
});
