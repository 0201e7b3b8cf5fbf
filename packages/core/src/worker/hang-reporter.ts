import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { HANG_REPORT_CHILD_FD } from '../ipc';
import type { Logger } from '../logger';

/** Longer than a thread's start on a loaded host; past it the worker serves anyway (the thread may still come up). */
const STARTED_TIMEOUT_MS = 5_000;

/**
 * Starts the thread that writes this worker's diagnostic report when the
 * supervisor finds it hung (see hang-reporter-thread.ts). The thread has its
 * own event loop and its own socket to the supervisor, so it answers while
 * the main loop is stuck; it keeps nothing alive.
 *
 * Resolves once the thread listens (or failed): a thread's start costs tens
 * of milliseconds of CPU, which the worker spends before it takes traffic,
 * not beside its first requests (bench/upgrade: at the hand-over of an upgrade).
 */
export function startHangReporter(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const failed = (error: unknown, text: string): void => {
      logger.warn({ event: 'worker.hang-reporter-failed', err: error }, text);
      resolve();
    };
    try {
      const thread = new Worker(join(__dirname, 'hang-reporter-thread.js'), {
        workerData: { fd: HANG_REPORT_CHILD_FD },
        // Small: it only relays a request to the inspector and writes one line back. Not smaller: with an old
        // generation of 8 MB its start alone ran the garbage collector and took half again as much CPU.
        resourceLimits: { maxOldGenerationSizeMb: 16 },
        stdout: false,
        stderr: false,
      });
      thread.unref();
      const timer = setTimeout(resolve, STARTED_TIMEOUT_MS).unref();
      const started = (): void => {
        clearTimeout(timer);
        resolve();
      };
      thread.once('message', started);
      // Gone before it said so (its own error is logged below): no reason to hold the listeners back.
      thread.once('exit', started);
      thread.on('error', (error) => failed(error, 'the hang reporter stopped; a hang will be reported without a JavaScript stack'));
    } catch (error) {
      failed(error, 'could not start the hang reporter; a hang will be reported without a JavaScript stack');
    }
  });
}
