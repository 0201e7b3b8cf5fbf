#!/usr/bin/env node
// What each dependency costs on top of a bare node:http process: every variant
// below is bench/http/raw-http.js after loading some modules
// (loaded-http.js), all started side by side in each repetition, served 20
// requests, left to settle, then measured together. Deltas are taken against
// the bare process of the same repetition; medians over the repetitions.
//
//   node bench/memory/cost.js [--reps 5] [--settle-ms 2000] [--only name,name] [--node-flags="--max-semi-space-size=1"]
// writes bench/results/memory-cost.json (memory-cost-<flags>.json with --node-flags). --node-flags go to
// every process alike; a capped young generation shows what stays (old space, code, native), without
// the semi-space growth that makes the default figures jump in steps.
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { get } = require('../http/demo');
const { startServer } = require('../http/servers');

const LIBS = ['zod', 'ioredis', 'piscina', 'pino', 'pino-pretty', 'prom-client'];
const VARIANTS = {
  'bare node:http': [],
  'reflect-metadata': ['reflect-metadata'],
  rxjs: ['rxjs'],
  '@nestjs/common': ['reflect-metadata', '@nestjs/common'],
  '@nestjs/core': ['@nestjs/core'],
  '@nestjs/core + an empty application context (DiscoveryModule)': ['nest-boot'],
  zod: ['zod'],
  ioredis: ['ioredis'],
  piscina: ['piscina'],
  pino: ['pino'],
  'pino + a JSON logger': ['pino-json'],
  'pino-pretty': ['pino-pretty'],
  'prom-client': ['prom-client'],
  'prom-client + default metrics': ['default-metrics'],
  'jiti (require only)': ['jiti'],
  'jiti + a trivial .ts': ['jiti-trivial'],
  'jiti + a trivial .ts; jiti then out of require.cache': ['jiti-trivial-dropped'],
  'jiti + the demo config': ['jiti-config'],
  'type stripping + the demo config': ['strip-config'],
  '@shoal/common': ['@shoal/common'],
  '@shoal/core (index)': ['@shoal/core'],
  '@shoal/transport-tcp': ['@shoal/transport-tcp'],
  '@shoal/transport-sctp': ['@shoal/transport-sctp'],
  'the six libraries together': LIBS,
  'the six libraries + @nestjs/core': [...LIBS, '@nestjs/core'],
  'the six libraries + @nestjs/core + jiti-trivial': [...LIBS, '@nestjs/core', 'jiti-trivial'],
  // What a supervisor cannot do without (logging, metrics, config validation) and what it could.
  'pino + prom-client': ['pino-json', 'default-metrics'],
  'pino + zod': ['pino-json', 'zod'],
  'pino + prom-client + zod + @shoal/common': ['pino-json', 'default-metrics', 'zod', '@shoal/common'],
  // Leave one out: what each costs on top of the others (the marginal cost, which is what removing it saves).
  ...Object.fromEntries(LIBS.map((l) => [`the six + @nestjs/core without ${l}`, [...LIBS.filter((x) => x !== l), '@nestjs/core']])),
  'the six libraries without zod and pino-pretty + @nestjs/core': [...LIBS.filter((x) => x !== 'zod' && x !== 'pino-pretty'), '@nestjs/core'],
  'pino + prom-client + zod + @shoal/common without pino': ['default-metrics', 'zod', '@shoal/common'],
  'pino + prom-client + zod + @shoal/common without prom-client': ['pino-json', 'zod', '@shoal/common'],
  'pino + prom-client + zod + @shoal/common without zod': ['pino-json', 'default-metrics', '@shoal/common'],
  "supervisor's modules (jiti config, cli/start, supervisor, transports)": ['jiti-config', 'core/cli/start.js', 'core/supervisor.js', '@shoal/transport-tcp'],
  "supervisor's modules, config by type stripping": ['strip-config', 'core/cli/start.js', 'core/supervisor.js', '@shoal/transport-tcp'],
  "worker's modules (+ worker.js, the demo app; no Nest boot)": ['jiti-config', 'core/cli/start.js', 'core/supervisor.js', '@shoal/transport-tcp', 'core/worker.js', 'demo-app'],
};

const { values: flags } = parseArgs({
  options: { reps: { type: 'string', default: '5' }, 'settle-ms': { type: 'string', default: '2000' }, only: { type: 'string' }, 'node-flags': { type: 'string', default: '' }, help: { type: 'boolean', short: 'h' } },
});
if (flags.help) {
  console.log(fs.readFileSync(__filename, 'utf8').split('\n').slice(1, 11).join('\n').replace(/^\/\/ ?/gm, ''));
  process.exit(0);
}
const reps = Number(flags.reps);
const nodeFlags = flags['node-flags'].split(' ').filter(Boolean);
const settleMs = Number(flags['settle-ms']);
const names = flags.only ? ['bare node:http', ...flags.only.split(',').filter((n) => n !== 'bare node:http')] : Object.keys(VARIANTS);
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

