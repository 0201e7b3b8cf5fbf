// For node-conventions.test.ts: a server and an association, unref'd
// ("unref": the process exits by itself, 'beforeExit' first) or unref'd then
// ref'd again ("ref-again": the process stays alive, with nothing else keeping
// it so, until the test writes a line to its stdin, and then closes them).
const sctp = require('../../../dist');

const mode = process.argv[2];
process.on('beforeExit', () => process.stdout.write('beforeExit\n'));

async function main() {
  const server = sctp.createServer();
  const { port } = await server.listen({ address: '127.0.0.1' });
  const accepted = new Promise((resolve) => server.once('connection', resolve));
  const client = await sctp.connect({ address: '127.0.0.1', port });
  const peer = await accepted;
  for (const s of [server, client, peer]) s.unref();
  if (mode === 'ref-again') {
    for (const s of [server, client, peer]) s.ref();
    process.stdin.once('data', () => {
      process.removeAllListeners('beforeExit');
      client.close();
      peer.close();
      server.close().then(() => process.stdout.write('closed\n'));
    });
    process.stdin.unref(); // only the SCTP handles keep the process alive now
  }
  process.stdout.write('listening\n');
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
