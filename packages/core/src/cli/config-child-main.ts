/**
 * The program `shoal start` runs to read its configuration: it compiles the
 * config file (jiti, for TypeScript), applies environment and flags,
 * validates everything (zod), loads the transports, and sends the result
 * back as JSON. The supervisor, which lives for months, thus never holds the
 * compiler, the validator or the config module's own imports in memory.
 */
import 'reflect-metadata';
import { serializeError } from '../ipc';
import { toWorkerConfig } from '../config';
import { resolveStart } from './start-config';
import type { StartFlags } from './start-config';
import { UsageError } from './usage';
import type { ConfigChildReply, ConfigChildRequest } from './isolated-config';

async function main(): Promise<ConfigChildReply> {
  const request = JSON.parse(process.argv[2] ?? '{}') as ConfigChildRequest;
  try {
    const { loaded, app, packageDirs } = await resolveStart(request.app, request.flags as StartFlags);
    return { ok: true, worker: toWorkerConfig(loaded, app, packageDirs), file: loaded.file };
  } catch (error) {
    return { ok: false, usage: error instanceof UsageError, error: serializeError(error) };
  }
}

void main().then((reply) => process.send!(reply, () => process.exit(0)));
