#!/usr/bin/env node
// The cost of the dispatch path (packages/core/src/dispatch), in two parts.
//
// 1. micro: in this process, one handler call per iteration, for a
//    synchronous and an asynchronous handler: the bare call (the floor), the
//    path as the transports had it before the one dispatch path
//    (InstrumentedHandler.invoke, then isThenable and the payload check in the
//    transport; replicated here), and Dispatcher.dispatch. ns per call, the
//    median of the rounds, and the ratio dispatch / before. With --baseline,
//    also Dispatcher.dispatch of the built tree at DIR, loaded into this
//    process next to this tree's, and the ratio dispatch / baseline.
// 2. tcp (with --baseline DIR): framed TCP echo over loopback (a listener and
//    a client in one process, batches of 1000 lines), this tree against the
//    built tree at DIR (a checkout of the commit to compare with), both in
//    every round in alternating order; the ratio is taken within each round
//    and the median of the rounds' ratios is reported.
//
//   node bench/dispatch/run.js [--rounds 5] [--iterations 2000000] [--baseline /path/to/other/checkout] [--tcp-rounds 5]
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const rounds = Number(args.rounds ?? 5);
const iterations = Number(args.iterations ?? 2_000_000);
const tcpRounds = Number(args['tcp-rounds'] ?? 5);
const here = path.resolve(__dirname, '..', '..');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const { Dispatcher, HandlerTable, WorkerMetrics, createLogger, payloadReply } = require(path.join(here, 'packages/core'));

const spec = { name: 'bench', transport: 'tcp', host: '127.0.0.1', port: 0, options: {} };
const metrics = new WorkerMetrics().forListener(spec);
const logger = createLogger('silent', {});
let sink = 0;
const send = (value) => {
  sink += value.length;
};
const ctx = { id: 1 };
const frame = Buffer.from('ping');

/** The path before: InstrumentedHandler.invoke as it was, then the transport's own result handling. */
function beforePath(fn) {
  const duration = metrics.handlerDuration('message');
  const invoke = (...a) => {
    const start = performance.now();
    let result;
    try {
      result = fn(...a);
    } catch (err) {
      duration.observe((performance.now() - start) / 1000);
      throw err;
    }
    if (result !== null && typeof result?.then === 'function') {
      return result.then((value) => {
        duration.observe((performance.now() - start) / 1000);
        return value;
      });
    }
    duration.observe((performance.now() - start) / 1000);
    return result;
  };
  const isThenable = (value) => value !== null && typeof value === 'object' && typeof value.then === 'function';
  const isPayload = (value) => typeof value === 'string' || value instanceof Uint8Array;
  const reply = (value) => {
    if (value !== undefined && value !== null) {
      if (!isPayload(value)) throw new Error('invalid');
      send(value);
    }
  };
  return (f, c) => {
    let result;
    try {
      result = invoke(f, c);
    } catch {
      return undefined;
    }
    if (isThenable(result)) return result.then(reply);
    reply(result);
    return undefined;
  };
}

const baselineCore = args.baseline ? require(path.join(path.resolve(args.baseline), 'packages/core')) : undefined;

function afterPath(fn, core = { Dispatcher, HandlerTable }, handlerMetrics = metrics) {
  const table = new core.HandlerTable([{ listener: 'bench', event: 'message', options: {}, name: 'Bench.echo', fn }], handlerMetrics);
  const wire = {
    checkReply: payloadReply,
    reply(value) {
      if (value !== undefined && value !== null) send(value);
    },
    replyError() {},
  };
  const dispatcher = table.dispatcher('message', wire, { onHandlerError: 'reply', logger });
  if (!(dispatcher instanceof core.Dispatcher)) throw new Error('no dispatcher');
  // As a transport does: its own continuation after an asynchronous handler (TCP's onFrameSettled).
  const settled = () => undefined;
  return (f, c) => {
    const pending = dispatcher.dispatch(c, f, c);
    return pending === undefined ? undefined : pending.then(settled);
  };
}

function barePath(fn) {
  return (f, c) => {
    const value = fn(f, c);
    if (value !== null && typeof value === 'object' && typeof value.then === 'function') return value.then(send);
    send(value);
    return undefined;
  };
}

function timeSync(call, n) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) call(frame, ctx);
  return Number(process.hrtime.bigint() - start) / n;
}

async function timeAsync(call, n) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await call(frame, ctx);
  return Number(process.hrtime.bigint() - start) / n;
}

async function micro() {
  const rows = [];
  for (const mode of ['sync', 'async']) {
    const fn = mode === 'sync' ? (f) => f : async (f) => f;
    const n = mode === 'sync' ? iterations : Math.floor(iterations / 10);
    const variants = { bare: barePath(fn), before: beforePath(fn), dispatch: afterPath(fn) };
    if (baselineCore) variants.baseline = afterPath(fn, baselineCore, new baselineCore.WorkerMetrics().forListener(spec));
    const samples = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
    const names = Object.keys(variants);
    const time = (name) => (mode === 'sync' ? timeSync(variants[name], n) : timeAsync(variants[name], n));
    for (const name of names) await time(name); // warm-up: JIT
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? names : [...names].reverse();
      for (const name of order) samples[name].push(await time(name));
    }
    const ns = Object.fromEntries(names.map((name) => [name, Number(median(samples[name]).toFixed(1))]));
    const ratios = samples.dispatch.map((d, i) => d / samples.before[i]);
    const row = { handler: mode, 'bare ns': ns.bare, 'before ns': ns.before, 'dispatch ns': ns.dispatch, 'dispatch / before': Number(median(ratios).toFixed(3)), 'round ratios': ratios.map((r) => r.toFixed(2)).join(' ') };
    if (baselineCore) {
      const againstBaseline = samples.dispatch.map((d, i) => d / samples.baseline[i]);
      Object.assign(row, { 'baseline ns': ns.baseline, 'dispatch / baseline': Number(median(againstBaseline).toFixed(3)), 'baseline round ratios': againstBaseline.map((r) => r.toFixed(2)).join(' ') });
    }
    rows.push(row);
  }
  console.log(`micro: ${iterations} sync calls (a tenth for async) per sample, median of ${rounds} rounds${baselineCore ? `; baseline ${args.baseline}` : ''}`);
  console.table(rows);
}

function tcpSample(root, mode) {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'tcp-echo.js'), root, mode], { encoding: 'utf8' });
  const { messages, seconds } = JSON.parse(out.trim().split('\n').pop());
  return messages / seconds;
}

function tcp(baseline) {
  const rows = [];
  for (const mode of ['sync', 'async']) {
    const samples = { here: [], baseline: [] };
    for (let round = 0; round < tcpRounds; round++) {
      const order = round % 2 === 0 ? ['here', 'baseline'] : ['baseline', 'here'];
      for (const side of order) samples[side].push(tcpSample(side === 'here' ? here : baseline, mode));
    }
    const ratios = samples.here.map((r, i) => r / samples.baseline[i]);
    rows.push({
      handler: mode,
      'this tree msg/s': Math.round(median(samples.here)),
      'baseline msg/s': Math.round(median(samples.baseline)),
      'this / baseline': Number(median(ratios).toFixed(3)),
      'round ratios': ratios.map((r) => r.toFixed(2)).join(' '),
    });
  }
  console.log(`tcp: lines echo over loopback, 200 batches of 1000 lines per sample, ${tcpRounds} rounds; baseline ${baseline}`);
  console.table(rows);
}

(async () => {
  await micro();
  if (args.baseline && tcpRounds > 0) tcp(path.resolve(args.baseline));
  if (sink === -1) console.log(sink);
})();
