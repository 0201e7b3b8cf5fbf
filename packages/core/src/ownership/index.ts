/**
 * Room `ownership`: who else listens on a listener's port. The kernel lets
 * any socket of the same user join a reuseport group and take a share of its
 * traffic; this room finds such sockets and the processes behind them, for
 * the start check (refuse) and the running supervisor's watch (report).
 */
export { describeForeignListener, describeForeignListeners, findForeignListeners, ownedPort, refuseForeignListeners } from './foreign-listeners';
export type { ForeignListener, OwnedPort, ShoalHolder } from './foreign-listeners';
export { ForeignListenerWatch } from './foreign-listener-watch';
export { REUSEPORT_PACKAGE, ReuseportSelector } from './reuseport-selector';
export type { SelectorBackend } from './reuseport-selector';
