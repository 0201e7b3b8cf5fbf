#!/usr/bin/env node
// What Nest's enhancers cost a Shoal handler (docs/dispatch.md, "Nest's
// enhancers on Shoal handlers"): the same TCP echo handler (lines framing,
// one listener and one client in this process, batches of 1000 lines over
// loopback) found by the worker's discovery in a real Nest application
// context, three times:
//
//   plain        no enhancer: discovery keeps the plain bound method
//   async        no enhancer, an async method (the floor of any handler
//                that returns a promise, as every wrapped one does)
//   guard        @UseGuards of a guard that lets everything through
//   interceptor  @UseInterceptors of an interceptor that passes the reply on
//
// Every variant runs in every round, in alternating order; the ratio to
// plain is taken within each round and the median of the rounds' ratios is
// reported, with messages/s (median of the rounds).
//
// Then, in this process without sockets, what Shoal adds to Nest's own
// pipeline: for the guard and the interceptor, the function Nest's
// ExternalContextCreator.create() returns called directly, against the
// wrapper discovery gave the binding (which calls it, in a ShoalCall, and
// reduces its value); ns per awaited call, median of the rounds, and the
// ratio wrapper / Nest's within each round.
//
//   node bench/dispatch/enhancers.js [--rounds 7] [--batches 100] [--calls 50000]
require('reflect-metadata');
const net = require('node:net');
const path = require('node:path');
const { Injectable, Module, UseGuards, UseInterceptors } = require('@nestjs/common');
const { DiscoveryModule, ExternalContextCreator, NestFactory } = require('@nestjs/core');

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const rounds = Number(args.rounds ?? 7);
const batches = Number(args.batches ?? 100);
const calls = Number(args.calls ?? 50_000);
const perBatch = 1000;
const here = path.resolve(__dirname, '..', '..');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const { HandlerTable, OnMessage, WorkerMetrics, createLogger } = require(path.join(here, 'packages/core'));
const { discoverHandlers } = require(path.join(here, 'packages/core/dist/worker'));
const { tcpTransport } = require(path.join(here, 'packages/transport-tcp'));

// Decorators applied as TypeScript would (this file is plain JavaScript).
function decorate(cls, method, ...decorators) {
  const descriptor = Object.getOwnPropertyDescriptor(cls.prototype, method);
  for (const decorator of decorators.reverse()) decorator(cls.prototype, method, descriptor);
}

class AllowGuard {
  canActivate() {
    return true;
  }
}
Injectable()(AllowGuard);

class PassInterceptor {
  intercept(_context, next) {
    return next.handle();
  }
}
Injectable()(PassInterceptor);

class Plain {
  echo(frame) {
    return frame;
  }
}
decorate(Plain, 'echo', OnMessage('plain'));
Injectable()(Plain);

class AsyncPlain {
  async echo(frame) {
    return frame;
  }
}
decorate(AsyncPlain, 'echo', OnMessage('async'));
Injectable()(AsyncPlain);

class Guarded {
  echo(frame) {
    return frame;
  }
}
decorate(Guarded, 'echo', OnMessage('guard'), UseGuards(AllowGuard));
Injectable()(Guarded);

class Intercepted {
  echo(frame) {
    return frame;
  }
}
decorate(Intercepted, 'echo', OnMessage('interceptor'), UseInterceptors(PassInterceptor));
Injectable()(Intercepted);

class BenchModule {}
Module({ imports: [DiscoveryModule], providers: [Plain, AsyncPlain, Guarded, Intercepted] })(BenchModule);

