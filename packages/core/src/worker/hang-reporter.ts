import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { HANG_REPORT_CHILD_FD } from '../ipc';
import type { Logger } from '../logger';

/**
 * Starts the thread that writes this worker's diagnostic report when the
 * supervisor finds it hung (see hang-reporter-thread.ts). The thread has its
 * own event loop and its own socket to the supervisor, so it answers while
 * the main loop is stuck; it keeps nothing alive.
 */
export function startHangReporter(logger: Logger): void {
  try {
    const thread = new Worker(join(__dirname, 'hang-reporter-thread.js'), {
      workerData: { fd: HANG_REPORT_CHILD_FD },
      // Small: it only relays a request to the inspector and writes one line back.
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1 },
      stdout: false,
      stderr: false,
    });
    thread.unref();
    thread.on('error', (error) => logger.warn({ event: 'worker.hang-reporter-failed', err: error }, 'the hang reporter stopped; a hang will be reported without a JavaScript stack'));
  } catch (error) {
    logger.warn({ event: 'worker.hang-reporter-failed', err: error }, 'could not start the hang reporter; a hang will be reported without a JavaScript stack');
  }
}
