#!/usr/bin/env node
// A load client for the reload tests, run inside the test's network namespace.
//   node load-client.js tcp <port> <connections>   sequenced request/response on line-framed connections
//   node load-client.js udp <port> <flows> <rate>  sequenced datagrams at <rate>/s per flow
//   node load-client.js h2 <url> <sessions> <streams>  HTTP/2 GETs, <streams> in flight per session
// Prints "started" once every connection, flow or session has had an answer.
// Runs until SIGTERM (then waits for what is in flight and prints one JSON line of
// results), and never longer than SHOAL_LOAD_MAX_SECONDS (default 300) nor past
// the death of the process that started it: it stops by itself.
const dgram = require('node:dgram');
const http2 = require('node:http2');
const net = require('node:net');

const [mode, portText, countText, rateText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
let stopping = false;
const MAX_FAILURES_KEPT = 100;
const startedAt = Date.now();
const stats = { mode, startedAt, sent: 0, answered: 0, wrong: 0, failures: [], reconnects: 0, retried: 0, pidsByFlow: {} };

function failed(what) {
  stats.failureCount = (stats.failureCount ?? 0) + 1;
  if (stats.failures.length < MAX_FAILURES_KEPT) stats.failures.push(what);
}

/** Flows answered at least once: "started" is printed when every flow has been, so that a test's first
 *  reload or upgrade finds every connection open on a worker (a flow that connects later misses that worker). */
const answeredOnce = new Set();
function firstAnswer(flow) {
  if (answeredOnce.has(flow)) return;
  answeredOnce.add(flow);
  if (answeredOnce.size === count) process.stdout.write('started\n');
}

function seenPid(flow, pid) {
  const pids = (stats.pidsByFlow[flow] ??= []);
  if (pids[pids.length - 1] !== pid) pids.push(pid);
  firstAnswer(flow);
}

/** One TCP client: ask, wait, ask again. A connection the server closes cleanly before answering is
 *  reopened and the request asked again (as real clients retry an idempotent request); a reset is a failure. */
function tcpClient(id) {
  let seq = 0;
  let pending = null;
  let socket;
  let buffer = '';
  const ask = () => {
    if (stopping) return finish();
    pending = `${id}:${++seq}`;
    stats.sent++;
    socket.write(`${pending}\n`);
  };
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  const finish = () => {
    socket?.end();
    done();
  };
  const connect = (first) => {
    buffer = '';
    socket = net.connect({ port, host: '127.0.0.1' });
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      if (!first) stats.reconnects++;
      if (pending) {
        stats.retried++;
        socket.write(`${pending}\n`);
      } else ask();
    });
    socket.on('data', (chunk) => {
      buffer += chunk;
      let i;
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        const [pid, echoed] = line.split(' ');
        if (echoed !== pending) stats.wrong++;
        else stats.answered++;
        seenPid(`tcp${id}`, Number(pid));
        pending = null;
        ask();
      }
    });
    let errored = false;
    socket.on('error', (error) => {
      errored = true;
      failed(`${id}: ${error.code ?? error.message}`);
      if (pending) stats.sent--; // counted as a failure instead
      pending = null;
      // A refused or reset connection: try again a little later (never a busy loop).
      if (!stopping) setTimeout(() => connect(false), 50);
      else done();
    });
    socket.on('close', () => {
      if (errored) return;
      if (stopping && !pending) return done();
      connect(false); // closed cleanly by the server (drain): reconnect, and ask again if unanswered
    });
  };
  connect(true);
  return finished;
}

async function runTcp() {
  await Promise.all(Array.from({ length: count }, (_, i) => tcpClient(i)));
}

/** After SIGTERM, how long a datagram still in flight may take to be answered before it counts as lost. */
const LAST_ANSWERS_LIMIT_MS = 3_000;

