// The hello-world application of the HTTP benchmarks: a Nest provider whose
// @OnRequest handler answers GET / with "hello" (plain JS, so no build step).
// Both bench/http and bench/reload serve it under a Shoal supervisor.
require('reflect-metadata');
const { Injectable, Module } = require('@nestjs/common');
const { OnRequest } = require('@shoal/core');

function loadHelloModule() {
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

module.exports = { loadHelloModule };
