'use strict';
// Runs inside User-Mode Linux (bench/sctp-cluster/run.sh): association set-up
// rate and message rate of a Shoal SCTP cluster with 1 and 2 workers against a
// single process serving the same echo with the addon alone, in interleaved
// rounds; prints the medians and the ratios (Shoal / single process), each
// ratio taken within a round. UML has one CPU: 2 workers cannot be faster
// than 1 there, so the ratios measure the framework's overhead.
const { spawn } = require('node:child_process');
const { createInterface } = require('node:readline');
const { join } = require('node:path');
const sctp = require('@shoal/sctp');

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SETUP_COUNT = Number(process.env.SETUP_COUNT ?? 300);
const MSG_SECONDS = Number(process.env.MSG_SECONDS ?? 4);
const ASSOCS = 8;
const STREAMS = 4;
const WINDOW = 4;

function startServer(kind) {
  const args = kind === 'single' ? ['single'] : ['shoal'];
  const config = {
    workers: kind === 'shoal-2' ? 2 : 1,
    admin: false,
    logLevel: 'info',
    drainTimeoutMs: 1000,
    listeners: {
      one: { transport: 'sctp', host: '127.0.0.1', port: 0, options: { style: 'one-to-one' } },
      many: { transport: 'sctp', host: '127.0.0.1', port: 0, options: { style: 'one-to-many' } },
    },
  };
  const proc = spawn(process.execPath, [join(__dirname, 'server.js'), ...args], {
    env: { ...process.env, SHOAL_TEST_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} did not start`)), 60_000);
    createInterface({ input: proc.stdout }).on('line', (line) => {
      let l;
      try {
        l = JSON.parse(line);
      } catch {
        return;
      }
      const ports = l.msg === 'ready' ? l.ports : l.msg?.startsWith('shoal is up') ? l.listeners : null;
      if (ports) {
        clearTimeout(timer);
        resolve({ ports, stop: () => new Promise((r) => { proc.once('exit', r); process.kill(-proc.pid, 'SIGKILL'); }) });
      }
    });
  });
}

function connect(port, i) {
  return new Promise((resolve, reject) => {
    const sock = sctp.SctpSocket.connect({ address: '127.0.0.1', port, localAddress: `127.0.0.${2 + (i % 28)}` });
    sock.once('connect', () => resolve(sock));
    sock.once('error', reject);
  });
}

/** Associations per second: set up, one request/response, graceful end; 8 at a time. */
async function setupRate(port) {
  let next = 0;
  const start = process.hrtime.bigint();
  const lane = async () => {
    while (next < SETUP_COUNT) {
      const i = next++;
      const sock = await connect(port, i);
      await new Promise((resolve) => {
        sock.once('message', resolve);
        sock.send('hello');
      });
      await sock.end();
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  return SETUP_COUNT / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** Messages per second (requests answered): 8 associations x 4 streams x 4 in flight, for MSG_SECONDS. */
async function messageRate(port) {
  const socks = await Promise.all(Array.from({ length: ASSOCS }, (_, i) => connect(port, i)));
  const payload = Buffer.alloc(64, 7);
  let answered = 0;
  let running = true;
  for (const sock of socks) {
    sock.on('message', (m) => {
      answered++;
      if (running) sock.send(payload, { stream: m.stream });
    });
  }
  await new Promise((r) => setTimeout(r, 300)); // warm-up excluded below
  const start = process.hrtime.bigint();
  const base = answered;
  for (const sock of socks) for (let s = 0; s < STREAMS; s++) for (let w = 0; w < WINDOW; w++) sock.send(payload, { stream: s });
  await new Promise((r) => setTimeout(r, MSG_SECONDS * 1000));
  const rate = (answered - base) / (Number(process.hrtime.bigint() - start) / 1e9);
  running = false;
  await Promise.all(socks.map((s) => s.end()));
  return rate;
}

async function main() {
  console.log(`[bench] kernel ${require('node:os').release()}, node ${process.version}, ${require('node:os').availableParallelism()} CPU; ${ROUNDS} rounds, ${SETUP_COUNT} set-ups, ${MSG_SECONDS} s of messages`);
  const kinds = ['single', 'shoal-1', 'shoal-2'];
  const rows = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const kind of kinds) {
      const server = await startServer(kind);
      const r = {
        round, kind,
        setup: await setupRate(server.ports.one),
        msgOne: await messageRate(server.ports.one),
        msgMany: await messageRate(server.ports.many),
      };
      await server.stop();
      rows.push(r);
      console.log(JSON.stringify(r));
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const metrics = [['setup', 'assoc set-ups/s (one-to-one)'], ['msgOne', 'messages/s one-to-one'], ['msgMany', 'messages/s one-to-many']];
  const pad = (s, n) => String(s).padStart(n);
  console.log(`\n${'benchmark'.padEnd(30)}${pad('single', 9)}${pad('shoal 1w', 10)}${pad('shoal 2w', 10)}${pad('1w/single', 11)}${pad('2w/single', 11)}   (medians of ${ROUNDS} rounds)`);
  for (const [key, label] of metrics) {
    const of = (kind) => rows.filter((r) => r.kind === kind);
    const rate = (kind) => Math.round(median(of(kind).map((r) => r[key])));
    const ratio = (kind) => median(of(kind).map((r) => r[key] / rows.find((x) => x.kind === 'single' && x.round === r.round)[key])).toFixed(2);
    console.log(`${label.padEnd(30)}${pad(rate('single'), 9)}${pad(rate('shoal-1'), 10)}${pad(rate('shoal-2'), 10)}${pad(ratio('shoal-1'), 11)}${pad(ratio('shoal-2'), 11)}`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
