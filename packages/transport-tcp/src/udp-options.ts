import type { OptionsResult } from '@shoal/core';
import { OptionsChecker } from './options';

export interface UdpOptions {
  /** Socket family; when unset, 'udp6' if the listener's host contains ':', else 'udp4'. */
  readonly type?: 'udp4' | 'udp6';
  /** Larger datagrams are dropped and counted as protocol errors. */
  readonly maxDatagramBytes: number;
  /**
   * SO_RCVBUF of the socket, set when the slot's socket is first opened (it
   * stays with the socket across reloads). The kernel caps it at
   * net.core.rmem_max. Its own default (about 208 KiB, some 230 small
   * datagrams) overflows when the workers are short of CPU for a moment, as
   * while a replacement boots during a reload; 2 MiB rides that out.
   */
  readonly recvBufferSize: number;
  /** SO_SNDBUF, when set. */
  readonly sendBufferSize?: number;
  /** Answer a throwing handler with a datagram `ERR <code>`; by default nothing is sent. */
  readonly replyOnError: boolean;
}

export const UDP_DEFAULTS: Readonly<Pick<UdpOptions, 'maxDatagramBytes' | 'replyOnError' | 'recvBufferSize'>> = Object.freeze({
  maxDatagramBytes: 65_507,
  recvBufferSize: 2 * 1024 * 1024,
  replyOnError: false,
});

const KNOWN = ['type', 'maxDatagramBytes', 'recvBufferSize', 'sendBufferSize', 'replyOnError'];

export function validateUdpOptions(options: unknown, path: string): OptionsResult & { options: UdpOptions } {
  const c = new OptionsChecker(options, path, KNOWN, 'udp');
  const type = c.isSet('type') ? c.oneOf<'udp4' | 'udp6'>('type', 'udp4', ['udp4', 'udp6']) : undefined;
  const result: UdpOptions = {
    ...(type !== undefined && { type }),
    maxDatagramBytes: c.positiveInt('maxDatagramBytes', UDP_DEFAULTS.maxDatagramBytes, 65_535),
    recvBufferSize: c.positiveInt('recvBufferSize', UDP_DEFAULTS.recvBufferSize),
    ...optional('sendBufferSize', c.optionalPositiveInt('sendBufferSize')),
    replyOnError: c.boolean('replyOnError', UDP_DEFAULTS.replyOnError),
  };
  return { options: Object.freeze(result), problems: c.problems };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** The socket family of a listener. */
export function udpType(options: UdpOptions, host: string): 'udp4' | 'udp6' {
  return options.type ?? (host.includes(':') ? 'udp6' : 'udp4');
}
