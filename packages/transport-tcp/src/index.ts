export { tcpTransport, udpTransport, httpTransport, tcpTransports } from './transports';
/** What `shoal start` loads for listeners of transport tcp, udp or http (see @shoal/core config-file.ts). */
export { tcpTransports as shoalTransports } from './transports';

export type { TcpContext } from './tcp-context';
export type { UdpContext } from './udp-context';
export type { HttpContext } from './http-context';

export type { TcpOptions } from './tcp-options';
export { TCP_DEFAULTS, validateTcpOptions } from './tcp-options';
export type { UdpOptions } from './udp-options';
export { UDP_DEFAULTS, validateUdpOptions } from './udp-options';
export type { HttpOptions } from './http-options';
export { HTTP_DEFAULTS, validateHttpOptions } from './http-options';

export type { Framer, FramingName, Payload } from './framing/framer';
export { RawFramer } from './framing/raw';
export { LinesFramer } from './framing/lines';
export { LengthPrefixedFramer } from './framing/length-prefixed';
export { createFramer } from './framing/create';

export { TcpListener } from './tcp-listener';
export { UdpListener } from './udp-listener';
export { HttpListener } from './http-listener';

export * from './errors';
