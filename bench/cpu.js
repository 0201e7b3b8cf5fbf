// CPU time (user + system, every thread) of a process and all its
// descendants, from /proc (Linux). For a Shoal side the process is the
// supervisor: its workers count too. CPU per request compares how much work
// each side does for the same requests; unlike req/s it hardly moves when
// other jobs share the cores.
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');

let ticksPerSecond;
function clockTicks() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** The pids of `pid`'s children (of all its threads); none once it is gone. */
function childrenOf(pid) {
  let tasks;
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children = [];
  for (const task of tasks) {
    try {
      children.push(...fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    } catch {}
  }
  return children;
}

/** utime + stime of one process, in ticks (0 once it is gone). */
function ticksOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** Seconds of CPU that `pid` and its descendants running now have used so far. */
function cpuSeconds(pid) {
  let ticks = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const next = pending.pop();
    ticks += ticksOf(next);
    pending.push(...childrenOf(next));
  }
  return ticks / clockTicks();
}

module.exports = { cpuSeconds };
