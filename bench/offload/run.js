#!/usr/bin/env node
// Offload benchmark: does a CPU-heavy request slow down the light requests
// served by the same worker? One Shoal worker serves /light to a few
// keep-alive clients while other clients keep heavy requests (PBKDF2) in
// flight, either offloaded to the worker's piscina pool or run on its event
// loop. Both sides run in every round (alternating order); the p99 latency of
// the light requests is compared within each round, and the median of the
// rounds' ratios (inline p99 / offload p99) is reported.
//
//   node bench/offload/run.js [--seconds 4] [--rounds 3] [--light 4] [--heavy 2] [--iterations 60000]
//
// Writes bench/results/offload.json.
const { fork } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const readline = require('node:readline');

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const settings = {
  seconds: Number(args.seconds ?? 4),
  rounds: Number(args.rounds ?? 3),
  lightClients: Number(args.light ?? 4),
  heavyClients: Number(args.heavy ?? 2),
  iterations: Number(args.iterations ?? 60_000),
  warmupMs: 500,
};

function startService() {
  const child = fork(path.join(__dirname, 'app.js'), [], {
    env: { ...process.env, ITERATIONS: String(settings.iterations) },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    detached: true,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the service did not come up in 30 s')), 30_000);
    readline.createInterface({ input: child.stdout }).on('line', (text) => {
      try {
        const line = JSON.parse(text);
        if (line.event === 'supervisor.up') {
          clearTimeout(timer);
          resolve({ child, port: line.listeners.http });
        }
      } catch {}
    });
    child.once('exit', (code) => reject(new Error(`the service exited with code ${code}`)));
  });
}

function get(agent, port, urlPath) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${urlPath}: HTTP ${res.statusCode}`))));
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`${urlPath} timed out`)));
    req.on('error', reject);
  });
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Light clients measure while heavy clients keep `heavyPath` busy; returns light latencies (ms) after warm-up. */
async function measure(port, heavyPath) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: settings.lightClients + settings.heavyClients });
  const end = Date.now() + settings.warmupMs + settings.seconds * 1000;
  const measureFrom = Date.now() + settings.warmupMs;
  const latencies = [];
  let heavyDone = 0;
  const heavy = Array.from({ length: settings.heavyClients }, async () => {
    while (Date.now() < end) {
      await get(agent, port, heavyPath);
      heavyDone++;
    }
  });
  const light = Array.from({ length: settings.lightClients }, async () => {
    while (Date.now() < end) {
      const start = performance.now();
      await get(agent, port, '/light');
      if (Date.now() >= measureFrom) latencies.push(performance.now() - start);
    }
  });
  await Promise.all([...heavy, ...light]);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), heavyPerSecond: heavyDone / (settings.seconds + settings.warmupMs / 1000) };
}

async function main() {
  const { child, port } = await startService();
  const rounds = [];
  try {
    // Every client on /light (no heavy work), for reference.
    const idle = await measure(port, '/light');
    for (let round = 0; round < settings.rounds; round++) {
      const order = round % 2 === 0 ? ['offload', 'inline'] : ['inline', 'offload'];
      const result = {};
      for (const mode of order) result[mode] = await measure(port, `/heavy/${mode}`);
      result.ratio = result.inline.p99 / result.offload.p99;
      rounds.push(result);
      console.log(
        `round ${round + 1}: light p99 with heavy requests offloaded ${result.offload.p99.toFixed(2)} ms, on the event loop ${result.inline.p99.toFixed(2)} ms ` +
          `-> inline/offload ${result.ratio.toFixed(1)}x (heavy req/s: offload ${result.offload.heavyPerSecond.toFixed(1)}, inline ${result.inline.heavyPerSecond.toFixed(1)})`,
      );
    }
    const ratios = rounds.map((r) => r.ratio).sort((a, b) => a - b);
    const median = ratios[Math.floor(ratios.length / 2)];
    console.log(`light p99 without heavy load: ${idle.p99.toFixed(2)} ms`);
    console.log(`median ratio (light p99 with heavy work inline / offloaded): ${median.toFixed(1)}x`);
    const out = path.join(__dirname, '..', 'results');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'offload.json'), JSON.stringify({ settings, idle, rounds, medianRatio: median, date: new Date().toISOString(), node: process.version }, null, 2));
  } finally {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
