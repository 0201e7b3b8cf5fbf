#!/usr/bin/env node
// One side of bench/dispatch/run.js: a framed TCP listener of the Shoal tree at
// argv[2] (its built packages), in this process, with an echo handler
// (argv[3]: 'sync' or 'async'), and a client in the same process that sends
// batches of lines and waits for every reply. Prints { messages, seconds }.
const net = require('node:net');
const path = require('node:path');

const root = path.resolve(process.argv[2]);
const mode = process.argv[3] ?? 'sync';
const batches = Number(process.argv[4] ?? 200);
const perBatch = Number(process.argv[5] ?? 1000);
const { HandlerTable, WorkerMetrics, createLogger } = require(path.join(root, 'packages/core'));
const { tcpTransport } = require(path.join(root, 'packages/transport-tcp'));

async function main() {
  const tcp = tcpTransport();
  const { options, problems } = tcp.validateOptions({ framing: 'lines' }, 'listeners.bench.options');
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const spec = Object.freeze({ name: 'bench', transport: 'tcp', host: '127.0.0.1', port: 0, options });
  const metrics = new WorkerMetrics().forListener(spec);
  const fn = mode === 'async' ? async (frame) => frame : (frame) => frame;
  const handlers = new HandlerTable([{ listener: 'bench', event: 'message', options: {}, name: 'Bench.echo', fn }], metrics);
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
  for (let i = 0; i < 20; i++) await round(); // warm-up: JIT
  const start = process.hrtime.bigint();
  for (let i = 0; i < batches; i++) await round();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  socket.destroy();
  await listener.stopAccepting();
  await listener.drain(Date.now());
  process.stdout.write(JSON.stringify({ messages: batches * perBatch, seconds }) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
