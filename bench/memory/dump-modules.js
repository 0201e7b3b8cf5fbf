// Preload (node --require bench/memory/dump-modules.js ...): on SIGUSR2 the
// process writes what it has loaded and its memory to
// $BENCH_DUMP_DIR/<role>-<pid>.json, then runs a memory-reducing full GC and
// writes its memory after it to <role>-<pid>.gc.json. `shoal start` passes its
// execArgv to its workers, so one --require covers the supervisor and every worker.
const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');

// Every source file read through fs.readFileSync: node's CJS loader reads them
// so, and so does jiti, whose modules (moduleCache: false) never reach require.cache.
const read = new Map();
const readFileSync = fs.readFileSync;
fs.readFileSync = function (file, ...rest) {
  if (typeof file === 'string' && /\.[cm]?[jt]s$/.test(file)) read.set(file, (read.get(file) ?? 0) + 1);
  return readFileSync.call(this, file, ...rest);
};

/** The package a loaded file belongs to: the last node_modules/<name> in its path, else the workspace package. */
function packageOf(file) {
  const parts = file.split(path.sep);
  const at = parts.lastIndexOf('node_modules');
  if (at >= 0) return parts[at + 1].startsWith('@') ? `${parts[at + 1]}/${parts[at + 2]}` : parts[at + 1];
  const ws = /\/(packages|apps)\/([^/]+)\//.exec(file);
  return ws ? `(workspace) ${ws[1]}/${ws[2]}` : '(other)';
}

function dump() {
  const byPackage = {};
  for (const file of Object.keys(require.cache)) {
    const pkg = packageOf(file);
    // Who brought the package in: the first file outside it that required a file of it.
    const parent = require.cache[file].parent?.filename;
    byPackage[pkg] ??= { files: 0, bytes: 0, loadedBy: parent && packageOf(parent) !== pkg ? parent : undefined };
    if (!byPackage[pkg].loadedBy && parent && packageOf(parent) !== pkg) byPackage[pkg].loadedBy = parent;
    byPackage[pkg].files += 1;
    try {
      byPackage[pkg].bytes += fs.statSync(file).size;
    } catch {}
  }
  const role = process.env.SHOAL_WORKER_SLOT !== undefined ? 'worker' : process.send ? 'child' : 'main';
  const out = {
    pid: process.pid,
    argv: process.argv.slice(1),
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('SHOAL_'))),
    rssKiB: Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]),
    memoryUsage: process.memoryUsage(),
    heapSpaces: Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }])),
    requireCacheFiles: Object.keys(require.cache).length,
    builtins: process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).length,
    internalBindings: process.moduleLoadList.filter((m) => m.startsWith('Internal Binding ')).length,
    packages: Object.fromEntries(Object.entries(byPackage).sort((a, b) => b[1].bytes - a[1].bytes)),
    files: Object.keys(require.cache),
    // Read but not in require.cache (jiti, or read as data), and files read more than once.
    readOutsideRequireCache: [...read.keys()].filter((f) => !require.cache[f]),
    readMoreThanOnce: [...read].filter(([, n]) => n > 1),
  };
  const file = path.join(process.env.BENCH_DUMP_DIR ?? '/tmp', `${role}-${process.pid}.json`);
  fs.writeFileSync(file, JSON.stringify(out, null, 2));
  return file;
}

// After the dump, a memory-reducing full GC (what V8's memory reducer does to an idle
// process, if it runs), then <role>-<pid>.gc.json with the memory after it.
process.on('SIGUSR2', () => {
  const file = dump();
  v8.setFlagsFromString('--expose-gc');
  const started = process.hrtime.bigint();
  require('node:vm').runInNewContext('gc')({ type: 'major', flavor: 'last-resort' });
  const gcMs = Number(process.hrtime.bigint() - started) / 1e6;
  setTimeout(() => {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const kib = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)[1]);
    const after = { rss: kib('VmRSS'), anon: kib('RssAnon'), file: kib('RssFile'), memoryUsage: process.memoryUsage(), gcMs };
    fs.writeFileSync(file.replace(/\.json$/, '.gc.json'), JSON.stringify(after));
  }, 500);
});
