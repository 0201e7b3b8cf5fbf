// What the kernel says when an RFC feature is missing or switched off, in
// words: the options and calls of RFC 6525 (stream reconfiguration), RFC 8260
// (interleaving), RFC 4895 (AUTH), RFC 5061 (ASCONF), PR-SCTP and RFC 7829
// fail with ENOPROTOOPT, EPERM, EACCES or EOPNOTSUPP when the kernel lacks
// them or they are off; the error then names the option and what is missing.
import * as os from 'node:os';
import { errnoName } from '@shoal/common';
import { ERR_SCTP_FEATURE_UNAVAILABLE, syscallError, type SctpAssociationError } from './errors';
import { OPT } from './native';

const { ENOPROTOOPT, EPERM, EACCES, EOPNOTSUPP, EAGAIN, EINPROGRESS } = os.constants.errno;

/** Per option: [kernel option name, what a refusal means, by errno]. */
const HINTS: Readonly<Record<number, readonly [string, Readonly<Record<number, string>>]>> = {
  [OPT.RECONFIG_SUPPORTED]: ['SCTP_RECONFIG_SUPPORTED', {
    [ENOPROTOOPT]: 'this kernel has no RFC 6525 stream reconfiguration (Linux 4.12 or later has it)',
  }],
  [OPT.ENABLE_STREAM_RESET]: ['SCTP_ENABLE_STREAM_RESET', {
    [ENOPROTOOPT]: 'this kernel has no RFC 6525 stream reconfiguration (Linux 4.12 or later has it)',
  }],
  [OPT.RESET_STREAMS]: ['SCTP_RESET_STREAMS', {
    [ENOPROTOOPT]: 'the association does not do stream resets: set options.reconfig and options.streamReset.resetStreams on both ends before it is set up (the peer must support RFC 6525)',
    [EAGAIN]: 'the streams to reset still have data queued or in flight: wait for the sender-dry notification (options.events.senderDry) and retry',
    [EINPROGRESS]: 'another reconfiguration request of this association is still outstanding: wait for its stream-reset, assoc-reset or stream-change notification',
  }],
  [OPT.ADD_STREAMS]: ['SCTP_ADD_STREAMS', {
    [ENOPROTOOPT]: 'the association does not add streams: set options.reconfig and options.streamReset.addStreams on both ends before it is set up (the peer must support RFC 6525)',
    [EINPROGRESS]: 'another reconfiguration request of this association is still outstanding: wait for its notification',
  }],
  [OPT.RESET_ASSOC]: ['SCTP_RESET_ASSOC', {
    [ENOPROTOOPT]: 'the association does not do association resets: set options.reconfig and options.streamReset.resetAssociation on both ends before it is set up',
    [EAGAIN]: 'the association still has data queued or in flight: wait for the sender-dry notification and retry',
    [EINPROGRESS]: 'another reconfiguration request of this association is still outstanding: wait for its notification',
  }],
  [OPT.INTERLEAVING_SUPPORTED]: ['SCTP_INTERLEAVING_SUPPORTED', {
    [ENOPROTOOPT]: 'this kernel has no RFC 8260 I-DATA (Linux 4.16 or later has it)',
    [EPERM]: 'I-DATA is disabled in this network namespace (net.sctp.intl_enable=0: sysctl -w net.sctp.intl_enable=1), or SCTP_FRAGMENT_INTERLEAVE is off',
  }],
  [OPT.STREAM_SCHEDULER]: ['SCTP_STREAM_SCHEDULER', {
    [ENOPROTOOPT]: 'this kernel has no stream schedulers (Linux 4.15 or later has them)',
  }],
  [OPT.AUTH_SUPPORTED]: ['SCTP_AUTH_SUPPORTED', { [ENOPROTOOPT]: 'this kernel has no per-socket SCTP-AUTH switch (Linux 5.4 or later has it); use net.sctp.auth_enable' }],
  [OPT.AUTH_CHUNK]: ['SCTP_AUTH_CHUNK', { [EACCES]: 'SCTP-AUTH is off on this socket: set options.authSupported (or net.sctp.auth_enable=1)' }],
  [OPT.AUTH_KEY]: ['SCTP_AUTH_KEY', { [EACCES]: 'SCTP-AUTH is off on this socket: set options.authSupported (or net.sctp.auth_enable=1)' }],
  [OPT.AUTH_ACTIVE_KEY]: ['SCTP_AUTH_ACTIVE_KEY', { [EACCES]: 'SCTP-AUTH is off on this socket or association (options.authSupported on both ends)' }],
  [OPT.AUTH_DELETE_KEY]: ['SCTP_AUTH_DELETE_KEY', { [EACCES]: 'SCTP-AUTH is off on this socket or association (options.authSupported on both ends)' }],
  [OPT.AUTH_DEACTIVATE_KEY]: ['SCTP_AUTH_DEACTIVATE_KEY', { [EACCES]: 'SCTP-AUTH is off on this socket or association (options.authSupported on both ends)' }],
  [OPT.PEER_AUTH_CHUNKS]: ['SCTP_PEER_AUTH_CHUNKS', { [EACCES]: 'SCTP-AUTH is off on this socket or association (options.authSupported on both ends)' }],
  [OPT.LOCAL_AUTH_CHUNKS]: ['SCTP_LOCAL_AUTH_CHUNKS', { [EACCES]: 'SCTP-AUTH is off on this socket or association (options.authSupported on both ends)' }],
  [OPT.ASCONF_SUPPORTED]: ['SCTP_ASCONF_SUPPORTED', { [ENOPROTOOPT]: 'this kernel has no per-socket ASCONF switch (Linux 5.4 or later has it); use net.sctp.addip_enable' }],
  [OPT.SET_PEER_PRIMARY_ADDR]: ['SCTP_SET_PEER_PRIMARY_ADDR', {
    [EPERM]: 'ASCONF (RFC 5061) is off on this socket or the peer did not offer it: set options.asconf and options.authSupported on both ends ' +
      '(ASCONF needs AUTH unless net.sctp.addip_noauth_enable=1) before the association is set up',
  }],
  [OPT.DEFAULT_PRINFO]: ['SCTP_DEFAULT_PRINFO', { [ENOPROTOOPT]: 'this kernel has no PR-SCTP policies (Linux 4.7 or later has them)' }],
  [OPT.PR_ASSOC_STATUS]: ['SCTP_PR_ASSOC_STATUS', {
    [ENOPROTOOPT]: 'this kernel has no PR-SCTP counters (Linux 4.7 or later has them)',
  }],
  [OPT.PR_STREAM_STATUS]: ['SCTP_PR_STREAM_STATUS', {
    [ENOPROTOOPT]: 'this kernel has no per-stream PR-SCTP counters (Linux 4.8 or later has them)',
  }],
  [OPT.PEER_ADDR_THLDS]: ['SCTP_PEER_ADDR_THLDS_V2', {
    [ENOPROTOOPT]: 'this kernel has no SCTP_PEER_ADDR_THLDS_V2 (RFC 7829 primary path switchover threshold; Linux 5.5 or later has it)',
  }],
};

const FEATURE_ERRNOS = new Set([ENOPROTOOPT, EPERM, EACCES, EOPNOTSUPP, EAGAIN, EINPROGRESS]);

/**
 * The error of a failed setsockopt/getsockopt of option `opt`: a
 * SHOAL_ERR_SCTP_FEATURE_UNAVAILABLE naming the kernel option and what is
 * missing where the errno means that, else SHOAL_ERR_SCTP_SYSCALL. As every
 * system call error, its `code` is the errno's name.
 */
export function optionError(errno: number, syscall: string, what: string, opt: number, assocId?: number): SctpAssociationError {
  const hint = HINTS[opt];
  const e = Math.abs(errno);
  const lacks = hint?.[1][e];
  if (hint !== undefined && FEATURE_ERRNOS.has(e)) {
    const err = new ERR_SCTP_FEATURE_UNAVAILABLE(what, hint[0], errnoName(errno), lacks ?? 'the kernel lacks it or it is switched off', { errno, syscall });
    if (assocId !== undefined) Object.assign(err, { assocId });
    return err;
  }
  return syscallError(errno, syscall, what, assocId);
}
