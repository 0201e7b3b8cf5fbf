/**
 * Room `upgrade`: in-place upgrade of the supervisor (`shoal upgrade`,
 * SIGUSR2). The old supervisor starts a new one from the code on disk and
 * hands it every listening socket and its counters over the protocol in
 * protocol.ts; the new one takes over, the old one drains and exits.
 */
export { upgradeSupervisor } from './predecessor';
export { reportUpgradeFailure, takeOver, upgradingFrom } from './successor';
export { keepServiceAlive, needsKeeper } from './keeper';
export { UPGRADE_FD_LINK_ENV, UPGRADE_FROM_ENV } from './protocol';
export type { EndpointName, PredecessorMessage, PredecessorRequests, SuccessorMessage } from './protocol';
