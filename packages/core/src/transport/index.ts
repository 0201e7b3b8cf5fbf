/**
 * Room `transport`: the one interface a transport implements (open or adopt a
 * reuseport listener, stop accepting, drain by a deadline) and what travels
 * with it: held sockets, descriptor passing, the EADDRINUSE diagnosis. The
 * core knows no protocol.
 */
export type { DrainReport, Listener, ListenerContext, ListenerSpec, OptionsResult, Transport } from './transport';
export type { HeldHandle } from './held-handle';
export type { HttpPlatform } from './http-platform';
export { closeHeld } from './held-handle';
export type { FdLink, FdPassing, RawFdHandle } from './fd-passing';
export { FD_LINK_CHILD_FD, isRawFdHandle } from './fd-passing';
export { addressInUseError, socketOwnersOfPort } from './port-owner';
export { hostPort, listeningSockets, takesTrafficOf } from './port-sockets';
export type { KernelProtocol, KernelSocket } from './port-sockets';
export { heldHandleOfDescriptor } from './passed-descriptor';
