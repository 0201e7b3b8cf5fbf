#!/usr/bin/env node
// A small client of the demo's TCP key-value protocol: a JSON request in a
// length-prefixed frame (u32 big-endian length, then the bytes), one JSON answer.
//   node kv-client.js get <key> | set <key> <json> [ttlMs] | increment <key> [by] | delete <key>
// Host and port: KV_HOST (127.0.0.1), KV_PORT (SHOAL_LISTENER_KV_PORT or 7072).
const net = require('node:net');

const [op, key, arg, ttl] = process.argv.slice(2);
if (!['get', 'set', 'increment', 'delete'].includes(op) || !key) {
  process.stderr.write('usage: kv-client.js get <key> | set <key> <json> [ttlMs] | increment <key> [by] | delete <key>\n');
  process.exit(2);
}
const request = { op, key };
if (op === 'set') {
  try {
    request.value = JSON.parse(arg);
  } catch {
    request.value = arg;
  }
  if (ttl) request.ttlMs = Number(ttl);
}
if (op === 'increment' && arg) request.by = Number(arg);

const port = Number(process.env.KV_PORT ?? process.env.SHOAL_LISTENER_KV_PORT ?? 7072);
const socket = net.connect(port, process.env.KV_HOST ?? '127.0.0.1', () => {
  const body = Buffer.from(JSON.stringify(request));
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  socket.end(Buffer.concat([header, body]));
});
let buffered = Buffer.alloc(0);
let answered = false;
socket.on('close', () => {
  if (answered || process.exitCode) return;
  process.stderr.write('kv-client: the connection closed without an answer\n');
  process.exitCode = 1;
});
socket.on('data', (chunk) => {
  buffered = Buffer.concat([buffered, chunk]);
  if (buffered.length < 4 || buffered.length < 4 + buffered.readUInt32BE(0)) return;
  const answer = buffered.subarray(4, 4 + buffered.readUInt32BE(0)).toString();
  answered = true;
  process.stdout.write(`${answer}\n`);
  socket.destroy();
  process.exitCode = JSON.parse(answer).ok ? 0 : 1;
});
socket.on('error', (error) => {
  process.stderr.write(`kv-client: ${error.message} (is the demo running? bash scripts/demo.sh)\n`);
  process.exitCode = 1;
});
setTimeout(() => {
  process.stderr.write('kv-client: no answer within 5 s\n');
  process.exit(1);
}, 5000).unref();
