/**
 * @shoal/sctp: SCTP for Node.js over the Linux kernel's own SCTP (an N-API
 * addon and a typed API over it), usable without Shoal. The Shoal cluster
 * transport on top of it is @shoal/transport-sctp.
 */
export {
  ERR_SCTP_UNSUPPORTED, ERR_SCTP_NATIVE_LOAD, ERR_SCTP_INVALID_ARGUMENT, ERR_SCTP_INVALID_OPTION, ERR_SCTP_SYSCALL,
  ERR_SCTP_ADDRESS_IN_USE, ERR_SCTP_REUSEPORT_MISMATCH, ERR_SCTP_CONNECT_FAILED, ERR_SCTP_ASSOC_LOST,
  ERR_SCTP_MESSAGE_TOO_LARGE, ERR_SCTP_SOCKET_CLOSED, ERR_SCTP_FD_PASSING, ERR_SCTP_FEATURE_UNAVAILABLE, SctpAbortError,
  type SctpAssociationError,
} from './errors';
export { isShoalError, ShoalError } from '@shoal/common';
export {
  DEFAULT_OPTIONS, validateOptions, validateSctpOptions, assumeValidOptions,
  type SctpOptions, type SctpOptionsInput, type SctpOptionsReadBack, type SctpEventOptions, type SctpInitMsg,
  type SctpRtoInfo, type SctpAssocInfo, type SctpPeerAddrParams, type SctpDelayedSack, type SctpSendInfoDefaults,
  type SctpStreamResetOptions, type SctpPrPolicyName, type SctpDefaultPrInfo, type SctpPeerAddrThresholds, type SctpStreamScheduler,
} from './options';
export type {
  SctpStreamResetDirection, SctpResetStreamsRequest, SctpAddStreamsRequest, SctpAbandoned, SctpPrStatus,
} from './association-control';
export type { SctpSendInfo, SctpMessage, SctpStatus, SctpSocketStats, SctpPeerAddrInfo } from './message-socket';
export type { MessageIteratorOptions } from './message-iterator';
export {
  SctpSocket, SctpServer, connect, createServer,
  type SctpConnectOptions, type SctpListenOptions,
} from './one-to-one';
export {
  SctpEndpoint, createEndpoint,
  type SctpEndpointBindOptions, type SctpEndpointTarget, type SctpAssociationInfo, type SctpEndpointConnectOptions,
} from './one-to-many';
export { familyOf } from './arguments';
export { NOTIFICATION_TYPES, PARTIAL_DELIVERY_ABORTED } from './notifications';
export type * from './notifications';
export { FdChannel, FdChannelServer, adoptSctpFd, closeFd, type ReceivedFd } from './fd-passing';
export {
  readSctpSnmp, readSctpAssocs, readSctpEndpoints, readSctpKernelStats, sctpKernelMetrics, parseAssocLine,
  type SctpKernelAssoc, type SctpKernelEndpoint, type SctpKernelStats, type PromMetricSnapshot,
} from './kernel-stats';
export type { NativeAddress as SctpAddress } from './native';
export { isSctpSupported, checkSctpSupport } from './support';
