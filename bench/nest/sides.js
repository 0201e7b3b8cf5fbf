// The three ways of running the Nest app of the benchmarks, each with
// start(), reload() and stop(): Shoal (`shoal start`, JSON config in a temp
// dir, `shoal reload`), node:cluster (cluster.js) and PM2 in cluster mode (the
// pm2 binary of bench/node_modules, with its own PM2_HOME in a temp dir). Every
// process is stopped by its own pid, never by name.
const { spawn } = require('node:child_process');
const { once } = require('node:events');
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { track } = require('../children');
const { followLog } = require('../supervisor-log');
const { freePort } = require('../http/servers');
const { PATH, BODY } = require('./app');

const SHOAL_BIN = require.resolve('@shoal/core/bin/shoal.js');
const PM2_BIN = path.join(__dirname, '..', 'node_modules', '.bin', 'pm2');
/** The node that runs this script runs every side (the .bin shims look `node` up in PATH). */
const NODE_ENV_PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a command to its end (bounded by timeoutMs); resolves with its exit code and output. */
function run(command, argv, { env = {}, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(command, argv, { env: { ...process.env, PATH: NODE_ENV_PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(command)} ${argv.join(' ')}: no end within ${timeoutMs} ms\n${out}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/**
 * One GET of the benchmark's path: its status and body, or null when nothing
 * answered. `ca`: over HTTPS (HTTP/1.1), the server's certificate verified
 * against this PEM for the name localhost.
 */
function get(port, ca) {
  return new Promise((resolve) => {
    const options = { host: '127.0.0.1', port, path: PATH, agent: false, timeout: 2000 };
    const req = (ca === undefined ? http : https).get(ca === undefined ? options : { ...options, ca, servername: 'localhost' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

/** Checks that the side answers the benchmark's request as the others do (`ca`: over HTTPS, see get()). */
async function checkAnswer(label, port, ca) {
  const answer = await get(port, ca);
  if (answer?.status !== 200 || answer.body !== BODY) {
    throw new Error(`${label} answered GET ${PATH} with ${answer ? `${answer.status} ${answer.body}` : 'nothing'}; expected 200 ${BODY}`);
  }
}

/**
 * Shoal: `shoal start <app> --config <json>`, `workers` workers, the listener
 * `web` on `platform` ('fastify', 'express', or null for Shoal's own router:
 * then `app` must bring @OnRequest handlers), with the listener options of
 * `options` besides (`tls`, `http2`...; with `tls`, the answer is checked over
 * HTTPS against its certificate). Waits for the supervisor's `supervisor.up`
 * log line.
 */
async function startShoal({ app, platform, workers, options = {} }) {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bench-nest-'));
  const control = path.join(dir, 'control.sock');
  const listener = { transport: 'http', host: '127.0.0.1', port };
  if (platform || Object.keys(options).length > 0) listener.options = { ...(platform && { platform }), ...options };
  const config = { name: 'nestbench', workers, admin: false, control: { path: control }, logLevel: 'info', listeners: { web: listener } };
  const file = path.join(dir, 'shoal.config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const child = track(
    spawn(process.execPath, [SHOAL_BIN, 'start', path.join(__dirname, app), '--config', file], {
      env: { ...process.env, SHOAL_RUNTIME_DIR: dir, SHOAL_LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const exited = once(child, 'close');
  const stderr = [];
  readline.createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
  const { lines, waitFor } = followLog(child);
  await waitFor((line) => line.event === 'supervisor.up', 60_000, 'supervisor.up', 0).catch((error) => {
    throw new Error(`shoal start: ${error.message}\n${stderr.join('\n')}`);
  });
  await checkAnswer('Shoal', port, options.tls && fs.readFileSync(options.tls.cert, 'utf8'));
  return {
    port,
    /** The supervisor's (its workers are its children). */
    pid: child.pid,
    lines,
    /** `shoal reload`: one rolling reload; resolves once it finished, with its duration. */
    async reload() {
      const startedAt = Date.now();
      const { code, out } = await run(process.execPath, [SHOAL_BIN, 'reload', '--socket', control], { env: { SHOAL_RUNTIME_DIR: dir } });
      if (code !== 0) throw new Error(`shoal reload exited with code ${code}\n${out}`);
      return { ms: Date.now() - startedAt };
    },
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** node:cluster: cluster.js, `workers` workers running main.js on `platform`. */
async function startCluster({ platform, workers }) {
  const port = await freePort();
  const child = track(
    spawn(process.execPath, [path.join(__dirname, 'cluster.js')], {
      env: { ...process.env, PORT: String(port), PLATFORM: platform, WORKERS: String(workers) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    }),
  );
  const exited = once(child, 'exit');
  let timer;
  const [message] = await Promise.race([
    once(child, 'message'),
    exited.then(([code]) => {
      throw new Error(`cluster.js exited with code ${code} before it was ready`);
    }),
    new Promise((_, reject) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('cluster.js: not ready within 60 s'));
      }, 60_000);
    }),
  ]).finally(() => clearTimeout(timer));
  if (message !== 'ready') throw new Error(`cluster.js said ${JSON.stringify(message)}`);
  await checkAnswer('node:cluster', port);
  return {
    port,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * PM2's daemon, in a PM2_HOME of its own under the temp dir. One daemon
 * serves a whole run (it is idle while the other sides run); kill() ends it
 * with `pm2 kill`, then by its pid if it is still there.
 */
class Pm2 {
  /** pmx: PM2's instrumentation of each instance (@pm2/io: HTTP latency metrics, event loop...), on by PM2's default. */
  constructor({ pmx = true } = {}) {
    this.pmx = pmx;
    this.home = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bench-pm2-'));
    this.apps = 0;
  }

  pm2(...argv) {
    return run(PM2_BIN, argv, { env: { PM2_HOME: this.home }, timeoutMs: 120_000 });
  }

  async version() {
    return (await this.pm2('--version')).out.trim().split('\n').pop();
  }

  /**
   * `pm2 start` of main.js in cluster mode, `instances` instances on
   * `platform`, from an ecosystem file; waits until each instance is online
   * and the port answers.
   */
  async start({ platform, instances }) {
    const port = await freePort();
    const name = `nest-bench-${++this.apps}`;
    const ecosystem = path.join(this.home, `${name}.json`);
    const app = { name, script: path.join(__dirname, 'main.js'), exec_mode: 'cluster', instances, pmx: this.pmx, env: { PORT: String(port), PLATFORM: platform } };
    fs.writeFileSync(ecosystem, JSON.stringify({ apps: [app] }));
    const started = await this.pm2('start', ecosystem);
    if (started.code !== 0) throw new Error(`pm2 start exited with code ${started.code}\n${started.out}`);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { out } = await this.pm2('jlist');
      const list = JSON.parse(out.slice(out.indexOf('[')));
      const online = list.filter((p) => p.name === name && p.pm2_env.status === 'online').length;
      if (online === instances && (await get(port))?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`pm2: ${online} of ${instances} instances online after 60 s\n${fs.readdirSync(path.join(this.home, 'logs')).join(', ')}`);
      await sleep(250);
    }
    await checkAnswer('PM2', port);
    const pm2 = (...argv) => this.pm2(...argv);
    return {
      port,
      /** `pm2 reload <name>`: replaces the instances one by one; resolves when the command returns. */
      async reload() {
        const startedAt = Date.now();
        const { code, out } = await pm2('reload', name);
        if (code !== 0) throw new Error(`pm2 reload exited with code ${code}\n${out}`);
        return { ms: Date.now() - startedAt };
      },
      async stop() {
        const { code, out } = await pm2('delete', name);
        if (code !== 0) throw new Error(`pm2 delete exited with code ${code}\n${out}`);
      },
    };
  }

  /** Stops the daemon (and whatever it still runs) and removes PM2_HOME. Safe to call twice. */
  async kill() {
    if (!fs.existsSync(this.home)) return;
    const pidFile = path.join(this.home, 'pm2.pid');
    const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8')) : null;
    if (pid) await this.pm2('kill').catch(() => {});
    this.killNow(pid);
  }

  /** Synchronous last resort (also on process exit): SIGKILL the daemon by its pid file, remove PM2_HOME. */
  killNow(pid = null) {
    const pidFile = path.join(this.home, 'pm2.pid');
    pid ??= fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8')) : null;
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}

module.exports = { startShoal, startCluster, Pm2, run, checkAnswer, PM2_BIN };
