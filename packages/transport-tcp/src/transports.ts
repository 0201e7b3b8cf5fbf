import type { Transport } from '@shoal/core';
import { HttpListener } from './http-listener';
import { type HttpOptions, validateHttpOptions } from './http-options';
import { NestHttpListener } from './nest-http-listener';
import { createHttpPlatform } from './nest-platform';
import { TcpListener } from './tcp-listener';
import { validateTcpOptions } from './tcp-options';
import { UdpListener } from './udp-listener';
import { validateUdpOptions } from './udp-options';

/** Framed TCP: `transport: 'tcp'`; handlers `@OnMessage`, `@OnConnect`, `@OnDisconnect`. */
export function tcpTransport(): Transport {
  const transport: Transport = {
    name: 'tcp',
    events: Object.freeze(['message', 'connect', 'disconnect']),
    validateOptions: validateTcpOptions,
    open: (context) => TcpListener.open(context),
    adopt: (context, handle) => TcpListener.adopt(context, handle),
  };
  return Object.freeze(transport);
}

/** UDP: `transport: 'udp'`; handler `@OnDatagram`. */
export function udpTransport(): Transport {
  const transport: Transport = {
    name: 'udp',
    events: Object.freeze(['datagram']),
    validateOptions: validateUdpOptions,
    open: (context) => UdpListener.open(context),
    adopt: (context, handle) => UdpListener.adopt(context, handle),
  };
  return Object.freeze(transport);
}

const servesNest = (context: { spec: { options: unknown } }): boolean => (context.spec.options as HttpOptions).platform !== undefined;

/**
 * HTTP/1.1: `transport: 'http'`; the app's Nest controllers on a Nest
 * platform (`options.platform`), or handlers `@OnRequest` with method and path.
 */
export function httpTransport(): Transport {
  const transport: Transport = {
    name: 'http',
    // HTTP listens on TCP: it cannot share a port with a TCP listener.
    protocol: 'tcp',
    events: Object.freeze(['request']),
    validateOptions: validateHttpOptions,
    httpPlatform: async (spec) => createHttpPlatform(spec),
    open: (context) => (servesNest(context) ? NestHttpListener.open(context) : HttpListener.open(context)),
    adopt: (context, handle) => (servesNest(context) ? NestHttpListener.adopt(context, handle) : HttpListener.adopt(context, handle)),
  };
  return Object.freeze(transport);
}

/** All three, for `run({ transports: [...tcpTransports()] })`. */
export function tcpTransports(): Transport[] {
  return [tcpTransport(), udpTransport(), httpTransport()];
}
