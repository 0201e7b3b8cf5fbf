// A Shoal service with SCTP listeners, for the cluster tests inside UML. Its
// configuration comes as JSON in SHOAL_TEST_CONFIG (as in test/fixtures).
// Listeners named "one"/"many" (or any name starting with "echo") echo each
// message as "<worker pid> <message>" on its stream with its PPID; the
// messages "throw", "invalid" and "async-throw" make their handler fail (a
// throw, a reply that is a number, a rejection with the code APP_REFUSED after
// 20 ms), for the listener's onHandlerError.
'use strict';
require('reflect-metadata');
const { Injectable, Module } = require('@nestjs/common');
const { run } = require('@shoal/core');
const sctp = require('../../dist');

const config = JSON.parse(process.env.SHOAL_TEST_CONFIG || '{}');

/** What a failing handler does for the messages "throw", "invalid" and "async-throw"; undefined for the others. */
function failure(text) {
  if (text === 'throw') throw new Error('kaput');
  if (text === 'invalid') return { value: 42 };
  if (text === 'async-throw') {
    return { value: new Promise((_, reject) => setTimeout(() => reject(Object.assign(new Error('refused'), { code: 'APP_REFUSED' })), 20)) };
  }
  return undefined;
}

function loadModule() {
  class EchoHandlers {
    echo(data) {
      const text = data.toString();
      const failed = failure(text);
      return failed === undefined ? `${process.pid} ${text}` : failed.value;
    }
    echoMany(data, ctx) {
      // "stream N ..." answers on stream N instead (a reply on another stream).
      const text = data.toString();
      const failed = failure(text);
      if (failed !== undefined) return failed.value;
      if (text.startsWith('stream ')) {
        ctx.reply(`${process.pid} ${text}`, { stream: Number(text.split(' ')[1]) });
        return undefined;
      }
      return `${process.pid} ${text}`;
    }
  }
  const names = Object.keys(config.listeners || {});
  for (const name of names) {
    const method = name === 'many' ? 'echoMany' : name === 'one' || name.startsWith('echo') ? 'echo' : null;
    if (method === null) continue;
    sctp.OnSctpMessage(name)(EchoHandlers.prototype, method, Object.getOwnPropertyDescriptor(EchoHandlers.prototype, method));
  }
  // Listener "hello": a greeting on stream 1 when an association comes up, and a log line when it goes down.
  class HelloHandlers {
    up(ctx) {
      ctx.send(`welcome ${process.pid} ${ctx.resumed}`, { stream: 1, ppid: 7 });
    }
    down(ctx, why) {
      process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'sctp association down', listener: ctx.listener, reason: why.reason, pid: process.pid })}\n`);
    }
    message(data) {
      return `${process.pid} ${data.toString()}`;
    }
  }
  if (names.includes('hello')) {
    const d = (m) => Object.getOwnPropertyDescriptor(HelloHandlers.prototype, m);
    sctp.OnAssociationUp('hello')(HelloHandlers.prototype, 'up', d('up'));
    sctp.OnAssociationDown('hello')(HelloHandlers.prototype, 'down', d('down'));
    sctp.OnSctpMessage('hello')(HelloHandlers.prototype, 'message', d('message'));
  }
  Injectable()(HelloHandlers);
  Injectable()(EchoHandlers);
  const providers = [EchoHandlers, HelloHandlers];
  class SctpTestModule {}
  Module({ providers })(SctpTestModule);
  return SctpTestModule;
}

void run({ loadModule, transports: [sctp.sctpTransport()], config });
