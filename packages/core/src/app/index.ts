/**
 * Room `app`: the application model as applications see it. Shoal's method
 * decorators (@OnMessage, @OnDatagram, @OnRequest, @OnEvent, @OnBroadcast),
 * defineApp() (a module plus what main.ts did), the parameter decorators for
 * handlers with Nest's enhancers (@Payload, @JsonPayload, @Ctx), the 'shoal'
 * context type and `shoalCallOf`, and loading an application file. It loads
 * no part of Nest (types only): the
 * supervisor opens this door too (through transports and the package index),
 * and must not pay for Nest. The discovery of decorated methods on Nest's
 * providers lives in the worker room.
 */
export * from './app-definition';
export * from './app-file';
export * from './decorators';
export * from './param-decorators';
export * from './shoal-call';
