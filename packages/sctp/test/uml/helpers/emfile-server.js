// A one-to-one SCTP server that runs out of file descriptors (started under
// `prlimit --nofile=64:64` by delivery.test.ts): it fills its descriptor table,
// prints "port N", counts the listener's 'error' events over 2,000 turns of the
// event loop after the first one ("errors N over turns"), then frees
// descriptors and prints "accepted" once the waiting association is accepted.
const fs = require('node:fs');
const { createServer } = require('../../../dist');

const server = createServer();
let errors = 0;
server.on('error', () => {
  errors++;
  if (errors === 1) countTurns(2000);
});
server.on('connection', (s) => {
  process.stdout.write('accepted\n');
  s.close();
  server.close().then(() => process.exit(0));
});

const spare = [];
function countTurns(left) {
  if (left > 0) return setImmediate(() => countTurns(left - 1));
  process.stdout.write(`errors ${errors} over turns\n`);
  for (const fd of spare) fs.closeSync(fd);
}

server.listen({ address: '127.0.0.1' }).then(({ port }) => {
  for (;;) {
    try {
      spare.push(fs.openSync('/dev/null', 'r'));
    } catch {
      break;
    }
  }
  process.stdout.write(`port ${port}\n`);
});
