'use strict';
// A short workload that walks the addon's paths (listen, accept, connect,
// messages both ways with stream/ppid, notifications, reassembly, one-to-many,
// peeloff, abort, fd passing, close; messages read in parts and kept
// while paused, stopReading at a boundary, message-too-large with the rest
// dropped), for valgrind.sh.
const sctp = require('../../../dist');

async function main() {
  const server = sctp.createServer({ maxMessageBytes: 1 << 20 });
  const { port } = await server.listen({ address: '127.0.0.1' });
  const accepted = [];
  server.on('connection', (s) => {
    accepted.push(s);
    s.on('message', (m) => s.send(m.data, { stream: m.stream, ppid: m.ppid }));
    s.on('error', () => {});
  });
  for (let c = 0; c < 3; c++) {
    const client = await sctp.connect({ address: '127.0.0.1', port });
    let n = 0;
    await new Promise((resolve) => {
      client.on('message', () => { if (++n === 50) resolve(); });
      for (let i = 0; i < 49; i++) client.send(Buffer.alloc(100, i), { stream: i % 4, ppid: i });
      client.send(Buffer.alloc(200000, 1)); // reassembled over several reads
    });
    client.getOptions();
    client.status();
    if (c === 0) client.abort();
    else await client.end();
  }
  // Delivered by the kernel in parts; paused in the middle, stopped at the boundary.
  const pdServer = sctp.createServer({ receiveBufferSize: 64 * 1024, partialDeliveryPoint: 4096, maxMessageBytes: 1 << 20 });
  const { port: pdPort } = await pdServer.listen({ address: '127.0.0.1' });
  const pdAccepted = new Promise((resolve) => pdServer.once('connection', resolve));
  const pdClient = await sctp.connect({ address: '127.0.0.1', port: pdPort, options: { sendBufferSize: 2 << 20 } });
  const pdSock = await pdAccepted;
  const whole = new Promise((resolve) => pdSock.once('message', resolve));
  pdClient.send(Buffer.alloc(512 * 1024, 3));
  while (pdSock.messagesInParts === 0) await new Promise((resolve) => setImmediate(resolve));
  pdSock.pause();
  await new Promise((resolve) => setImmediate(resolve));
  pdSock.resume();
  await whole;
  await pdSock.stopReading();
  // Over maxMessageBytes: reported, the association aborted, the rest dropped.
  pdSock.on('error', () => {});
  pdClient.on('error', () => {});
  const closed = new Promise((resolve) => pdSock.once('close', resolve));
  pdSock.startReading();
  pdClient.send(Buffer.alloc(1500 * 1024, 4));
  await closed;
  pdClient.close();
  await pdServer.close();

  const ep = sctp.createEndpoint();
  const { port: p2 } = ep.bind({ address: '127.0.0.1' });
  const ep2 = sctp.createEndpoint();
  const got = new Promise((resolve) => ep.once('message', resolve));
  const id = await ep2.connect('127.0.0.1', p2);
  ep2.send('hi', { assocId: id });
  const m = await got;
  const peeled = ep.peeloff(m.assocId);
  const back = new Promise((resolve) => ep2.once('message', resolve));
  peeled.send('back');
  await back;
  const { channel, remoteFd } = sctp.FdChannel.pair();
  const other = sctp.FdChannel.fromFd(remoteFd);
  const recv = other.recvFd();
  await channel.sendSocket(peeled, { kind: 'peeled' });
  const r = await recv;
  const adopted = sctp.adoptSctpFd(r.fd);
  adopted.close();
  channel.close();
  other.close();
  peeled.close();
  ep2.close();
  ep.close();
  for (const s of accepted) s.close();
  await server.close();
  await new Promise((resolve) => setTimeout(resolve, 200));
  console.log('valgrind workload done');
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
