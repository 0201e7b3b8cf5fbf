'use strict';
// Node side of bench/sctp: the same two benchmarks as sctp_bench.c, through
// @shoal/sctp (impl "sctp") or through Node's net with a 4-byte
// length prefix (impl "tcp"). The server is a forked child, as in the C program.
//
//   node bench.js sctp|sctp-cork|tcp pingpong|bulk SIZE COUNT
// sctp-cork (bulk only) sends with cork()/uncork(): up to 64 messages per
// sendmmsg, the addon's batching API.
// Prints one JSON line: {impl, mode, size, count, seconds, rate}.
const path = require('node:path');
const net = require('node:net');
const { fork } = require('node:child_process');
const sctp = require(path.join(__dirname, '../../packages/sctp/dist'));

const [impl, mode, sizeArg, countArg] = process.argv.slice(2);
const size = Number(sizeArg);
const count = Number(countArg);
const pingpong = mode === 'pingpong';
if (!['sctp', 'sctp-cork', 'tcp'].includes(impl) || !['pingpong', 'bulk'].includes(mode) || !(size > 0) || !(count > 0)) {
  console.error('usage: node bench.js sctp|sctp-cork|tcp pingpong|bulk SIZE COUNT');
  process.exit(2);
}

// Length-prefix framing for the TCP variant.
function framer(onFrame) {
  let pending = null;
  return (chunk) => {
    let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readUInt32BE(off);
      if (buf.length - off - 4 < len) break;
      onFrame(buf.subarray(off + 4, off + 4 + len));
      off += 4 + len;
    }
    pending = off === buf.length ? null : buf.subarray(off);
  };
}
function frame(payload) {
  const b = Buffer.allocUnsafe(4 + payload.length);
  b.writeUInt32BE(payload.length, 0);
  payload.copy(b, 4);
  return b;
}

async function server() {
  let n = 0;
  if (impl !== 'tcp') {
    const srv = sctp.createServer();
    const { port } = await srv.listen({ address: '127.0.0.1', port: 0 });
    srv.on('connection', (s) => {
      s.on('message', (m) => {
        if (pingpong) s.send(m.data);
        else if (++n === count) s.send('k');
      });
      s.on('end', () => process.exit(0));
      s.on('close', () => process.exit(0));
    });
    process.send({ port });
  } else {
    const srv = net.createServer({ noDelay: true }, (s) => {
      s.on('data', framer((f) => {
        if (pingpong) s.write(frame(f));
        else if (++n === count) s.write(frame(Buffer.from('k')));
      }));
      s.on('close', () => process.exit(0));
      s.on('error', () => process.exit(0));
    });
    srv.listen(0, '127.0.0.1', () => process.send({ port: srv.address().port }));
  }
}

async function client() {
  const child = fork(__filename, process.argv.slice(2), { env: { ...process.env, BENCH_ROLE: 'server' } });
  const { port } = await new Promise((r) => child.once('message', r));
  const payload = Buffer.alloc(size, 'x');
  let t0 = 0;
  let seconds = 0;
  await new Promise((resolve) => {
    const done = () => {
      seconds = (performance.now() - t0) / 1000;
      resolve();
    };
    if (impl !== 'tcp') {
      sctp.connect({ address: '127.0.0.1', port }).then((s) => {
        let i = 0;
        const pump = impl === 'sctp-cork'
          ? () => {
            while (i < count) {
              const n = Math.min(64, count - i);
              s.cork();
              for (let k = 0; k < n; k++) s.send(payload);
              i += n;
              if (!s.uncork()) return; // wait for 'drain'
            }
          }
          : () => {
            while (i < count) {
              i++;
              if (!s.send(payload)) return; // wait for 'drain'
            }
          };
        s.on('message', () => {
          if (!pingpong) return void (done(), s.close());
          if (++i < count) {
            s.send(payload);
          } else {
            done();
            s.close();
          }
        });
        s.on('drain', pump);
        t0 = performance.now();
        if (pingpong) s.send(payload);
        else pump();
      });
    } else {
      const s = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => {
        const f = frame(payload);
        let i = 0;
        const pump = () => {
          while (i < count) {
            i++;
            if (!s.write(f)) return;
          }
        };
        s.on('data', framer(() => {
          if (!pingpong) return void (done(), s.end());
          if (++i < count) {
            s.write(f);
          } else {
            done();
            s.end();
          }
        }));
        s.on('drain', pump);
        t0 = performance.now();
        if (pingpong) s.write(f);
        else pump();
      });
    }
  });
  await new Promise((r) => child.once('exit', r));
  console.log(JSON.stringify({ impl, mode, size, count, seconds: Number(seconds.toFixed(3)), rate: Math.round(count / seconds) }));
}

if (process.env.BENCH_ROLE === 'server') server();
else client();
