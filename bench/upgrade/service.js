// The service under test of bench/upgrade (app.js), started as `shoal start`
// would be, with its log followed.
const { spawn } = require('node:child_process');
const path = require('node:path');
const { track } = require('../children');
const { followLog } = require('../supervisor-log');

/** Starts app.js with `env`; resolves with its process and log once a supervisor logs 'shoal is up'. */
async function startService(env) {
  const child = track(spawn(process.execPath, [path.join(__dirname, 'app.js')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] }));
  const log = followLog(child);
  await log.waitFor((line) => line.event === 'supervisor.up', 30_000, 'supervisor.up', 0);
  return { child, log };
}

module.exports = { startService };
