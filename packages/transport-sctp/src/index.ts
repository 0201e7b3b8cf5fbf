/**
 * @shoal/transport-sctp: SCTP listeners for a Shoal cluster, on @shoal/sctp
 * (the addon and its API, usable without Shoal: sockets, servers, endpoints,
 * options and errors are imported from there).
 */
export { sctpTransport, shoalTransports } from './transport';
export {
  SCTP_EVENTS, OnSctpMessage, OnAssociationUp, OnAssociationDown, OnAssociationDrain, OnPeerAddressChange, OnSctpNotification,
} from './decorators';
export type {
  SctpAssociationContext, SctpMessageContext, SctpSendOptions, SctpPayload, SctpAssociationDown, SctpPeerAddressChange,
} from './context';
export {
  SCTP_LISTENER_DEFAULTS, SCTP_HANDLER_ERRORS, validateSctpListenerOptions, listenerSocketOptions, type SctpListenerOptions, type SctpListenerStyle,
} from './listener-options';
export { sctpFdPassing } from './fd-link';
export { ERR_SCTP_HANDLE_INVALID } from './errors';