const running = new Set();
async function rep() {
  const servers = {};
  // A different order each time, so that no variant always starts on a busier machine.
  for (const name of [...names].sort(() => Math.random() - 0.5)) {
    const server = await startServer('../memory/loaded-http.js', { BENCH_LOAD: VARIANTS[name].join(',') }, nodeFlags);
    running.add(server);
    servers[name] = server;
  }
  for (let i = 0; i < 20; i++) await Promise.all(Object.values(servers).map((s) => get(s.port, '/')));
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const measured = {};
  for (const [name, server] of Object.entries(servers)) {
    const { measured: m, afterGc } = await server.ask('measure');
    measured[name] = { ...m, afterGc, bootMs: server.readyMs };
  }
  await Promise.all(Object.values(servers).map((s) => (running.delete(s), s.stop())));
  return measured;
}

/** The figures of one measurement, in KiB, flat. */
const figures = (m) => ({
  rss: m.rssKiB,
  rssAnon: m.rssAnonKiB,
  rssFile: m.rssFileKiB,
  heapTotal: m.memoryUsage.heapTotal / 1024,
  heapUsed: m.memoryUsage.heapUsed / 1024,
  external: m.memoryUsage.external / 1024,
  newSpace: m.heapSpaces.new_space / 1024,
  oldSpace: m.heapSpaces.old_space / 1024,
  codeSpace: (m.heapSpaces.code_space + m.heapSpaces.code_large_object_space) / 1024,
  largeObjects: m.heapSpaces.large_object_space / 1024,
  bootMs: m.bootMs,
  modules: m.modules,
  // After a memory-reducing full GC: what the process keeps once V8's memory reducer has run.
  rssGc: m.afterGc.rssKiB,
  rssAnonGc: m.afterGc.rssAnonKiB,
  heapUsedGc: m.afterGc.memoryUsage.heapUsed / 1024,
  heapTotalGc: m.afterGc.memoryUsage.heapTotal / 1024,
});

(async () => {
  const results = [];
  try {
    for (let r = 0; r < reps; r++) {
      results.push(await rep());
      console.error(`repetition ${r + 1}/${reps} done`);
    }
  } finally {
    await Promise.allSettled([...running].map((s) => s.stop()));
  }
  const table = {};
  for (const name of names) {
    const keys = Object.keys(figures(results[0][name]));
    table[name] = {};
    for (const key of keys) {
      table[name][key] = median(results.map((res) => figures(res[name])[key]));
      table[name][`${key}Delta`] = median(results.map((res) => figures(res[name])[key] - figures(res['bare node:http'])[key]));
    }
  }
  const mib = (kib) => (kib / 1024).toFixed(1).padStart(6);
  const cols = ['rss', 'rssAnon', 'heapTotal', 'heapUsed', 'external', 'newSpace', 'oldSpace', 'codeSpace', 'rssGc', 'rssAnonGc', 'heapUsedGc'];
  console.log(`node ${nodeFlags.join(' ') || '(no flags)'}, medians of ${reps} repetitions, MiB; "+" columns are deltas against the bare process of the same repetition`);
  console.log(`(the last three columns: after a memory-reducing full GC, as V8's memory reducer leaves an idle process)`);
  console.log(`${'variant'.padEnd(68)}    RSS   +RSS ${cols.slice(1).map((c) => `+${c}`.padStart(10)).join('')}  boot ms`);
  for (const name of names) {
    const t = table[name];
    console.log(`${name.padEnd(68)} ${mib(t.rss)} ${mib(t.rssDelta)} ${cols.slice(1).map((c) => mib(t[`${c}Delta`]).padStart(10)).join('')}  ${String(Math.round(t.bootMs)).padStart(7)}`);
  }
  fs.mkdirSync(path.join(__dirname, '..', 'results'), { recursive: true });
  // Are the costs additive? The six libraries one by one against the six together.
  if (LIBS.every((l) => table[l]) && table['the six libraries together']) {
    for (const key of ['rss', 'rssAnon', 'heapUsed', 'rssGc']) {
      const sum = LIBS.reduce((total, l) => total + table[l][`${key}Delta`], 0);
      console.log(`additivity, ${key}: sum of the six one by one +${mib(sum).trim()} MiB, the six together +${mib(table['the six libraries together'][`${key}Delta`]).trim()} MiB`);
    }
  }
  const suffix = nodeFlags.length ? `-${nodeFlags.join('').replace(/[^a-z0-9=]+/gi, '-').replace(/^-+/, '')}` : '';
  const out = path.join(__dirname, '..', 'results', `memory-cost${suffix}.json`);
  fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, nodeFlags, reps, settleMs, variants: VARIANTS, table, results }, null, 2));
})().catch((error) => {
  console.error(`bench: ${error.stack ?? error}`);
  process.exit(1);
});
