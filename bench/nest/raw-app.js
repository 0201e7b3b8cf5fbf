// The same endpoint without Nest's HTTP stack: a provider with Shoal's own
// @OnRequest handler (find-my-way route, JSON reply), for `shoal start` with an
// HTTP listener that has no platform. Answers GET /items/:id with the body of
// app.js's controller.
require('reflect-metadata');
const { Injectable, Module } = require('@nestjs/common');
const { OnRequest } = require('@shoal/core');

class Items {
  get(ctx) {
    return { id: Number(ctx.params.id), name: 'anchor', stock: 3 };
  }
}
const descriptor = Object.getOwnPropertyDescriptor(Items.prototype, 'get');
OnRequest('web', { method: 'GET', path: '/items/:id' })(Items.prototype, 'get', descriptor);
Reflect.decorate([Injectable()], Items);

class RawModule {}
Reflect.decorate([Module({ providers: [Items] })], RawModule);

module.exports = { RawModule };
