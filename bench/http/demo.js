// Starts the demo as a user does: `shoal start --config apps/demo/shoal.config.ts`,
// here with 1 worker, the admin endpoint and every listener on a free loopback
// port, SCTP off, JSON logs, and the control socket in the given directory.
const { spawn } = require('node:child_process');
const { once } = require('node:events');
const http = require('node:http');
const path = require('node:path');
const { followLog } = require('../supervisor-log');
const { freePort } = require('./servers');

// SHOAL_BENCH_ROOT: another checkout (built) whose demo to start, e.g. the code before a change.
const ROOT = process.env.SHOAL_BENCH_ROOT ? path.resolve(process.env.SHOAL_BENCH_ROOT) : path.resolve(__dirname, '..', '..');
const SHOAL_BIN = path.join(ROOT, 'packages', 'core', 'bin', 'shoal.js');
const DEMO_CONFIG = path.join(ROOT, 'apps', 'demo', 'shoal.config.ts');
// The demo's listeners that run with SCTP off; each gets a free port.
const DEMO_LISTENERS = ['http', 'echo', 'udp', 'kv', 'kv-udp', 'https'];

const get = (port, p) =>
  new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${p} answered ${res.statusCode}`))));
      })
      .on('error', reject);
  });

/** The demo's JSON log lines (supervisor and worker share stdout), kept; a wait for one fails after 30 s. */
function logReader(child) {
  const { lines, waitFor } = followLog(child);
  return { lines, waitFor: (match, what, from = 0) => waitFor(match, 30_000, what, from) };
}

/**
 * Resolves once the demo is up (its "shoal is up" line). `onSpawn` gets the
 * handle before that, so that a caller can stop a demo whose start fails.
 * execArgv and env reach the supervisor, and through it the workers.
 */
async function startDemo(runtimeDir, { execArgv = [], env: extraEnv = {}, onSpawn = () => {} } = {}) {
  const env = {
    ...process.env,
    SHOAL_WORKERS: '1',
    SHOAL_ADMIN: '127.0.0.1:0',
    SHOAL_LOG_FORMAT: 'json',
    SHOAL_RUNTIME_DIR: runtimeDir,
    SHOAL_DEMO_SCTP_PORT: 'off',
    SHOAL_DEMO_SCTP_MANY_PORT: 'off',
    ...extraEnv,
  };
  const ports = {};
  for (const name of DEMO_LISTENERS) {
    ports[name] = await freePort();
    env[`SHOAL_LISTENER_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PORT`] = String(ports[name]);
  }
  const child = spawn(process.execPath, [...execArgv, SHOAL_BIN, 'start', '--config', DEMO_CONFIG], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const log = logReader(child);
  const demo = {
    child,
    log,
    workerPid: undefined,
    /** SIGTERM (a graceful stop); SIGKILL to the supervisor and its worker after 15 s. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        if (demo.workerPid) process.kill(demo.workerPid, 'SIGKILL');
      }, 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  onSpawn(demo);
  const up = await log.waitFor((e) => String(e.msg).startsWith('shoal is up'), '"shoal is up"');
  const adminPort = Number(new URL(up.admin).port);
  const before = Date.now();
  const status = JSON.parse(await get(adminPort, '/status'));
  const statusAt = (before + Date.now()) / 2;
  const unknown = Object.keys(status.listeners).filter((name) => !DEMO_LISTENERS.includes(name));
  if (unknown.length) throw new Error(`the demo has listeners this benchmark gives no port: ${unknown.join(', ')} (add them to DEMO_LISTENERS in bench/http/demo.js)`);
  const slot = status.slots[0];
  const ready = log.lines.find((e) => e.role === 'supervisor' && e.msg === 'worker ready' && e.workerPid === slot.pid);
  return Object.assign(demo, {
    adminPort,
    httpPort: ports.http,
    supervisorPid: status.pid,
    workerPid: slot.pid,
    // The first worker's boot: forked when /status answered minus its uptime; ready at the supervisor's log line.
    startBootMs: Math.round(Date.parse(ready.time) - (statusAt - slot.uptimeMs)),
  });
}

module.exports = { DEMO_LISTENERS, ROOT, get, startDemo };