async function runUdp() {
  const rate = Number(rateText);
  let answered = () => {};
  const flows = Array.from({ length: count }, (_, id) => {
    const socket = dgram.createSocket('udp4');
    const outstanding = new Map(); // text -> ms after start it was sent
    socket.on('message', (message) => {
      const [pid, text] = message.toString().split(' ');
      if (!outstanding.delete(text)) stats.wrong++;
      else stats.answered++;
      seenPid(`udp${id}`, Number(pid));
      answered();
    });
    let seq = 0;
    const timer = setInterval(() => {
      const text = `${id}:${++seq}`;
      outstanding.set(text, Date.now() - startedAt);
      stats.sent++;
      socket.send(text, port, '127.0.0.1');
    }, 1000 / rate);
    return { socket, outstanding, timer };
  });
  await new Promise((resolve) => process.once('SIGTERM', resolve));
  for (const flow of flows) clearInterval(flow.timer);
  // The last answers: until every datagram sent is answered (or the limit, past which the rest are lost).
  await new Promise((resolve) => {
    const limit = setTimeout(resolve, LAST_ANSWERS_LIMIT_MS);
    answered = () => {
      if (flows.some((flow) => flow.outstanding.size > 0)) return;
      clearTimeout(limit);
      resolve();
    };
    answered();
  });
  for (const flow of flows) {
    for (const [text, sentAt] of flow.outstanding) failed(`lost ${text} sent at +${sentAt} ms`);
    flow.socket.close();
  }
}

/**
 * HTTP/2 as browsers and gRPC clients use it: a session per lane with
 * <streams> requests in flight. After a GOAWAY the lane opens a new session
 * for its next requests while the old one finishes its streams. A request the
 * server never processed (RFC 9113, 8.7) is sent again and counted apart:
 * refused (REFUSED_STREAM), or not sent because a GOAWAY came first. Any
 * other end without a 2xx answer is a failure.
 */
async function runH2() {
  const url = portText;
  const path = new URL(url).pathname;
  const streams = Number(rateText);
  stats.refused = 0;
  stats.notSent = 0;
  const lane = (id) => {
    let session;
    const current = () => {
      if (session === undefined || session.closed || session.destroyed) {
        if (session !== undefined) stats.reconnects++;
        session = http2.connect(url, { rejectUnauthorized: false });
        // A session error is reported through its streams; this keeps it from being thrown.
        session.on('error', () => {});
      }
      return session;
    };
    const ask = () =>
      new Promise((resolve) => {
        let req;
        try {
          req = current().request({ ':path': path });
        } catch (error) {
          // The session got its GOAWAY since: this request was never sent.
          if (error.code !== 'ERR_HTTP2_GOAWAY_SESSION' && error.code !== 'ERR_HTTP2_INVALID_SESSION') failed(`${id}: ${error.code ?? error.message}`);
          else stats.notSent++;
          session.close();
          session = undefined;
          return resolve();
        }
        stats.sent++;
        let status = 0;
        let body = '';
        req.setEncoding('utf8');
        req.on('response', (headers) => (status = headers[':status']));
        req.on('data', (chunk) => (body += chunk));
        req.on('error', () => {});
        req.on('close', () => {
          if (status >= 200 && status < 300 && req.rstCode === http2.constants.NGHTTP2_NO_ERROR) {
            stats.answered++;
            firstAnswer(`h2-${id}`);
          } else if (status === 0 && req.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) {
            stats.sent--;
            stats.refused++;
          } else failed(`${id}: status ${status}, stream ${req.id} closed with code ${req.rstCode} at ${new Date().toISOString()}${body ? `: ${body.slice(0, 200)}` : ''}`);
          resolve();
        });
        req.end();
      });
    const loop = async () => {
      while (!stopping) await ask();
    };
    return Promise.all(Array.from({ length: streams }, loop)).then(() => session?.close());
  };
  await Promise.all(Array.from({ length: count }, (_, id) => lane(id)));
}

process.once('SIGTERM', () => (stopping = true));
// Bounded in time, and gone with the test that started it.
const parent = process.ppid;
const maxMs = Number(process.env.SHOAL_LOAD_MAX_SECONDS ?? 300) * 1000;
const watchdog = setInterval(() => {
  if (process.ppid !== parent) process.exit(2);
  if (Date.now() - startedAt > maxMs && !stopping) process.kill(process.pid, 'SIGTERM');
}, 500);
watchdog.unref();
const runs = { tcp: runTcp, udp: runUdp, h2: runH2 };
runs[mode]().then(() => {
  process.stdout.write(`${JSON.stringify(stats)}\n`);
  process.exit(0);
});
