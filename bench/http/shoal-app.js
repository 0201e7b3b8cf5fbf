// Shoal: the same hello world as a Nest provider with an @OnRequest handler, under the supervisor.
require('reflect-metadata');
const { Injectable, Module } = require('@nestjs/common');
const { OnRequest, isWorkerProcess, run } = require('@shoal/core');
const { tcpTransports } = require('@shoal/transport-tcp');

function loadModule() {
  class Hello {
    hello() {
      return 'hello';
    }
  }
  const descriptor = Object.getOwnPropertyDescriptor(Hello.prototype, 'hello');
  OnRequest('http', { method: 'GET', path: '/' })(Hello.prototype, 'hello', descriptor);
  Injectable()(Hello);
  class HelloModule {}
  Module({ providers: [Hello] })(HelloModule);
  return HelloModule;
}

run({
  loadModule,
  transports: tcpTransports(),
  config: {
    workers: Number(process.env.WORKERS ?? 1),
    admin: false,
    logLevel: 'warn',
    listeners: { http: { transport: 'http', host: '127.0.0.1', port: Number(process.env.PORT) } },
  },
}).then((supervisor) => {
  if (supervisor && !isWorkerProcess()) process.send?.('ready');
});
