/**
 * @shoal/systemd: what Node lacks to run under systemd, as an N-API addon:
 * sd_notify (an AF_UNIX datagram to NOTIFY_SOCKET, abstract names included)
 * and a look at descriptors passed by socket activation (type, family,
 * protocol, address, SO_REUSEPORT). Usable without Shoal; @shoal/core loads
 * it only when NOTIFY_SOCKET or LISTEN_FDS is set.
 */
export { notify, formatNotification, checkNotifySocket, type NotifyFields } from './notify';
export { passedSocketInfo, setCloseOnExec, type PassedSocketInfo } from './socket-info';
export {
  ERR_SYSTEMD_NATIVE_LOAD, ERR_SYSTEMD_INVALID_ARGUMENT, ERR_SYSTEMD_NOTIFY_FAILED, ERR_SYSTEMD_SOCKET_UNREADABLE,
} from './errors';
export { isShoalError, ShoalError } from '@shoal/common';
