// Every child process the benchmarks start (servers, supervisors, load
// clients) is tracked here, so that whatever ends a run (an error, Ctrl-C, a
// bug) leaves none behind: at exit, each one still running gets SIGKILL by its
// own pid. A Shoal supervisor killed this way takes its workers along (they
// exit when its IPC channel closes).
const live = new Set();

/** Tracks `child` until it exits; returns it. */
function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

process.on('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {}
  }
});

module.exports = { track };
