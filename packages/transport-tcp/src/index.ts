export { tcpTransport, udpTransport, httpTransport, tcpTransports } from './transports';
/** What `shoal start` loads for listeners of transport tcp, udp or http (see @shoal/core config-file.ts). */
export { tcpTransports as shoalTransports } from './transports';

export type { TcpContext } from './tcp-context';
export type { UdpContext } from './udp-context';
export type { HttpContext, HttpParams } from './http-context';

export type { TcpOptions } from './tcp-options';
export { TCP_DEFAULTS, TCP_HANDLER_ERRORS, validateTcpOptions } from './tcp-options';
export type { UdpOptions } from './udp-options';
export { UDP_DEFAULTS, UDP_HANDLER_ERRORS, validateUdpOptions } from './udp-options';
export type { TlsInfo, TlsPeerCertificate } from './tls-info';
export type { ClientCertificateMode, TlsKeyPair, TlsOptions } from './tls-options';
export { TLS_DEFAULTS } from './tls-options';
export { tlsClientFailure, tlsServerOptions } from './tls-server';
export type { HttpOptions, HttpPlatformName } from './http-options';
export { HTTP_DEFAULTS, HTTP_HANDLER_ERRORS, HTTP_PLATFORMS, validateHttpOptions } from './http-options';
export type { WebSocketOptions } from './websocket';
export { WEBSOCKET_DEFAULTS } from './websocket';

export type { Framer, FramingName, Payload } from './framing';
export { RawFramer } from './framing';
export { LinesFramer } from './framing';
export { LengthPrefixedFramer } from './framing';
export { createFramer } from './framing';

export { TcpListener } from './tcp-listener';
export { UdpListener } from './udp-listener';
export { HttpListener } from './http-listener';
export { NestHttpListener } from './nest-http-listener';

export * from './errors';
