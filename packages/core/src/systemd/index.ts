/**
 * Room `systemd`: running under systemd. Type=notify (READY, RELOADING,
 * STOPPING, STATUS, WATCHDOG through @shoal/systemd, loaded only when
 * NOTIFY_SOCKET or LISTEN_FDS is set) and socket activation (listeners take
 * the sockets systemd passed). The supervisor sees none of it but the
 * sockets; compose.ts wires the notifier to its events.
 */
export { SYSTEMD_ENV, LISTEN_FDS_START, readSystemdEnvironment, systemdVariablesSet, workerEnvironment } from './systemd-env';
export type { PassedDescriptor, SystemdEnvironment } from './systemd-env';
export { loadSystemdBackend } from './systemd-backend';
export type { PassedSocketInfo, SystemdBackend } from './systemd-backend';
export { SystemdNotifier } from './notifier';
export type { NotifierHost } from './notifier';
export { checkPassedSocket, matchDescriptors, takePassedSockets, whySlotsShare } from './socket-activation';
export type { PassedListener } from './socket-activation';
