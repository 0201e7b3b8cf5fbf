// The exactly-once stress run over Shoal's SCTP cluster listener, shared by
// the UML test (exactly-once.test.ts: a CI-sized run) and the soak
// (bench/sctp-soak: longer runs). Plain CommonJS, so that the soak runs it
// without a build; the types are in stress.d.ts.
//
// One Shoal cluster (2 workers, service.js) with a one-to-one and a
// one-to-many listener. For each style, clients (one association each) send
// requests (wire.js: a header with client, stream, per-stream sequence
// number, length and crc32 of the body) of random sizes (1 B to several times
// the addon's 64 KiB receive slot, many above it, some exactly at its
// multiples), on 16 streams, ordered or unordered; some ask for an echo of
// the body, some make the handler wait (its queue grows and the listener
// pauses reading), and clients pause their own reading at random. Meanwhile
// rolling reloads and SIGKILLs of workers come at random moments (after a
// random number of answers). Everything random comes from one seed: each
// client and the chaos have their own generator, so a seed gives the same
// messages and the same chaos plan (the timing still differs between runs).
//
// Checked, per client: every request answered exactly once, intact (the
// server checked the length and crc32; an echo is checked again here), on its
// stream, ordered requests in order per stream; no association lost. Allowed:
// a one-to-one association lost after the SIGKILL of a worker that served it
// (the client reconnects and goes on; what was in flight on it may be
// unanswered) and, on both styles, the requests in flight at the SIGKILL of a
// worker that served their association (that worker may have read them);
// those must still never arrive corrupted or twice.
'use strict';
const { spawn } = require('node:child_process');
const { EventEmitter } = require('node:events');
const { readFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { createInterface } = require('node:readline');
const { SctpSocket } = require('@shoal/sctp');
const wire = require('./wire');

const SERVICE = join(__dirname, 'service.js');
const STREAMS = 16;
const PPID = 46;
const SLOT = 64 * 1024;

/** The guest's CPU times so far (/proc/stat): what a reload's report compares, to tell a busy guest from a slow host. */
function cpuTimes() {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const n = fields.map(Number);
    return { idle: n[3] + (n[4] || 0), total: n.reduce((a, b) => a + b, 0) };
  } catch {
    return { idle: 0, total: 0 };
  }
}

const idleShare = (from, to) => (to.total > from.total ? `${Math.round((100 * (to.idle - from.idle)) / (to.total - from.total))}% idle` : '?');

/** mulberry32: a small seeded generator (same seed, same numbers). */
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** An integer in [min, max]. */
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (list) => list[Math.floor(next() * list.length)],
  };
}

/** A seed of its own for a part of the run (a client, the chaos), from the run's seed. */
const derive = (seed, salt) => (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(salt + 1, 0xc2b2ae35)) >>> 0;

/**
 * A body length: a mix biased to the tiny and the huge. Whole messages
 * (header included) at, just under and just over multiples of the 64 KiB
 * receive slot are drawn on purpose.
 */
function bodyLength(r, maxBody) {
  const x = r.next();
  if (x < 0.35) return r.int(1, 64);
  if (x < 0.55) return r.int(65, 4096);
  if (x < 0.67) return r.int(4097, SLOT - wire.HEADER - 2);
  if (x < 0.75) {
    const edge = r.int(1, Math.max(1, Math.floor((maxBody + wire.HEADER) / SLOT))) * SLOT + r.int(-1, 1) - wire.HEADER;
    return Math.max(1, Math.min(maxBody, edge));
  }
  // Above the slot, biased to its lower multiples (the mean stays near 2 slots).
  return SLOT + Math.floor((maxBody - SLOT) * r.next() ** 2);
}

