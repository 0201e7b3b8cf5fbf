/**
 * Room `app`: the application model. Shoal's method decorators (@OnMessage,
 * @OnDatagram, @OnRequest, @OnEvent, @OnBroadcast), the discovery of decorated
 * methods on Nest's providers, and loading an application file. Loads Nest:
 * only workers (and `shoal start --check`) open this door.
 */
export * from './app-file';
export * from './decorators';
export * from './discovery';
