// The Nest application of the Nest benchmarks, as a team writes it: a
// controller with a route parameter (ParseIntPipe) that returns a small JSON
// object, and ValidationPipe as a global pipe. Plain JS, so no build step: the
// decorators are applied the way tsc's output applies them (Reflect.decorate,
// with the design:paramtypes metadata that ValidationPipe reads).
// Every side runs this same module: Shoal (shoal-app.js), node:cluster and PM2
// (main.js).
require('reflect-metadata');
const { Controller, Get, Module, Param, ParseIntPipe, ValidationPipe } = require('@nestjs/common');

/** What tsc emits for `@decorators method(...)`: decorate the method's descriptor and put it back. */
function decorateMethod(target, name, decorators) {
  const descriptor = Object.getOwnPropertyDescriptor(target, name);
  Object.defineProperty(target, name, Reflect.decorate(decorators, target, name, descriptor));
}

class ItemsController {
  get(id) {
    return { id, name: 'anchor', stock: 3 };
  }
}
decorateMethod(ItemsController.prototype, 'get', [
  Get(':id'),
  (target, key) => Param('id', ParseIntPipe)(target, key, 0),
  Reflect.metadata('design:type', Function),
  Reflect.metadata('design:paramtypes', [Number]),
  Reflect.metadata('design:returntype', Object),
]);
Reflect.decorate([Controller('items')], ItemsController);

class AppModule {}
Reflect.decorate([Module({ controllers: [ItemsController] })], AppModule);

/** What main.ts does between NestFactory.create() and listen(). */
function configure(app) {
  app.useGlobalPipes(new ValidationPipe({ whitelist: true }));
}

/** The path every load generator requests, and the body every side answers it with. */
const PATH = '/items/1';
const BODY = JSON.stringify({ id: 1, name: 'anchor', stock: 3 });

module.exports = { AppModule, configure, PATH, BODY };
