/** Environment variables through which the supervisor tells a forked process it is a worker. */
export const WORKER_ENV = {
  slot: 'SHOAL_WORKER_SLOT',
  generation: 'SHOAL_WORKER_GENERATION',
  /** The application's file when started by `shoal start` (for the code version in `shoal status`). */
  appFile: 'SHOAL_APP_FILE',
  /** Set when the worker inherits a descriptor link (see FdPassing) at stdio index FD_LINK_CHILD_FD. */
  fdLink: 'SHOAL_WORKER_FD_LINK',
} as const;

export function isWorkerProcess(): boolean {
  return process.env[WORKER_ENV.slot] !== undefined && typeof process.send === 'function';
}