/** A lines listener of `name` with its handler from discovery, and a connected client. */
async function side(name, bindings) {
  const tcp = tcpTransport();
  const { options, problems } = tcp.validateOptions({ framing: 'lines' }, `listeners.${name}.options`);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const spec = Object.freeze({ name, transport: 'tcp', host: '127.0.0.1', port: 0, options });
  const metrics = new WorkerMetrics().forListener(spec);
  const handlers = new HandlerTable(bindings.filter((b) => b.listener === name), metrics);
  const listener = await tcp.open({ spec, handlers, metrics, logger: createLogger('silent', {}), handOff: async () => false });
  const socket = net.connect(listener.boundPort(), '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.setNoDelay(true);
  const batch = Buffer.from('ping-pong-0123456789\n'.repeat(perBatch));
  let waiting = 0;
  let wake = () => undefined;
  socket.on('data', (chunk) => {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) waiting--;
    if (waiting === 0) wake();
  });
  const round = () =>
    new Promise((resolve) => {
      waiting = perBatch;
      wake = resolve;
      socket.write(batch);
    });
  return {
    enhanced: handlers.all('message')[0].enhanced,
    async sample(n) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await round();
      return (n * perBatch) / (Number(process.hrtime.bigint() - start) / 1e9);
    },
    async close() {
      socket.destroy();
      await listener.stopAccepting();
      await listener.drain(Date.now());
    },
  };
}

/** Nest's function for a handler against discovery's wrapper of it, awaited call after call. */
async function wrapperCost(app, bindings) {
  const creator = app.get(ExternalContextCreator, { strict: false });
  const frame = Buffer.from('ping');
  const ctx = {};
  const variants = {};
  for (const [listener, cls] of [['guard', Guarded], ['interceptor', Intercepted]]) {
    const nest = creator.create(app.get(cls), cls.prototype.echo, 'echo', undefined, undefined, undefined, undefined, { guards: true, interceptors: true, filters: false }, 'shoal');
    const wrapper = bindings.find((b) => b.listener === listener).fn;
    variants[listener] = { nest: () => nest(frame, ctx), wrapper: () => wrapper(ctx, frame, ctx) };
  }
  const time = async (call) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) await call();
    return Number(process.hrtime.bigint() - start) / calls;
  };
  const rows = [];
  for (const [name, { nest, wrapper }] of Object.entries(variants)) {
    await time(nest); // warm-up: JIT
    await time(wrapper);
    const samples = { nest: [], wrapper: [] };
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) samples.nest.push(await time(nest));
      samples.wrapper.push(await time(wrapper));
      if (r % 2 === 1) samples.nest.push(await time(nest));
    }
    const ratios = samples.wrapper.map((w, i) => w / samples.nest[i]);
    rows.push({
      enhancer: name,
      "Nest's function ns": Math.round(median(samples.nest)),
      'Shoal wrapper ns': Math.round(median(samples.wrapper)),
      "wrapper / Nest's": Number(median(ratios).toFixed(3)),
      'round ratios': ratios.map((x) => x.toFixed(2)).join(' '),
    });
  }
  console.log(`wrapper: ${calls} awaited calls per sample, ${rounds} rounds`);
  console.table(rows);
}

(async () => {
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  const bindings = discoverHandlers(app);
  const names = ['plain', 'async', 'guard', 'interceptor'];
  const sides = {};
  for (const name of names) sides[name] = await side(name, bindings);
  if (sides.plain.enhanced || sides.async.enhanced || !sides.guard.enhanced || !sides.interceptor.enhanced) throw new Error('discovery did not wrap as expected');
  for (const name of names) await sides[name].sample(20); // warm-up: JIT
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const name of order) samples[name].push(await sides[name].sample(batches));
  }
  const rows = names.map((name) => {
    const ratios = samples[name].map((rate, i) => rate / samples.plain[i]);
    return {
      handler: name,
      'msg/s': Math.round(median(samples[name])),
      'ratio to plain': Number(median(ratios).toFixed(3)),
      'round ratios': ratios.map((x) => x.toFixed(2)).join(' '),
    };
  });
  console.log(`enhancers: TCP lines echo over loopback, ${batches} batches of ${perBatch} lines per sample, ${rounds} rounds, Node ${process.versions.node}`);
  console.table(rows);
  for (const name of names) await sides[name].close();
  await wrapperCost(app, bindings);
  await app.close();
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
