'use strict';
// The servers of bench/sctp-cluster, all answering each message with the same
// bytes on its stream:
//   node server.js single <port-one> <port-many>   one process, the addon alone
//   node server.js shoal                            a Shoal service (config in SHOAL_TEST_CONFIG)
require('reflect-metadata');
const sctp = require('@shoal/sctp');

if (process.argv[2] === 'single') {
  const server = sctp.createServer({ reusePort: false }, (sock) => {
    sock.on('message', (m) => sock.send(m.data, { stream: m.stream, ppid: m.ppid }));
    sock.on('error', () => undefined);
  });
  const ep = sctp.createEndpoint({});
  ep.on('message', (m) => ep.send(m.data, { assocId: m.assocId }, { stream: m.stream, ppid: m.ppid }));
  ep.on('send-error', () => undefined);
  void server.listen({ address: '127.0.0.1', port: 0 }).then(({ port }) => {
    const many = ep.bind({ address: '127.0.0.1', port: 0 }).port;
    process.stdout.write(`${JSON.stringify({ msg: 'ready', ports: { one: port, many } })}\n`);
  });
} else {
  const { Injectable, Module } = require('@nestjs/common');
  const { run } = require('@shoal/core');
  const transport = require('@shoal/transport-sctp');
  const config = JSON.parse(process.env.SHOAL_TEST_CONFIG);
  const loadModule = () => {
    class Echo {
      one(data) {
        return data;
      }
      many(data) {
        return data;
      }
    }
    for (const name of ['one', 'many']) transport.OnSctpMessage(name)(Echo.prototype, name, Object.getOwnPropertyDescriptor(Echo.prototype, name));
    Injectable()(Echo);
    class BenchModule {}
    Module({ providers: [Echo] })(BenchModule);
    return BenchModule;
  };
  void run({ loadModule, transports: [transport.sctpTransport()], config });
}
