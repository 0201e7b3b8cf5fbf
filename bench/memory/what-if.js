// Preload for the demo (node --require bench/memory/what-if.js; `shoal start`
// passes it on to its workers): emulates changes to Shoal without changing it,
// to measure what they would save. BENCH_WHATIF_SUPERVISOR and
// BENCH_WHATIF_WORKER list, comma-separated, what the process does:
//   stub:<package>  never loads the package: require() returns an inert stand-in
//                   (what a lazy import gives when the feature is not used)
//   strip-config    loads the config with Node's own type stripping instead of jiti
//                   (from a copy whose relative imports are absolute .ts paths, as ESM needs)
//   json-config     loads neither jiti nor what the config imports: the config comes as JSON
//                   (from BENCH_CONFIG_JSON, which another, short-lived process wrote), as it
//                   would if a throwaway process evaluated shoal.config.ts for the long-lived ones
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const role = process.env.SHOAL_WORKER_SLOT !== undefined ? 'WORKER' : 'SUPERVISOR';
const changes = (process.env[`BENCH_WHATIF_${role}`] ?? '').split(',').filter(Boolean);
const stubbed = changes.filter((c) => c.startsWith('stub:')).map((c) => c.slice(5));

// Any property, call or construction gives the stand-in again; `await` does not hang on it.
const stub = new Proxy(function stub() {}, {
  get: (target, key) => (key === 'prototype' ? target.prototype : key === 'then' || key === '__esModule' || typeof key === 'symbol' ? undefined : stub),
  apply: () => stub,
  construct: () => stub,
});

/**
 * The config as Node can import it itself: a copy in bench/results/ (packages
 * resolve from bench/), its relative imports made absolute with their .ts extension.
 */
function strippable(file) {
  const dir = path.join(__dirname, '..', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const copy = path.join(dir, `${path.basename(file, '.ts')}.strip-${process.pid}.mts`);
  const text = fs.readFileSync(file, 'utf8').replace(/from '(\.\.?\/[^']+?)'/g, (all, spec) => {
    const target = path.resolve(path.dirname(file), `${spec}.ts`);
    return fs.existsSync(target) ? `from '${target}'` : all;
  });
  fs.writeFileSync(copy, text);
  return copy;
}

const nativeJiti = {
  createJiti: () => ({
    async import(file) {
      const copy = strippable(file);
      try {
        const loaded = await import(pathToFileURL(copy).href);
        return loaded.default ?? loaded;
      } finally {
        fs.rmSync(copy, { force: true });
      }
    },
  }),
};

const jsonJiti = {
  createJiti: () => ({ import: async () => JSON.parse(fs.readFileSync(process.env.BENCH_CONFIG_JSON, 'utf8')) }),
};

const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (changes.includes('strip-config') && request === 'jiti') return nativeJiti;
  if (changes.includes('json-config') && request === 'jiti') return jsonJiti;
  if (stubbed.some((pkg) => request === pkg || request.startsWith(`${pkg}/`))) return stub;
  return load.call(this, request, parent, isMain);
};
