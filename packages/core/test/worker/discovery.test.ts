import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { DiscoveryModule, NestFactory } from '@nestjs/core';
import { OnConnect, OnMessage, OnRequest } from '../../src/app/decorators';
import { checkBindings, discoverHandlers } from '../../src/worker/discovery';
import type { Transport } from '../../src/transport';

@Injectable()
class Greeter {
  greet(name: string): string {
    return `hello ${name}`;
  }
}

@Injectable()
class Handlers {
  constructor(private readonly greeter: Greeter) {}

  @OnMessage('echo')
  message(payload: Buffer): string {
    return this.greeter.greet(payload.toString());
  }

  @OnConnect('echo')
  connected(): void {}

  @OnRequest('web', { method: 'GET', path: '/' })
  root(): string {
    return 'root';
  }

  @OnRequest('web', { method: 'GET', path: '/other' })
  other(): string {
    return 'other';
  }

  notAHandler(): void {}
}

@Module({ imports: [DiscoveryModule], providers: [Greeter, Handlers] })
class AppModule {}

const transport = (name: string, events: string[]): Transport => ({
  name,
  events,
  validateOptions: (options) => ({ options: options as Record<string, unknown>, problems: [] }),
  open: () => Promise.reject(new Error('not used here')),
  adopt: () => Promise.reject(new Error('not used here')),
});
const transports = new Map([
  ['tcp', transport('tcp', ['message', 'connect', 'disconnect'])],
  ['http', transport('http', ['request'])],
]);
const spec = (name: string, t: string) => ({ name, transport: t, host: '127.0.0.1', port: 0, options: {} });

describe('handler discovery on Nest DI', () => {
  it('finds decorated methods, bound to the instance Nest injected', async () => {
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    const bindings = discoverHandlers(app);
    expect(bindings.map((b) => `${b.listener}:${b.event}:${b.name}`).sort()).toEqual([
      'echo:connect:Handlers.connected',
      'echo:message:Handlers.message',
      'web:request:Handlers.other',
      'web:request:Handlers.root',
    ]);
    expect(bindings.find((b) => b.event === 'message')!.fn(Buffer.from('shoal'))).toBe('hello shoal');
    expect(() => checkBindings(bindings, [spec('echo', 'tcp'), spec('web', 'http')], transports)).not.toThrow();
    await app.close();
  });

  it('refuses a handler of an unknown listener, of an event the transport lacks, or bound twice', () => {
    const bind = (listener: string, event: string, name: string, options = {}) => ({ listener, event, name, options, fn: () => undefined });
    expect(() => checkBindings([bind('nope', 'message', 'A.x')], [spec('echo', 'tcp')], transports)).toThrow(
      /A\.x is bound to listener "nope", which is not in the configuration \(configured: echo\)/,
    );
    expect(() => checkBindings([bind('echo', 'request', 'A.x')], [spec('echo', 'tcp')], transports)).toThrow(
      /A\.x handles "request" on listener "echo", but the tcp transport only emits "message", "connect", "disconnect"/,
    );
    expect(() => checkBindings([bind('echo', 'message', 'A.x'), bind('echo', 'message', 'B.y')], [spec('echo', 'tcp')], transports)).toThrow(
      /both A\.x and B\.y handle "message" on listener "echo"/,
    );
  });
});
