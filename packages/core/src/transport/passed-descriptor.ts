/**
 * A descriptor the supervisor was given at its start (systemd's socket
 * activation) made into a socket it can hold like the ones workers send it:
 * a libuv TCP or UDP handle (Node's IPC passes it to workers), or for SCTP a
 * bare descriptor for the descriptor link. Nothing polls it here.
 */
import { ERR_LISTENER_OPEN_FAILED } from '../errors';
import type { FdPassing } from './fd-passing';
import type { HeldHandle } from './held-handle';

interface WrapWithOpen extends HeldHandle {
  open(fd: number): number;
}

/**
 * Node makes listening handles from a descriptor only inside net.Server#listen({ fd }),
 * which would start accepting in the supervisor; its wrap classes take the descriptor
 * without polling it (what net does internally before listening).
 */
function nodeWrap(protocol: 'tcp' | 'udp'): WrapWithOpen {
  const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding;
  if (protocol === 'tcp') {
    const { TCP, constants } = binding('tcp_wrap') as { TCP: new (kind: number) => WrapWithOpen; constants: { SERVER: number } };
    return new TCP(constants.SERVER);
  }
  const { UDP } = binding('udp_wrap') as { UDP: new () => WrapWithOpen };
  return new UDP();
}

/** The handle the supervisor holds for `fd`, a socket of `protocol` ('tcp', 'udp', 'sctp') passed to it for `listener`. */
export function heldHandleOfDescriptor(listener: string, protocol: string, fd: number, fdPassing: FdPassing | undefined): HeldHandle {
  if (protocol === 'tcp' || protocol === 'udp') {
    const wrap = nodeWrap(protocol);
    const result = wrap.open(fd);
    if (result !== 0) throw new ERR_LISTENER_OPEN_FAILED(listener, `passed descriptor ${fd}`, `libuv could not take it (error ${result})`);
    return wrap;
  }
  if (fdPassing === undefined) {
    throw new ERR_LISTENER_OPEN_FAILED(listener, `passed descriptor ${fd}`, `no transport passes ${protocol} descriptors between processes`);
  }
  return fdPassing.handle(fd);
}
