import type { HandlerErrorPolicies, HandlerErrorPolicy, OptionsResult } from '@shoal/core';
import { lazySchema } from '@shoal/common';
import type { z } from 'zod';
import { fields, loadZod, transportOptions } from './options';

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
  /**
   * What a failed handler gets (HandlerErrorPolicy of @shoal/core): 'reply' a
   * datagram `ERR <code>` to the sender, 'ignore' nothing (counted and logged only).
   */
  readonly onHandlerError: HandlerErrorPolicy;
}

/** What `onHandlerError` may be on a UDP listener (there is no connection to close). */
export const UDP_HANDLER_ERRORS: HandlerErrorPolicies = Object.freeze({ supported: Object.freeze(['reply', 'ignore'] as const), default: 'ignore' });

export const UDP_DEFAULTS: Readonly<Pick<UdpOptions, 'maxDatagramBytes' | 'onHandlerError' | 'recvBufferSize'>> = Object.freeze({
  maxDatagramBytes: 65_507,
  recvBufferSize: 2 * 1024 * 1024,
  onHandlerError: UDP_HANDLER_ERRORS.default,
});

const schema = lazySchema((): z.ZodType<UdpOptions> => {
  const zod = loadZod();
  const f = fields(zod);
  return zod
    .strictObject(
      {
        type: f.oneOf(['udp4', 'udp6']).optional(),
        maxDatagramBytes: f.positiveInt(65_535).default(UDP_DEFAULTS.maxDatagramBytes),
        recvBufferSize: f.positiveInt().default(UDP_DEFAULTS.recvBufferSize),
        sendBufferSize: f.positiveInt().optional(),
        onHandlerError: f.onHandlerError(UDP_HANDLER_ERRORS).optional(),
        /** @deprecated `onHandlerError: 'reply'` (true) or 'ignore' (false). */
        replyOnError: f.boolean().optional(),
      },
      { error: 'an object' },
    )
    .transform(({ replyOnError, onHandlerError, ...rest }) => ({
      ...rest,
      onHandlerError: (onHandlerError as HandlerErrorPolicy | undefined) ?? (replyOnError === undefined ? UDP_DEFAULTS.onHandlerError : replyOnError ? 'reply' : 'ignore'),
    }));
});

export function validateUdpOptions(options: unknown, path: string): OptionsResult & { options: UdpOptions } {
  return transportOptions(schema(), options, path);
}

/** The socket family of a listener. */
export function udpType(options: UdpOptions, host: string): 'udp4' | 'udp6' {
  return options.type ?? (host.includes(':') ? 'udp6' : 'udp4');
}
