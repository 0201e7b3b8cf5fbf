// The service of the offload benchmark: one Shoal worker with an offload pool.
//   GET /light         -> answers at once (the latency we watch)
//   GET /heavy/offload -> PBKDF2 in the worker's offload pool (piscina thread)
//   GET /heavy/inline  -> the same PBKDF2 on the event loop
require('reflect-metadata');
const path = require('node:path');
const { Injectable, Module } = require('@nestjs/common');
const { OnRequest, ShoalOffload, run } = require('@shoal/core');
const { tcpTransports } = require('@shoal/transport-tcp');
const { derive } = require('./tasks');

const iterations = Number(process.env.ITERATIONS ?? 60_000);

function loadModule() {
  class Handlers {
    constructor(offload) {
      this.offload = offload;
    }
    light() {
      return 'ok';
    }
    async offloaded() {
      return this.offload.run('derive', { iterations });
    }
    inline() {
      return derive({ iterations });
    }
  }
  const route = (method, path) => OnRequest('http', { method: 'GET', path })(Handlers.prototype, method, Object.getOwnPropertyDescriptor(Handlers.prototype, method));
  route('light', '/light');
  route('offloaded', '/heavy/offload');
  route('inline', '/heavy/inline');
  Injectable()(Handlers);
  Reflect.defineMetadata('design:paramtypes', [ShoalOffload], Handlers);
  class BenchModule {}
  Module({ providers: [Handlers] })(BenchModule);
  return BenchModule;
}

void run({
  loadModule,
  transports: tcpTransports(),
  config: {
    workers: Number(process.env.WORKERS ?? 1),
    admin: false,
    logLevel: 'info',
    listeners: { http: { transport: 'http', host: '127.0.0.1', port: 0 } },
    offload: { module: path.join(__dirname, 'tasks.js'), threads: Number(process.env.THREADS ?? 1), maxQueue: 1000 },
  },
});
