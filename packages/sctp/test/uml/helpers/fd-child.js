'use strict';
// Receives SCTP sockets over the fd channel on fd 3 and serves them: a
// connected socket echoes with a "child:" prefix; a listening socket accepts
// and does the same for its new associations.
const sctp = require('../../../dist');

const channel = sctp.FdChannel.fromFd(3);
function serve(s) {
  s.on('message', (m) => s.send(Buffer.concat([Buffer.from(`child${process.pid}:`), m.data]), { stream: m.stream, ppid: m.ppid }));
  s.on('error', () => {});
}
channel.on('fd', ({ fd, meta }) => {
  const sock = sctp.adoptSctpFd(fd);
  if (meta.kind === 'server') sock.on('connection', serve);
  else if (meta.kind === 'endpoint') sock.on('message', (m) => sock.send(Buffer.concat([Buffer.from('child-ep:'), m.data]), { assocId: m.assocId }));
  else serve(sock);
  channel.sendFd(0, { adopted: meta.kind, type: sock.constructor.name }).catch(() => {});
});
channel.on('close', () => process.exit(0));
