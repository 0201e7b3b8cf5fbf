// A Shoal supervisor's JSON log (its stdout), followed line by line: the
// benchmarks wait on its events (docs/cli.md, Logs) and time them, by the
// line's own clock (`t`, ms since the epoch) or by when it was read
// (`seenAt`, performance.now()).
const readline = require('node:readline');

/** Follows `child`'s stdout; returns every line read so far and a way to wait for one. */
function followLog(child) {
  const lines = [];
  const waiters = new Set();
  readline.createInterface({ input: child.stdout }).on('line', (text) => {
    let line;
    try {
      line = JSON.parse(text);
    } catch {
      return; // not a log line
    }
    line.t = Date.parse(line.time);
    line.seenAt = performance.now();
    lines.push(line);
    for (const waiter of [...waiters]) waiter(line);
  });

  /**
   * The first line that matches `predicate`, from line `from` of the log on:
   * by default the next one to come; 0 for any line already read too. Fails
   * after `timeoutMs`, or when the supervisor exits first, naming `what`.
   */
  function waitFor(predicate, timeoutMs, what, from = lines.length) {
    const past = lines.slice(from).find(predicate);
    if (past) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      const onExit = (code, signal) => done(new Error(`the supervisor exited (${signal ?? `code ${code}`}) while waiting for ${what}`));
      const check = (line) => predicate(line) && done(undefined, line);
      function done(error, line) {
        clearTimeout(timer);
        child.off('exit', onExit);
        waiters.delete(check);
        if (error) reject(error);
        else resolve(line);
      }
      waiters.add(check);
      child.once('exit', onExit);
    });
  }

  return { lines, waitFor };
}

module.exports = { followLog };
