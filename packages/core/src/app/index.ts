/**
 * Room `app`: the application model as applications see it. Shoal's method
 * decorators (@OnMessage, @OnDatagram, @OnRequest, @OnEvent, @OnBroadcast),
 * defineApp() (a module plus what main.ts did), and loading an application file. It does not load @nestjs/core: the
 * supervisor opens this door too (through transports and the package index),
 * and must not pay for Nest. The discovery of decorated methods on Nest's
 * providers lives in the worker room.
 */
export * from './app-definition';
export * from './app-file';
export * from './decorators';
