#!/usr/bin/env node
// A WebSocket load client for the reload tests, run inside the test's network namespace.
//   node ws-client.js <url> <clients> <window> [paceMs]
// Each client sends numbered echo messages ({ event: 'echo', data: { c, n } }), keeping
// <window> of them unanswered at a time (the next one sent paceMs after an answer, default 0,
// so that the load does not take every core from the workers it tests), and checks that the answers come in order, each
// once. A connection the server closes with 1001 (going away) is opened again, and the
// messages it had not answered are sent again: the server answers every message it took
// before closing, so these were never taken. Any other close is a failure. A handshake
// answered 503 (a worker that had just begun to drain took the TCP connection) is tried
// again at once, as the Retry-After says, and counted apart: no WebSocket was open.
// Prints "started" once every client has had its first answer (so each client's list of
// worker pids starts at a worker that was there before the test's reloads).
// Runs until SIGTERM (then each client sends one last message, waits for it and for what
// is in flight, so that its list of pids ends at the worker it is on, and the process
// prints one JSON line of results), and never longer than SHOAL_LOAD_MAX_SECONDS (default 300) nor past the
// death of the process that started it.
const WebSocket = require('ws');

const [url, countText, windowText, paceText = '0'] = process.argv.slice(2);
const count = Number(countText);
const window = Number(windowText);
const paceMs = Number(paceText);
const startedAt = Date.now();
const MAX_FAILURES_KEPT = 100;
let stopping = false;
const stats = { sent: 0, answered: 0, resent: 0, reconnects: 0, refusedHandshakes: 0, closes: {}, failures: [], failureCount: 0, pidsByClient: {} };

function failed(what) {
  stats.failureCount++;
  if (stats.failures.length < MAX_FAILURES_KEPT) stats.failures.push(what);
}

function client(id) {
  let next = 1; // the next number to send
  let expected = 1; // the next number to be answered
  let ws;
  let lastSent = false; // after SIGTERM: the one last message, whose answer names the worker the client is on
  let answeredOnce = false;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  const pids = (stats.pidsByClient[id] = []);
  kicks.push(() => ws.readyState === WebSocket.OPEN && fill());

  const fill = () => {
    while (!stopping && next - expected < window && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ event: 'echo', data: { c: id, n: next++ } }));
      stats.sent++;
    }
    if (stopping && !lastSent && ws.readyState === WebSocket.OPEN) {
      lastSent = true;
      ws.send(JSON.stringify({ event: 'echo', data: { c: id, n: next++ } }));
      stats.sent++;
    }
    if (stopping && expected === next) {
      ws.close(1000);
    }
  };

  const open = (first) => {
    ws = new WebSocket(url);
    let opened = false;
    let refused = false;
    ws.on('open', () => {
      opened = true;
      if (!first) stats.reconnects++;
      // Messages the server did not take before its 1001: sent again, in order.
      for (let n = expected; n < next; n++) {
        ws.send(JSON.stringify({ event: 'echo', data: { c: id, n } }));
        stats.resent++;
      }
      fill();
    });
    ws.on('message', (text) => {
      const { event, data } = JSON.parse(text.toString());
      if (event !== 'echo' || data.data.c !== id || data.data.n !== expected) {
        failed(`client ${id}: expected answer ${expected}, got ${text.toString().slice(0, 200)}`);
        expected = Math.max(expected, (data?.data?.n ?? expected) + 1);
      } else {
        expected++;
        stats.answered++;
      }
      if (pids[pids.length - 1] !== data.pid) pids.push(data.pid);
      if (!answeredOnce) {
        answeredOnce = true;
        firstAnswer();
      }
      if (paceMs > 0 && !stopping) setTimeout(() => ws.readyState === WebSocket.OPEN && fill(), paceMs);
      else fill();
    });
    ws.on('error', (error) => {
      if (!opened && /Unexpected server response: 503/.test(error.message)) {
        refused = true;
        stats.refusedHandshakes++;
      } else {
        failed(`client ${id}: ${error.code ?? error.message}`);
      }
    });
    ws.on('close', (code) => {
      if (refused) return setTimeout(() => open(first), 0);
      stats.closes[code] = (stats.closes[code] ?? 0) + 1;
      if (code === 1000 && stopping) return done();
      if (code !== 1001) failed(`client ${id}: closed with ${code} after answer ${expected - 1}`);
      if (stopping && expected === next) return done();
      // Going away (or broken): open again, a little later after a failure.
      setTimeout(() => open(first && !opened), code === 1001 ? 0 : 50);
    });
  };
  open(true);
  return finished;
}

/** Each client's nudge at SIGTERM: one with nothing in flight closes at once. */
const kicks = [];

/** After SIGTERM, how long the answers still in flight may take. */
const LAST_ANSWERS_LIMIT_MS = 10_000;

process.once('SIGTERM', () => {
  stopping = true;
  for (const kick of kicks) kick();
  setTimeout(() => {
    failed('answers still missing after the last-answers limit');
    report();
  }, LAST_ANSWERS_LIMIT_MS).unref();
});

function report() {
  process.stdout.write(`${JSON.stringify(stats)}\n`);
  process.exit(0);
}

// Bounded in time, and gone with the test that started it.
const parent = process.ppid;
const maxMs = Number(process.env.SHOAL_LOAD_MAX_SECONDS ?? 300) * 1000;
const watchdog = setInterval(() => {
  if (process.ppid !== parent) process.exit(2);
  if (Date.now() - startedAt > maxMs && !stopping) process.kill(process.pid, 'SIGTERM');
}, 500);
watchdog.unref();

let waitingForFirstAnswer = count;
function firstAnswer() {
  if (--waitingForFirstAnswer === 0) process.stdout.write('started\n');
}

Promise.all(Array.from({ length: count }, (_, i) => client(i))).then(report);
