// The commit a benchmark measured, for its report: null outside a git checkout.
const { execFileSync } = require('node:child_process');

function commit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: __dirname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

module.exports = { commit };
