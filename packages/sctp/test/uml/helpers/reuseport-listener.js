'use strict';
// One process of the reuseport group: listens with reusePort on 127.0.0.1:PORT
// (PORT 0: pick one), reports its port, and for each association reports the
// first message (the client's id) and echoes it.
const sctp = require('../../../dist');

const port = Number(process.argv[2]);
const server = sctp.createServer({ reusePort: true });
server.listen({ address: '127.0.0.1', port }).then(({ port: p }) => process.send({ type: 'listening', port: p, pid: process.pid }));
server.on('connection', (s) => {
  s.on('message', (m) => {
    process.send({ type: 'client', id: m.data.toString(), pid: process.pid, peer: s.remoteAddresses()[0].address });
    s.send(m.data);
  });
  s.on('error', () => {});
});
process.on('disconnect', () => process.exit(0));
