/**
 * The program every worker of `shoal start` runs, with the supervisor's own
 * command line: it resolves the same configuration, loads the app and boots.
 */
import 'reflect-metadata';
import { ERR_WORKER_BOOT_FAILED } from '../errors';
import { openWorkerChannel, serializeError } from '../ipc';
import { WORKER_ENV } from '../ipc';
import { parseCommandLine } from './arguments';
import { startWorker } from './start';
import type { StartFlags } from './start';

// At once: the supervisor's first messages (configuration, held sockets) may already be on their way.
const channel = openWorkerChannel();

async function main(): Promise<void> {
  const { positionals, flags } = parseCommandLine(process.argv.slice(2), 'start');
  await startWorker(positionals[0], flags as StartFlags, channel);
}

main().catch((error: Error) => {
  // What fails before the worker runtime exists (config, app file) still reaches the supervisor as a boot failure.
  const slot = Number(process.env[WORKER_ENV.slot]);
  const failure = new ERR_WORKER_BOOT_FAILED(slot, error.message, { cause: error });
  process.stderr.write(`shoal worker ${slot}: ${failure.message}\n`);
  if (process.send) process.send({ type: 'boot-failed', error: serializeError(failure) }, () => process.exit(1));
  else process.exit(1);
});
