/**
 * Opening and adopting SO_REUSEPORT sockets, shared by the three transports:
 * errors named after their cause, and the raw handles handed to the supervisor.
 */
import type { Server } from 'node:net';
import type { Socket as UdpSocket } from 'node:dgram';
import { ERR_LISTENER_OPEN_FAILED, type ListenerSpec, type ShoalError, addressInUseError } from '@shoal/core';
import { ERR_TCP_HANDLE_INVALID, ERR_TCP_HANDLE_UNAVAILABLE, ERR_UDP_HANDLE_INVALID, ERR_UDP_HANDLE_UNAVAILABLE } from './errors';

export function formatAddress(protocol: 'tcp' | 'udp', host: string, port: number): string {
  return `${protocol}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The error a failed bind or listen turns into. */
export function openError(spec: ListenerSpec, protocol: 'tcp' | 'udp', err: unknown): ShoalError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE') return addressInUseError(spec.name, protocol, spec.host, spec.port, err);
  const reason = err instanceof Error ? err.message : String(err);
  return new ERR_LISTENER_OPEN_FAILED(spec.name, formatAddress(protocol, spec.host, spec.port), reason, { cause: err });
}

function describeHandle(handle: unknown): string {
  if (handle === null || handle === undefined) return String(handle);
  if (typeof handle !== 'object') return `a ${typeof handle}`;
  return `an object of class ${(handle as object).constructor?.name ?? '(none)'}`;
}

/** libuv's UDP wrap (what dgram.Socket keeps as its handle): a HeldHandle that also starts and stops reading. */
export interface UdpWrap {
  recvStop(): number;
  recvStart(): number;
  close(): void;
}

/** Whether `handle` looks like libuv's TCP wrap (what net.Server#_handle is). */
export function isTcpHandle(handle: unknown): boolean {
  const h = handle as Record<string, unknown> | null;
  return (
    h !== null &&
    typeof h === 'object' &&
    typeof h.listen === 'function' &&
    typeof h.getsockname === 'function' &&
    typeof h.recvStart !== 'function'
  );
}

/** Whether `handle` looks like libuv's UDP wrap. */
export function isUdpHandle(handle: unknown): boolean {
  const h = handle as Record<string, unknown> | null;
  return h !== null && typeof h === 'object' && typeof h.recvStart === 'function' && typeof h.recvStop === 'function';
}

/** Starts a fresh SO_REUSEPORT listening server on the spec's address. */
export function listenFresh(server: Server, spec: ListenerSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(openError(spec, 'tcp', err));
    server.once('error', onError);
    server.listen({ host: spec.host, port: spec.port, reusePort: true }, () => {
      server.removeListener('error', onError);
      resolve();
    });
  });
}

/** Starts serving a listening TCP handle that the supervisor held. */
export function listenAdopted(server: Server, spec: ListenerSpec, handle: unknown): Promise<void> {
  if (!isTcpHandle(handle)) {
    return Promise.reject(new ERR_TCP_HANDLE_INVALID(spec.name, spec.transport, describeHandle(handle)));
  }
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(openError(spec, 'tcp', err));
    server.once('error', onError);
    // net.Server#listen takes a raw TCP wrap: it sets it as its handle and listens on it.
    server.listen(handle as never, () => {
      server.removeListener('error', onError);
      resolve();
    });
  });
}

/** The raw TCP wrap of a listening server, for the supervisor to hold. */
export function serverHandle(server: Server, spec: ListenerSpec): object {
  const handle = (server as unknown as { _handle: object | null })._handle;
  if (handle === null || handle === undefined || !server.listening) {
    throw new ERR_TCP_HANDLE_UNAVAILABLE(spec.name, spec.transport);
  }
  return handle;
}

/** The symbol under which node:dgram keeps a socket's state (with its raw handle). */
function stateSymbol(socket: UdpSocket): symbol | undefined {
  return Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
}

/** The raw UDP wrap of a bound dgram socket (node:dgram has no public accessor). */
export function udpHandle(socket: UdpSocket, spec: ListenerSpec): UdpWrap {
  const symbol = stateSymbol(socket);
  if (symbol === undefined) {
    throw new ERR_UDP_HANDLE_UNAVAILABLE(
      spec.name,
      `this Node.js (${process.version}) keeps no "state symbol" on dgram sockets, which Shoal reads the raw ` +
        `handle from; run Node 22.12+ or 24, the versions Shoal supports`,
    );
  }
  const handle = (socket as unknown as Record<symbol, { handle?: unknown }>)[symbol]?.handle;
  if (!isUdpHandle(handle)) {
    throw new ERR_UDP_HANDLE_UNAVAILABLE(spec.name, 'the socket is not bound or already closed; call heldHandle() between open()/adopt() and stopAccepting()');
  }
  return handle as UdpWrap;
}

export function checkUdpHandle(spec: ListenerSpec, handle: unknown): void {
  if (!isUdpHandle(handle)) throw new ERR_UDP_HANDLE_INVALID(spec.name, describeHandle(handle));
}
