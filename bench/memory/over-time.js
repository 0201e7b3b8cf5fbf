#!/usr/bin/env node
// RSS (anonymous + file-backed) of a bare node:http process and of the demo's
// worker and supervisor, once a second for --seconds after 20 requests: shows
// when V8's memory reducer shrinks the young generation the boot left grown.
//
//   node bench/memory/over-time.js [--seconds 30]
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { get, startDemo } = require('../http/demo');
const { startServer } = require('../http/servers');

const { values: flags } = parseArgs({ options: { seconds: { type: 'string', default: '30' } } });
const mib = (pid) => {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => (Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)[1]) / 1024).toFixed(0);
  return `${field('VmRSS')} (${field('RssAnon')}+${field('RssFile')})`.padEnd(14);
};

(async () => {
  const runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bench-'));
  let bare;
  let demo;
  try {
    bare = await startServer('raw-http.js');
    demo = await startDemo(runtimeDir, { onSpawn: (d) => (demo = d) });
    for (let i = 0; i < 20; i++) await Promise.all([get(bare.port, '/'), get(demo.httpPort, '/')]);
    const start = Date.now();
    console.log('s    bare MiB (anon+file)  worker          supervisor');
    for (let s = 0; s <= Number(flags.seconds); s++) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + s * 1000 - Date.now())));
      console.log(`${String(s).padEnd(4)} ${mib(bare.pid)}        ${mib(demo.workerPid)}  ${mib(demo.supervisorPid)}`);
    }
  } finally {
    await demo?.stop();
    await bare?.stop();
    fs.rmSync(runtimeDir, { recursive: true, force: true });
  }
})().catch((error) => {
  console.error(`bench: ${error.stack ?? error}`);
  process.exit(1);
});
