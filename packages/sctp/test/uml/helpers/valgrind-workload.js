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
  await rfcFeatures();
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
// The RFC 6458 extensions: stream reconfiguration (setsockopt paths and the
// STREAM_RESET / STREAM_CHANGE / ASSOC_RESET notifications), SCTP-AUTH keys
// and the AUTHENTICATION notification, PR-SCTP policies (PRINFO cmsg on send
// and sendmmsg, the abandoned counters), thresholds, options on every live
// association (SCTP_ALL_ASSOC), every option read back, long address lists
// and zoned IPv6 addresses (parsed).
async function rfcFeatures() {
  const once = (em, ev, filter = () => true) => new Promise((resolve) => {
    const on = (v) => { if (filter(v)) { em.off(ev, on); resolve(v); } };
    em.on(ev, on);
  });
  const opts = {
    reconfig: true, streamReset: { resetStreams: true, resetAssociation: true, addStreams: true },
    authSupported: true, authChunks: [0], asconf: true, streamScheduler: 'rr',
    defaultPrInfo: { policy: 'rtx', value: 5 }, peerAddrThresholds: { pathMaxRetrans: 4, pfThreshold: 1, psThreshold: 2 },
    events: { authentication: true, senderDry: true },
  };
  const a = sctp.createEndpoint(opts);
  const { port } = a.bind({ address: '127.0.0.1' });
  a.setAuthKey(1, 'key-one');
  a.setAuthKey(2, Buffer.from('key-two'));
  a.setActiveAuthKey(1);
  const b = sctp.createEndpoint(opts);
  b.setAuthKey(1, 'key-one');
  b.setAuthKey(2, 'key-two');
  b.setActiveAuthKey(2);
  const up = once(a, 'association');
  const id = await b.connect('127.0.0.1', port);
  const sid = (await up).assocId;
  const newKey = once(a, 'authentication', (n) => n.indicationName === 'NEW_KEY');
  let got = once(a, 'message');
  b.send('authed', { assocId: id }, { stream: 1, maxRetransmissions: 3 });
  await got;
  await newKey;
  a.getOptions(sid);
  a.getOptions(0);
  b.authChunks(id, 'peer');
  b.authChunks(id, 'local');
  b.activeAuthKey(id);
  a.setActiveAuthKey(2, sid);
  const freed = once(a, 'authentication', (n) => n.indicationName === 'FREE_KEY');
  a.deactivateAuthKey(1, sid);
  await freed;
  a.deleteAuthKey(1, sid);
  // Wait until b has nothing in flight, then reset streams, add streams, reset the association.
  let dry = once(b, 'sender-dry');
  got = once(a, 'message');
  b.send('x', { assocId: id }, { stream: 2, priority: 3 });
  await got;
  await dry;
  const reset = Promise.all([once(a, 'stream-reset'), once(b, 'stream-reset')]);
  b.resetStreams(id, { direction: 'outgoing', streams: [1, 2] });
  await reset;
  const change = Promise.all([once(a, 'stream-change'), once(b, 'stream-change')]);
  b.addStreams(id, { outbound: 2, inbound: 1 });
  await change;
  const assocReset = Promise.all([once(a, 'assoc-reset'), once(b, 'assoc-reset')]);
  b.resetAssociation(id);
  await assocReset;
  b.prStatus(id);
  b.prStatus(id, 1);
  // Corked messages with a PR policy: one sendmmsg with SNDINFO + PRINFO.
  let n = 0;
  got = new Promise((resolve) => a.on('message', () => { if (++n === 10) resolve(); }));
  b.cork();
  for (let i = 0; i < 10; i++) b.send(Buffer.alloc(64, i), { assocId: id }, { stream: 3, ttlMs: 5000 });
  b.uncork();
  await got;
  a.setOptions({ delayedSack: { delayMs: 20, freq: 1 }, rtoInfo: { initialMs: 500, minMs: 100, maxMs: 900 }, defaultPrInfo: { policy: 'prio', value: 1 } });
  a.getOptions(sid);
  a.remoteAddresses(sid);
  a.localAddresses(sid);
  try { a.setPeerPrimary(sid, '127.0.0.1', port); } catch { /* the address may already be primary */ }
  try { a.bind({ address: 'fe80::1%1' }); } catch { /* parsed, then refused */ }
  const v6 = sctp.createEndpoint({}, 6);
  try { v6.bind({ address: 'fe80::1%nosuchif' }); } catch { /* refused while parsing */ }
  v6.close();
  b.close();
  a.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
