export {
  SctpError, ERROR_CODES, type SctpErrorCode,
} from './errors';
export {
  DEFAULT_OPTIONS, validateOptions,
  type SctpOptions, type SctpOptionsInput, type SctpOptionsReadBack, type SctpEventOptions, type SctpInitMsg,
  type SctpRtoInfo, type SctpAssocInfo, type SctpPeerAddrParams, type SctpDelayedSack, type SctpSendInfoDefaults,
} from './options';
export type { SctpSendInfo, SctpMessage, SctpStatus, SctpSocketStats, SctpPeerAddrInfo } from './message-socket';
export {
  SctpSocket, SctpServer, connect, createServer,
  type SctpConnectOptions, type SctpListenOptions,
} from './one-to-one';
export {
  SctpEndpoint, createEndpoint,
  type SctpEndpointBindOptions, type SctpEndpointTarget, type SctpAssociationInfo,
} from './one-to-many';
export { NOTIFICATION_TYPES, PARTIAL_DELIVERY_ABORTED } from './notifications';
export type * from './notifications';
export { FdChannel, FdChannelServer, adoptSctpFd, closeFd, type ReceivedFd } from './fd-passing';
export {
  readSctpSnmp, readSctpAssocs, readSctpEndpoints, readSctpKernelStats, sctpKernelMetrics, parseAssocLine,
  type SctpKernelAssoc, type SctpKernelEndpoint, type SctpKernelStats, type PromMetricSnapshot,
} from './kernel-stats';
export type { NativeAddress as SctpAddress } from './native';
export { isSctpSupported } from './support';
export { checkSctpSupport } from './support';
// In a Shoal cluster.
export { sctpTransport } from './cluster/transport';
export {
  SCTP_EVENTS, OnSctpMessage, OnAssociationUp, OnAssociationDown, OnPeerAddressChange, OnSctpNotification,
} from './cluster/decorators';
export type {
  SctpAssociationContext, SctpMessageContext, SctpSendOptions, SctpPayload, SctpAssociationDown, SctpPeerAddressChange,
} from './cluster/context';
export {
  SCTP_LISTENER_DEFAULTS, validateSctpListenerOptions, type SctpListenerOptions, type SctpListenerStyle,
} from './cluster/listener-options';
export { sctpFdPassing } from './cluster/fd-link';
export { shoalTransports } from './cluster/transport';