const DEFAULTS = Object.freeze({
  seed: 0,
  styles: ['one-to-one', 'one-to-many'],
  clientsPerStyle: 4,
  /**
   * A client sends its requests in bursts of this many, the next burst once
   * all are answered (more than maxQueuedMessages: a slow handler in a burst
   * makes the listener pause reading).
   */
  window: 8,
  /**
   * Mean wait between a burst's last answer and the next burst (drawn from 0
   * to twice this). Paced: UML has one CPU, and saturating it makes every
   * reload several times slower (a Nest boot under trapped system calls).
   */
  paceMs: 3000,
  maxBodyBytes: 256 * 1024,
  unordered: 0.25,
  echo: 0.2,
  slowHandler: 0.08,
  slowHandlerMs: [20, 500],
  clientPause: 0.02,
  clientPauseMs: [50, 1000],
  maxQueuedMessages: 4,
  reloads: 10,
  kills: 3,
  /** When set, the chaos goes on (reloads and kills in the same proportion) until this much time passed. */
  durationMs: 0,
  /** Answers (all clients) between two chaos actions: a random number in this range. */
  gapAnswers: [10, 80],
  /**
   * Traffic each style must have sent by the end of the chaos: {sent,
   * aboveSlot, unordered}, or null. The chaos waits for its share before each
   * action (k/(n+1) of it before the k-th of n), so the volume is reached
   * across the reloads and kills however fast the host runs them.
   */
  minimumPerStyle: null,
  /** Generous: on a shared host a guest's worker boot took 85 s (it takes a few seconds alone). */
  reloadTimeoutMs: 300_000,
  /** Waiting for the last answers after the chaos. */
  settleMs: 120_000,
  /** The whole run, whatever happens. */
  guardMs: 600_000,
  log: (line) => console.log(line),
});

