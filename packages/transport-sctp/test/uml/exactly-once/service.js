// The Shoal service of the exactly-once stress test (exactly-once.test.ts,
// bench/sctp-soak). Its configuration comes as JSON in SHOAL_TEST_CONFIG.
// Every SCTP listener checks each message (wire.js: header, length, crc32 of
// the body, stream, ordered or not) and answers it on its stream: the
// header with this worker's pid (the body too when the request asks for an
// echo), after the delay the request names (a slow handler: the
// association's queue grows and the listener pauses reading). A message that
// fails the check is answered by a "corrupt" report naming what arrived.
// Each association that comes up (or is taken over) is logged as
// { event: 'stress.assoc-up', listener, remote: 'address:port', pid }, so
// that the test knows which workers served it.
'use strict';
require('reflect-metadata');
const { Injectable, Module } = require('@nestjs/common');
const { run } = require('@shoal/core');
const sctp = require('../../../dist');
const wire = require('./wire');

const config = JSON.parse(process.env.SHOAL_TEST_CONFIG || '{}');

function loadModule() {
  class StressHandlers {
    message(data, ctx) {
      const check = wire.checkRequest(data, ctx.stream, ctx.unordered);
      if (!check.ok) {
        process.stdout.write(`${JSON.stringify({ level: 'warn', event: 'stress.corrupt', listener: ctx.listener, pid: process.pid, ...check })}\n`);
        return wire.buildCorruptReport(check, ctx.stream, process.pid);
      }
      const answer = wire.buildAnswer(data, check.header, check.crc, process.pid);
      const delay = check.header.word24;
      if (delay === 0) return answer;
      return new Promise((resolve) => setTimeout(() => resolve(answer), delay));
    }
    up(ctx) {
      const remote = `${ctx.remoteAddresses[0]}:${ctx.remotePort}`;
      process.stdout.write(`${JSON.stringify({ level: 'info', event: 'stress.assoc-up', listener: ctx.listener, remote, resumed: ctx.resumed, pid: process.pid })}\n`);
    }
  }
  const d = (m) => Object.getOwnPropertyDescriptor(StressHandlers.prototype, m);
  for (const name of Object.keys(config.listeners || {})) {
    sctp.OnSctpMessage(name)(StressHandlers.prototype, 'message', d('message'));
    sctp.OnAssociationUp(name)(StressHandlers.prototype, 'up', d('up'));
  }
  Injectable()(StressHandlers);
  class StressModule {}
  Module({ providers: [StressHandlers] })(StressModule);
  return StressModule;
}

void run({ loadModule, transports: [sctp.sctpTransport()], config });
