// `sctpTransport()`: SCTP listeners for a Shoal cluster (see one-to-one-listener.ts, one-to-many-listener.ts).
import type { ListenerContext, Listener, Transport } from '@shoal/core';
import { SCTP_EVENTS } from './decorators';
import { sctpFdPassing } from './fd-link';
import { validateSctpListenerOptions } from './listener-options';
import { OneToManyListener } from './one-to-many-listener';
import { OneToOneListener } from './one-to-one-listener';

function styleOf(context: ListenerContext): string {
  return (context.spec.options as { style?: string }).style ?? 'one-to-one';
}

/** SCTP: `transport: 'sctp'`; handlers @OnSctpMessage, @OnAssociationUp/Down, @OnPeerAddressChange, @OnSctpNotification. */
export function sctpTransport(): Transport {
  const transport: Transport = {
    name: 'sctp',
    protocol: 'sctp',
    events: SCTP_EVENTS,
    validateOptions: validateSctpListenerOptions,
    open: (context): Promise<Listener> => (styleOf(context) === 'one-to-many' ? OneToManyListener.open(context) : OneToOneListener.open(context)),
    adopt: (context, handle): Promise<Listener> =>
      styleOf(context) === 'one-to-many' ? OneToManyListener.adopt(context, handle) : OneToOneListener.adopt(context, handle),
    fdPassing: sctpFdPassing,
  };
  return Object.freeze(transport);
}

/** What `shoal start` loads for listeners of transport sctp (see @shoal/core config-file.ts). */
export function shoalTransports(): Transport[] {
  return [sctpTransport()];
}
