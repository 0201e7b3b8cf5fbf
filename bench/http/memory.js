#!/usr/bin/env node
// Resident memory of the demo's supervisor and of one idle demo worker, each
// against a bare node:http process measured in the same run.
//
//   node bench/http/memory.js
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const readline = require('node:readline');
const { freePort, startServer } = require('./servers');

const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const get = (port, p) =>
  new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
const settle = () => new Promise((resolve) => setTimeout(resolve, 2_000));

async function startDemo() {
  const env = { ...process.env, SHOAL_WORKERS: '1', SHOAL_ADMIN: '127.0.0.1:0' };
  for (const name of ['SHOAL_DEMO_HTTP_PORT', 'SHOAL_DEMO_TCP_PORT', 'SHOAL_DEMO_UDP_PORT']) env[name] = String(await freePort());
  const child = spawn(process.execPath, [path.join(__dirname, '..', '..', 'apps', 'demo', 'dist', 'main.js')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const up = await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const entry = JSON.parse(line);
        if (String(entry.msg).startsWith('shoal is up')) resolve(entry);
      } catch {}
    });
    child.once('exit', (code) => reject(new Error(`demo exited with code ${code}`)));
  });
  const status = JSON.parse(await get(new URL(up.admin).port, '/status'));
  return { child, httpPort: Number(env.SHOAL_DEMO_HTTP_PORT), workerPid: status.slots[0].pid };
}

(async () => {
  const bare = await startServer('raw-http.js');
  const demo = await startDemo();
  for (let i = 0; i < 20; i++) {
    await get(bare.port, '/');
    await get(demo.httpPort, '/');
  }
  await settle();
  const bareRss = rssKiB(bare.pid);
  const worker = rssKiB(demo.workerPid);
  const supervisor = rssKiB(demo.child.pid);
  demo.child.kill('SIGTERM');
  await bare.stop();
  const row = (name, kib) => `${name.padEnd(34)} ${(kib / 1024).toFixed(1).padStart(7)} MiB   ${(kib / bareRss).toFixed(2)}x bare`;
  console.log(row('bare node:http process', bareRss));
  console.log(row('idle demo worker (HTTP+TCP+UDP)', worker));
  console.log(row('supervisor (1 slot, admin on)', supervisor));
  const dir = path.join(__dirname, '..', 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'memory.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, rssKiB: { bare: bareRss, worker, supervisor }, ratios: { worker: worker / bareRss, supervisor: supervisor / bareRss } }, null, 2));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
