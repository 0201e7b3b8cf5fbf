// bench/http/raw-http.js after loading what BENCH_LOAD names (comma-separated
// steps, see STEPS), resolved as @shoal/core resolves its dependencies. Answers
// the IPC message 'measure' with its memory.
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { createRequire } = require('node:module');
const v8 = require('node:v8');

const ROOT = path.resolve(__dirname, '..', '..');
const CORE = path.join(ROOT, 'packages', 'core', 'dist');
const fromCore = createRequire(path.join(CORE, 'index.js'));
const fromBench = createRequire(path.join(ROOT, 'bench', 'package.json'));
/** As @shoal/core resolves its dependencies; the transports from bench/, which depends on them. */
function coreRequire(spec) {
  try {
    return fromCore(spec);
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND') throw error;
    return fromBench(spec);
  }
}
const DEMO_CONFIG = path.join(ROOT, 'apps', 'demo', 'shoal.config.ts');

/** jiti as packages/core/src/config-file.ts uses it. */
async function jitiImport(file) {
  const { createJiti } = coreRequire('jiti');
  const jiti = createJiti(path.join(CORE, 'config-file.js'), { interopDefault: true, moduleCache: false, fsCache: false });
  return jiti.import(file, { default: true });
}

/**
 * The demo's config for Node's own type stripping: the same file, with its one
 * relative import given its extension (ESM resolution wants it), as .mts.
 */
function strippableConfig() {
  const file = path.join(ROOT, 'bench', 'results', 'shoal.config.strip.mts');
  const text = fs.readFileSync(DEMO_CONFIG, 'utf8').replace("'./src/sctp-listeners'", `'${path.join(ROOT, 'apps', 'demo', 'src', 'sctp-listeners.ts')}'`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

const STEPS = {
  'jiti-trivial': () => jitiImport(path.join(__dirname, 'trivial.config.ts')),
  'jiti-config': () => jitiImport(DEMO_CONFIG),
  // jiti, then every jiti module out of require.cache: can the GC give back what babel holds?
  'jiti-trivial-dropped': async () => {
    await jitiImport(path.join(__dirname, 'trivial.config.ts'));
    for (const file of Object.keys(require.cache)) if (file.includes(`${path.sep}jiti${path.sep}`)) delete require.cache[file];
  },
  'strip-config': () => import(strippableConfig()),
  'default-metrics': () => {
    const { Registry, collectDefaultMetrics } = coreRequire('prom-client');
    collectDefaultMetrics({ register: new Registry(), eventLoopMonitoringPrecision: 20 });
  },
  'pino-json': () => coreRequire('pino')({ base: { pid: process.pid } }, coreRequire('pino').destination({ fd: 2, sync: true })).debug('x'),
  'nest-boot': async () => {
    coreRequire('reflect-metadata');
    const { Module } = coreRequire('@nestjs/common');
    const { DiscoveryModule, NestFactory } = coreRequire('@nestjs/core');
    class Empty {}
    Module({ imports: [DiscoveryModule] })(Empty);
    await NestFactory.createApplicationContext(Empty, { logger: false });
  },
  'demo-app': () => require(path.join(ROOT, 'apps', 'demo', 'dist', 'app.module.js')),
};

async function load(steps) {
  for (const step of steps) {
    if (STEPS[step]) await STEPS[step]();
    else coreRequire(step.startsWith('core/') ? path.join(CORE, step.slice(5)) : step);
  }
}

/** A full, memory-reducing GC ("last resort": also shrinks the young generation), from JavaScript. */
function fullGc() {
  v8.setFlagsFromString('--expose-gc');
  require('node:vm').runInNewContext('gc')({ type: 'major', flavor: 'last-resort' });
}

function measure() {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const kib = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)[1]);
  return {
    rssKiB: kib('VmRSS'),
    rssAnonKiB: kib('RssAnon'),
    rssFileKiB: kib('RssFile'),
    memoryUsage: process.memoryUsage(),
    heapSpaces: Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size])),
    modules: Object.keys(require.cache).length,
  };
}

load((process.env.BENCH_LOAD ?? '').split(',').filter(Boolean)).then(
  () => {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('hello');
    });
    server.keepAliveTimeout = 5_000;
    server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send('ready'));
    process.on('message', (message) => {
      if (message !== 'measure') return;
      const measured = measure();
      // Then what stays after a memory-reducing full GC (as V8's memory reducer does in an idle process).
      fullGc();
      setTimeout(() => process.send({ measured, afterGc: measure() }), 500);
    });
  },
  (error) => {
    process.send({ failed: String(error?.stack ?? error) });
    process.exit(1);
  },
);
