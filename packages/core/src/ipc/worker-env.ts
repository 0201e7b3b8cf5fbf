/** Environment variables through which the supervisor tells a forked process it is a worker. */
export const WORKER_ENV = {
  slot: 'SHOAL_WORKER_SLOT',
  generation: 'SHOAL_WORKER_GENERATION',
  /** The application's file when started by `shoal start` (for the code version in `shoal status`). */
  appFile: 'SHOAL_APP_FILE',
  /** Set when the worker inherits a descriptor link (see FdPassing) at stdio index FD_LINK_CHILD_FD. */
  fdLink: 'SHOAL_WORKER_FD_LINK',
  /** Set when the worker's hang reporter listens on a socket at stdio index HANG_REPORT_CHILD_FD (see watchdog). */
  hangReport: 'SHOAL_WORKER_HANG_REPORT',
  /** The service's name and its supervisor's control socket: what names them to another supervisor that finds this worker on its port. */
  service: 'SHOAL_WORKER_SERVICE',
  control: 'SHOAL_WORKER_CONTROL',
} as const;

/** The worker's end of the supervisor's hang-report socket (after the descriptor link at 4). */
export const HANG_REPORT_CHILD_FD = 5;

/** A frame of a hung worker's JavaScript stack, as its hang reporter saw it. */
export interface StackFrame {
  function: string;
  url: string;
  line: number;
  column: number;
}

/**
 * One line of JSON each way on the hang-report socket: the supervisor asks
 * for Node's report written to `file`; the worker's reporter thread answers
 * with the stack it found (or why it could not).
 */
export interface HangReportRequest {
  file: string;
}
export type HangReportAnswer = { ok: true; file: string; frames: StackFrame[] } | { ok: false; error: string };

export function isWorkerProcess(): boolean {
  return process.env[WORKER_ENV.slot] !== undefined && typeof process.send === 'function';
}