/** A Shoal cluster of service.js: its JSON log followed, reloads and kills. */
class StressCluster extends EventEmitter {
  static async start(config, upTimeoutMs = 300_000) {
    const proc = spawn(process.execPath, [SERVICE], {
      env: { ...process.env, SHOAL_TEST_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const cluster = new StressCluster(proc);
    try {
      const up = await cluster.next((l) => l.event === 'supervisor.up', upTimeoutMs);
      cluster.ports = up.listeners;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  constructor(proc) {
    super();
    this.setMaxListeners(0);
    this.proc = proc;
    this.ports = {};
    this.slots = new Map();
    this.stderr = [];
    this.exited = new Promise((resolve) => proc.once('close', (code, signal) => resolve({ code, signal })));
    createInterface({ input: proc.stdout }).on('line', (text) => {
      let line;
      try {
        line = JSON.parse(text);
      } catch {
        return;
      }
      if (line.event === 'worker.ready') this.slots.set(line.slot, line.workerPid);
      this.emit('log', line);
    });
    createInterface({ input: proc.stderr }).on('line', (text) => {
      this.stderr.push(text);
      if (this.stderr.length > 50) this.stderr.shift();
    });
  }

  /** The next log line that matches (rejects after timeoutMs, or when the supervisor exits). */
  next(predicate, timeoutMs) {
    return new Promise((resolve, reject) => {
      const done = (err, line) => {
        clearTimeout(timer);
        this.off('log', on);
        if (err) reject(err);
        else resolve(line);
      };
      const on = (line) => {
        if (predicate(line)) done(null, line);
      };
      const timer = setTimeout(() => done(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${this.stderr.slice(-10).join(' | ')}`)), timeoutMs);
      this.on('log', on);
      void this.exited.then(({ code, signal }) => done(new Error(`the supervisor exited (${code ?? signal}); stderr: ${this.stderr.slice(-10).join(' | ')}`)));
    });
  }

  /** The workers serving now (one per slot). */
  pids() {
    return [...this.slots.values()];
  }

  /** One rolling reload (SIGHUP): its reload.finished or reload.failed line. */
  reload(timeoutMs) {
    const end = this.next((l) => l.event === 'reload.finished' || l.event === 'reload.failed', timeoutMs);
    process.kill(this.proc.pid, 'SIGHUP');
    return end;
  }

  /** SIGKILL of a worker; resolves when its slot has a new ready worker. */
  kill(pid, timeoutMs) {
    const slot = [...this.slots].find(([, p]) => p === pid)?.[0];
    const ready = this.next((l) => l.event === 'worker.ready' && l.slot === slot && l.workerPid !== pid, timeoutMs);
    process.kill(pid, 'SIGKILL');
    return ready;
  }

  /** Kills the supervisor and its workers (a process group). */
  async stop() {
    try {
      process.kill(-this.proc.pid, 'SIGKILL');
    } catch {}
    await this.exited;
  }
}

/** The cluster's configuration: 2 workers, one listener per style, 16 streams, messages up to 1 MiB. */
function clusterConfig(o) {
  const listener = (style) => ({
    transport: 'sctp',
    host: '127.0.0.1',
    port: 0,
    options: { style, streams: STREAMS, maxMessageBytes: Math.max(1 << 20, 2 * (o.maxBodyBytes + wire.HEADER)), maxQueuedMessages: o.maxQueuedMessages },
  });
  return {
    workers: 2,
    admin: false,
    control: { path: join(tmpdir(), `shoal-stress-${process.pid}-${Date.now()}.sock`) },
    logLevel: 'info',
    drainTimeoutMs: 10_000,
    readyTimeoutMs: 90_000,
    // UML's one trapped CPU: a generous watchdog, no hang-reporter thread (as in cluster.test.ts).
    watchdog: { timeoutMs: 60_000, report: false },
    restart: { initialDelayMs: 200, maxCrashes: 1000, windowMs: 1000 },
    listeners: Object.fromEntries(o.styles.map((style) => [style, listener(style)])),
  };
}

/** One client: one association at a time (a new one after a loss), `window` requests in flight. */
class Client {
  constructor(run, style, id, port) {
    this.run = run;
    this.style = style;
    this.id = id;
    this.port = port;
    this.r = rng(derive(run.seed, id));
    this.local = `127.0.0.${2 + (id % 28)}`;
    this.streams = Array.from({ length: STREAMS }, () => ({ next: 0, sent: new Map(), ordered: [] }));
    this.sock = null;
    this.gen = 0;
    this.key = '';
    this.owners = new Set();
    this.outstanding = 0;
    this.sent = 0;
    this.sentAboveSlot = 0;
    this.sentUnordered = 0;
    this.answered = 0;
    this.bytesOut = 0;
    this.excusedLost = 0;
    this.reconnects = 0;
    this.paused = false;
    this.timers = new Set();
  }

  async connect() {
    this.gen++;
    const gen = this.gen;
    const sock = SctpSocket.connect({ address: '127.0.0.1', port: this.port, localAddress: this.local, options: { initMsg: { outStreams: STREAMS, maxInStreams: STREAMS } } });
    this.sock = sock;
    this.owners = new Set();
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`client ${this.id} (${this.style}): no association within 120 s`)), 120_000);
      sock.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      sock.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const local = sock.localAddresses()[0];
    this.key = `${local.address}:${local.port}`;
    this.run.byKey.set(`${this.style} ${this.key}`, this);
    sock.on('message', (m) => this.onMessage(m, gen));
    sock.on('error', (err) => this.lost(gen, `error ${err.code ?? err.message}`));
    sock.on('end', () => this.lost(gen, 'SHUTDOWN by the server'));
    sock.on('close', () => this.lost(gen, 'closed'));
    sock.on('notification', (n) => {
      if (n.type === 'assoc-change' && n.state !== 'COMM_UP') this.lost(gen, `assoc-change ${n.state}`);
    });
  }

  later(ms, fn) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  pump() {
    while (this.run.sending && this.sock !== null && this.outstanding < this.run.o.window) this.sendOne();
  }

  sendOne() {
    const o = this.run.o;
    const r = this.r;
    const stream = r.int(0, STREAMS - 1);
    const st = this.streams[stream];
    const seq = st.next++;
    const unordered = r.chance(o.unordered);
    const echo = r.chance(o.echo);
    const delayMs = r.chance(o.slowHandler) ? r.int(o.slowHandlerMs[0], o.slowHandlerMs[1]) : 0;
    const length = bodyLength(r, o.maxBodyBytes);
    const { data, crc } = wire.buildRequest({ client: this.id, stream, seq, bodyLength: length, unordered, echo, delayMs });
    const entry = { seq, length, crc, unordered, echo, gen: this.gen, sentAt: this.run.now(), state: 'out', excused: false };
    st.sent.set(seq, entry);
    if (!unordered) st.ordered.push(seq);
    this.outstanding++;
    this.sent++;
    if (length + wire.HEADER > SLOT) this.sentAboveSlot++;
    if (unordered) this.sentUnordered++;
    this.bytesOut += data.length;
    try {
      this.sock.send(data, { stream, ppid: PPID, unordered });
    } catch (err) {
      // The association went away under us: lost() reports it.
      this.lost(this.gen, `send failed: ${err.code ?? err.message}`);
    }
  }

  fail(kind, fields) {
    this.run.failure({ style: this.style, client: this.id, kind, ...fields });
  }

  onMessage(m, gen) {
    if (gen !== this.gen) return;
    const h = wire.parseHeader(m.data);
    if (h === null) {
      this.fail('corrupt answer', { stream: m.stream, detail: `${m.data.length} bytes without a header (first bytes ${m.data.subarray(0, 16).toString('hex')})` });
      return;
    }
    this.owners.add(h.word24);
    if (h.kind === wire.KIND.corrupt) {
      const report = JSON.parse(m.data.subarray(wire.HEADER).toString());
      const piece = report.piece ? `, bytes of client ${report.piece.client} stream ${report.piece.stream} seq ${report.piece.seq} from offset ${report.piece.offset}` : '';
      const which = report.header ? { stream: report.header.stream, seq: report.header.seq } : { stream: m.stream };
      this.fail('corrupt at server', { ...which, detail: `worker ${report.pid} got ${report.bytes} bytes on stream ${report.stream}: ${report.reason}${piece}`, bytes: report.bytes, piece: report.piece });
      if (report.piece && report.piece.client === this.id) this.suspect(report.piece);
      return;
    }
    const where = { stream: h.stream, seq: h.seq };
    if (h.client !== this.id) return this.fail('misdelivered', { ...where, detail: `answer for client ${h.client} arrived on client ${this.id}'s association` });
    if (m.stream !== h.stream) return this.fail('wrong stream', { ...where, detail: `answer arrived on stream ${m.stream}` });
    const st = this.streams[h.stream];
    const e = st?.sent.get(h.seq);
    if (e === undefined) return this.fail('never sent', { ...where, detail: `answer to seq ${h.seq}, which was never sent (next is ${st?.next})` });
    if (e.state === 'done') return this.fail('duplicate', { ...where, detail: `answered twice (${e.length} bytes, first answer by worker ${e.by}, now by worker ${h.word24})`, length: e.length });
    const problems = [];
    if (h.length !== e.length || h.word28 !== e.crc) problems.push(`server saw ${h.length} bytes crc ${wire.hex(h.word28)}, sent ${e.length} bytes crc ${wire.hex(e.crc)}`);
    if (h.kind === wire.KIND.echo) {
      const body = m.data.subarray(wire.HEADER);
      const crc = wire.crc32(body);
      if (body.length !== e.length || crc !== e.crc) problems.push(`echo has ${body.length} bytes crc ${wire.hex(crc)}, sent ${e.length} bytes crc ${wire.hex(e.crc)}`);
    } else if (e.echo || m.data.length !== wire.HEADER) problems.push(`answer of kind ${h.kind} with ${m.data.length} bytes (echo asked: ${e.echo})`);
    if (m.unordered !== e.unordered) problems.push(`answer ${m.unordered ? 'unordered' : 'ordered'}, request ${e.unordered ? 'unordered' : 'ordered'}`);
    if (m.ppid !== PPID) problems.push(`answer with PPID ${m.ppid}, request with ${PPID}`);
    const late = e.state === 'overtaken';
    if (e.state === 'out' && !e.excused) this.outstanding--;
    e.state = 'done';
    e.by = h.word24;
    this.answered++;
    this.run.answered++;
    if (problems.length > 0) this.fail('corrupt answer', { ...where, detail: problems.join('; '), length: e.length });
    if (late) this.fail('reordered', { ...where, detail: `answered after a later ordered request of its stream (${e.length} bytes)`, length: e.length });
    if (!e.unordered && !late) {
      // Ordered: every earlier ordered request of this stream must have been answered before it.
      while (st.ordered.length > 0 && st.ordered[0] !== h.seq) {
        const earlier = st.sent.get(st.ordered.shift());
        if (earlier.state !== 'out') continue;
        earlier.state = 'overtaken';
        if (earlier.excused) {
          this.excusedLost++;
          continue;
        }
        this.outstanding--;
        this.fail('missing or reordered', { stream: h.stream, seq: earlier.seq, detail: `not answered before seq ${h.seq} of its stream (${earlier.length} bytes sent ${this.run.context(earlier.sentAt)})`, length: earlier.length });
      }
      if (st.ordered[0] === h.seq) st.ordered.shift();
    }
    this.run.progress();
    if (this.r.chance(this.run.o.clientPause) && !this.paused) {
      this.paused = true;
      this.sock.pause();
      const sock = this.sock;
      this.later(this.r.int(this.run.o.clientPauseMs[0], this.run.o.clientPauseMs[1]), () => {
        this.paused = false;
        if (!sock.isClosed) sock.resume();
      });
    }
    if (this.outstanding === 0) this.later(this.r.int(0, 2 * this.run.o.paceMs), () => this.pump());
  }

  /** A piece of one of our messages arrived alone at the server: note which message (for the report). */
  suspect(piece) {
    const e = this.streams[piece.stream]?.sent.get(piece.seq);
    if (e !== undefined) e.piece = `its bytes from offset ${piece.offset} arrived at the server as a message of their own`;
  }

  /** A SIGKILL of worker `pid`: if it served this association, what is in flight may be lost. */
  killed(pid) {
    if (this.owners.size > 0 && !this.owners.has(pid)) return;
    for (const st of this.streams) {
      for (const e of st.sent.values()) {
        if (e.state !== 'out' || e.excused) continue;
        e.excused = true;
        this.outstanding--;
      }
    }
    // The burst may be over now (its rest may never be answered): the next one comes as after an answer.
    if (this.outstanding === 0) this.later(this.r.int(0, 2 * this.run.o.paceMs), () => this.pump());
  }

  lost(gen, why) {
    if (gen !== this.gen || this.sock === null) return;
    const sock = this.sock;
    this.sock = null;
    if (!sock.isClosed) sock.close();
    if (this.run.closing) return;
    const killedOwner = [...this.owners].find((p) => this.run.killed.has(p));
    const inFlight = [];
    for (const st of this.streams) for (const e of st.sent.values()) if (e.state === 'out' && e.gen === gen) inFlight.push(e);
    for (const e of inFlight) if (!e.excused) this.outstanding--;
    if (this.style === 'one-to-one' && killedOwner !== undefined) {
      for (const e of inFlight) e.excused = true;
      this.run.excusedAssociations++;
    } else {
      this.fail('association lost', {
        detail: `${why}; served by workers ${[...this.owners].join(', ') || '(unknown)'}; ${inFlight.length} requests in flight (${inFlight.slice(0, 6).map((e) => `stream ${this.streamOf(e)} seq ${e.seq}`).join(', ')}${inFlight.length > 6 ? ', ...' : ''})`,
      });
      // Reported once with the association, not again one by one.
      for (const e of inFlight) e.lostWithAssociation = true;
    }
    for (const e of inFlight) e.state = 'gone';
    this.reconnects++;
    void this.connect().then(
      () => this.pump(),
      (err) => this.fail('reconnect failed', { detail: String(err?.message ?? err) }),
    );
  }

  streamOf(e) {
    return this.streams.findIndex((st) => st.sent.get(e.seq) === e);
  }

  /** Requests still waiting that are owed an answer. */
  owed() {
    const list = [];
    this.streams.forEach((st, stream) => {
      for (const e of st.sent.values()) if (e.state === 'out' && !e.excused && !e.lostWithAssociation) list.push({ stream, e });
    });
    return list;
  }

  async close() {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const sock = this.sock;
    this.sock = null;
    if (sock !== null && !sock.isClosed) {
      sock.resume();
      await Promise.race([sock.end(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      if (!sock.isClosed) sock.close();
    }
  }
}

/** What the clients of a style have sent: requests, those above the receive slot, unordered ones. */
function sentBy(clients, style) {
  const totals = { sent: 0, aboveSlot: 0, unordered: 0 };
  for (const c of clients) {
    if (c.style !== style) continue;
    totals.sent += c.sent;
    totals.aboveSlot += c.sentAboveSlot;
    totals.unordered += c.sentUnordered;
  }
  return totals;
}

/** One run: the cluster, the clients of each style, the chaos; resolves with the report (it never throws for a failure of the product). */
async function runStress(options = {}) {
  const o = { ...DEFAULTS, ...options };
  const started = Date.now();
  const run = {
    o,
    seed: o.seed >>> 0,
    sending: true,
    closing: false,
    answered: 0,
    excusedAssociations: 0,
    killed: new Set(),
    byKey: new Map(),
    failures: [],
    events: [],
    waiters: new Set(),
    now: () => Date.now() - started,
    failure: (f) => {
      const at = run.now();
      const failure = { ...f, at, context: run.context(at) };
      run.failures.push(failure);
      // As they happen too: the log keeps them even if the run is cut short.
      if (run.failures.length <= 50) o.log(`[stress] ${formatFailure(failure)}`);
    },
    /** Where in the chaos a moment (ms since the start) fell: the last reload or kill before it. */
    context: (at) => {
      const last = [...run.events].reverse().find((ev) => ev.at <= at);
      if (last === undefined) return `at ${(at / 1000).toFixed(1)} s, before any reload or kill`;
      const since = ((at - last.at) / 1000).toFixed(1);
      if (last.what === 'reload' && (last.end === undefined || last.end > at)) return `at ${(at / 1000).toFixed(1)} s, during reload ${last.n} (begun ${since} s before)`;
      if (last.what === 'reload') return `at ${(at / 1000).toFixed(1)} s, ${((at - last.end) / 1000).toFixed(1)} s after reload ${last.n} finished`;
      return `at ${(at / 1000).toFixed(1)} s, ${since} s after the SIGKILL of worker ${last.pid} (kill ${last.n})`;
    },
    progress: () => {
      for (const w of [...run.waiters]) if (w.test()) w.resolve();
    },
    /** Resolves when `test` holds (checked after every answer), or after timeoutMs. */
    until: (test, timeoutMs) => new Promise((resolve) => {
      if (test()) return resolve(true);
      const w = {
        test,
        resolve: () => {
          clearTimeout(timer);
          run.waiters.delete(w);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        run.waiters.delete(w);
        resolve(false);
      }, timeoutMs);
      run.waiters.add(w);
    }),
  };
  o.log(`[stress] seed ${run.seed} (SHOAL_STRESS_SEED=${run.seed} repeats this run's messages and chaos plan: run-in-uml.sh env SHOAL_STRESS_SEED=${run.seed} sh test/uml/run-suite.sh test/uml/exactly-once.test.ts)`);
  let guardFired;
  const guardPromise = new Promise((resolve) => (guardFired = resolve));
  const guard = setTimeout(() => {
    run.failure({ style: '-', client: -1, kind: 'guard timeout', detail: `the run did not end within ${o.guardMs} ms` });
    run.guardHit = true;
    run.progress();
    for (const w of [...run.waiters]) w.resolve();
    guardFired({ event: 'guard timeout', error: { message: 'the guard timeout cut it short' } });
  }, o.guardMs);
  const reloads = [];
  let cluster;
  try {
    cluster = await StressCluster.start(clusterConfig(o));
  } catch (err) {
    clearTimeout(guard);
    run.failure({ style: '-', client: -1, kind: 'cluster did not start', detail: err.message });
    return { seed: run.seed, durationMs: Date.now() - started, reloads, kills: [], perStyle: {}, excusedAssociations: 0, failures: run.failures };
  }
  const kills = [];
  const clients = [];
  try {
    cluster.on('log', (line) => {
      if (line.event === 'stress.assoc-up') run.byKey.get(`${line.listener} ${line.remote}`)?.owners.add(line.pid);
      // Each step of a reload, timed: where a slow reload spends its time (a boot, a drain).
      const current = run.events[run.events.length - 1];
      if (line.event === 'reload.slot' && current?.what === 'reload') current.steps.push(`slot ${line.slot} ${line.phase} +${((run.now() - current.at) / 1000).toFixed(1)}s`);
    });
    let id = 0;
    for (const style of o.styles) {
      for (let i = 0; i < o.clientsPerStyle; i++) {
        const c = new Client(run, style, id++, cluster.ports[style]);
        await c.connect();
        clients.push(c);
      }
    }
    for (const c of clients) c.pump();
    o.log(`[stress] cluster up (workers ${cluster.pids().join(', ')}), ${clients.length} clients on ${o.styles.join(' and ')}`);

    // The chaos plan: reloads and kills shuffled (never a kill first, so that one reload comes before any kill).
    const chaos = rng(derive(run.seed, 0x7fff));
    const plan = [];
    const total = o.reloads + o.kills;
    for (let i = 0; i < total; i++) plan.push(i < o.reloads ? 'reload' : 'kill');
    for (let i = plan.length - 1; i > 1; i--) {
      const j = 1 + Math.floor(chaos.next() * i);
      [plan[i], plan[j]] = [plan[j], plan[i]];
    }
    if (plan[0] === 'kill') plan.push(plan.shift());
    const more = () => (chaos.int(0, o.reloads + o.kills - 1) < o.reloads ? 'reload' : 'kill');
    // Each style's share of minimumPerStyle, reached before going on (a stall is reported by the volume check, not here).
    const volume = async (share, when) => {
      const min = o.minimumPerStyle;
      if (min === null || run.guardHit) return;
      const short = () => o.styles.filter((style) => {
        const sent = sentBy(clients, style);
        return sent.sent < share * min.sent || sent.aboveSlot < share * min.aboveSlot || sent.unordered < share * min.unordered;
      });
      if (!(await run.until(() => short().length === 0 || run.guardHit, 120_000))) o.log(`[stress] ${short().join(' and ')} short of ${Math.round(share * 100)}% of the minimum traffic ${when} after 120 s: going on`);
    };
    for (let step = 0; !run.guardHit; step++) {
      const action = o.durationMs > 0 ? (step === 0 ? 'reload' : more()) : plan[step];
      if (action === undefined || (o.durationMs > 0 && run.now() >= o.durationMs)) break;
      const gap = chaos.int(o.gapAnswers[0], o.gapAnswers[1]);
      if (o.durationMs === 0) await volume((step + 1) / (plan.length + 1), `before ${action} ${step + 1}`);
      const target = run.answered + gap;
      // A stall is not judged here (a slow host is not a failure): what stays unanswered is listed at the end.
      if (!(await run.until(() => run.answered >= target || run.guardHit, 120_000))) o.log(`[stress] fewer than ${gap} answers within 120 s (${run.answered} so far): going on`);
      if (run.guardHit) break;
      if (action === 'reload') {
        const ev = { what: 'reload', n: reloads.length + 1, at: run.now(), steps: [] };
        const cpu = cpuTimes();
        run.events.push(ev);
        const line = await Promise.race([guardPromise, cluster.reload(o.reloadTimeoutMs)]).catch((err) => ({ event: 'reload.failed', error: { message: err.message } }));
        ev.end = run.now();
        reloads.push({ n: ev.n, ms: ev.end - ev.at, ok: line.event === 'reload.finished' });
        o.log(`[stress] reload ${ev.n}: ${line.event === 'reload.finished' ? 'finished' : `FAILED (${line.error?.message ?? '?'})`} in ${ev.end - ev.at} ms (${ev.steps.join(', ')}; guest CPU ${idleShare(cpu, cpuTimes())}), ${run.answered} answers so far`);
        if (line.event !== 'reload.finished') run.failure({ style: '-', client: -1, kind: 'reload failed', detail: `reload ${ev.n}: ${JSON.stringify(line.error ?? line)}` });
      } else {
        const pid = chaos.pick(cluster.pids());
        const ev = { what: 'kill', n: kills.length + 1, pid, at: run.now() };
        run.events.push(ev);
        run.killed.add(pid);
        for (const c of clients) c.killed(pid);
        const t0 = Date.now();
        const ready = await Promise.race([guardPromise.then(() => null), cluster.kill(pid, o.reloadTimeoutMs)]).catch((err) => {
          run.failure({ style: '-', client: -1, kind: 'restart failed', detail: `after the SIGKILL of worker ${pid}: ${err.message}` });
          return null;
        });
        kills.push({ n: ev.n, pid, ms: Date.now() - t0 });
        o.log(`[stress] kill ${ev.n}: SIGKILL worker ${pid}, replaced by ${ready?.workerPid ?? '(none)'} in ${Date.now() - t0} ms, ${run.answered} answers so far`);
        if (ready === null) break;
      }
    }

    await volume(1, 'after the chaos');
    // The end: no new requests; every request still owed an answer gets settleMs to get it.
    run.sending = false;
    const chaosEnd = run.now();
    const settled = await run.until(() => run.guardHit || clients.every((c) => c.owed().length === 0), o.settleMs);
    o.log(`[stress] chaos over at ${(chaosEnd / 1000).toFixed(1)} s; ${settled ? 'every owed answer arrived' : 'answers still owed'} ${((run.now() - chaosEnd) / 1000).toFixed(1)} s later`);
    for (const c of clients) {
      for (const { stream, e } of c.owed()) {
        c.fail('missing', { stream, seq: e.seq, detail: `${e.unordered ? 'unordered' : 'ordered'}, ${e.length} bytes, sent ${run.context(e.sentAt)}, never answered${e.piece ? `; ${e.piece}` : ''}`, length: e.length });
      }
    }
  } catch (err) {
    run.failure({ style: '-', client: -1, kind: 'run error', detail: String(err?.stack ?? err) });
  } finally {
    clearTimeout(guard);
    run.closing = true;
    run.sending = false;
    await Promise.all(clients.map((c) => c.close()));
    await cluster.stop();
  }
  const perStyle = Object.fromEntries(
    o.styles.map((style) => {
      const cs = clients.filter((c) => c.style === style);
      const sum = (f) => cs.reduce((n, c) => n + f(c), 0);
      const entries = cs.flatMap((c) => c.streams.flatMap((st) => [...st.sent.values()]));
      return [style, {
        ...sentBy(clients, style),
        answered: sum((c) => c.answered),
        bytesSent: sum((c) => c.bytesOut),
        excusedLost: entries.filter((e) => e.excused && e.state !== 'done').length,
        reconnects: sum((c) => c.reconnects),
        failures: run.failures.filter((f) => f.style === style).length,
      }];
    }),
  );
  return { seed: run.seed, durationMs: Date.now() - started, reloads, kills, perStyle, excusedAssociations: run.excusedAssociations, failures: run.failures };
}

function formatFailure(f) {
  const where = [f.client >= 0 ? `client ${f.client}` : null, f.stream !== undefined ? `stream ${f.stream}` : null, f.seq !== undefined ? `seq ${f.seq}` : null].filter(Boolean).join(' ');
  return `FAIL ${f.style} ${where}: ${f.kind}: ${f.detail} [${f.context}]`;
}

/** The report as lines: the counts per style, then the failures (at most `limit`), each with its details. */
function formatReport(report, limit = 80) {
  const lines = [`seed ${report.seed}: ${report.reloads.filter((r) => r.ok).length}/${report.reloads.length} reloads finished, ${report.kills.length} SIGKILLs, ${(report.durationMs / 1000).toFixed(1)} s`];
  lines.push(`reload times (ms): ${report.reloads.map((r) => r.ms).join(' ')}`);
  for (const [style, s] of Object.entries(report.perStyle)) {
    lines.push(`${style}: ${s.sent} sent (${s.aboveSlot} above 64 KiB, ${s.unordered} unordered, ${(s.bytesSent / 1e6).toFixed(1)} MB), ${s.answered} answered, ${s.excusedLost} unanswered after a SIGKILL (allowed), ${s.reconnects} reconnects, ${s.failures} failures`);
  }
  const byKind = new Map();
  for (const f of report.failures) byKind.set(`${f.style} ${f.kind}`, (byKind.get(`${f.style} ${f.kind}`) ?? 0) + 1);
  if (byKind.size > 0) lines.push(`failures by kind: ${[...byKind].map(([k, n]) => `${k} x${n}`).join(', ')}`);
  for (const f of report.failures.slice(0, limit)) lines.push(formatFailure(f));
  if (report.failures.length > limit) lines.push(`... and ${report.failures.length - limit} more failures`);
  return lines;
}

/** The seed: SHOAL_STRESS_SEED if set, else a fresh one. */
function seedFromEnv(env = process.env) {
  const given = env.SHOAL_STRESS_SEED;
  if (given !== undefined && given !== '') {
    const n = Number(given);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`SHOAL_STRESS_SEED must be an integer from 0 to 4294967295, got ${given}`);
    return n;
  }
  return Math.floor(Math.random() * 0x100000000) >>> 0;
}

module.exports = { DEFAULTS, runStress, formatReport, seedFromEnv, bodyLength, rng, StressCluster };
