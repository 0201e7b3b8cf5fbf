import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_OPTIONS, findConfigFile, readConfigFile } from '../config';
import { controlSocketPath, runtimeDir } from '../control';
import { UsageError } from './usage';

export interface SocketFlags {
  socket?: string;
  config?: string;
  name?: string;
}

/**
 * Which supervisor a command talks to: --socket, SHOAL_CONTROL_SOCKET,
 * --name (in the runtime directory), the config file's name or control.path
 * (--config, SHOAL_CONFIG or ./shoal.config.*), else the only socket in the
 * runtime directory (or shoal.sock).
 */
export async function findControlSocket(flags: SocketFlags, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<string> {
  if (flags.socket) return resolve(cwd, flags.socket);
  if (env.SHOAL_CONTROL_SOCKET) return resolve(cwd, env.SHOAL_CONTROL_SOCKET);
  if (flags.name) return controlSocketPath(flags.name, null, env);
  const file = findConfigFile(flags.config ?? env.SHOAL_CONFIG, cwd);
  if (file) {
    const config = await readConfigFile(file);
    const path = config.control === false ? undefined : config.control?.path;
    return controlSocketPath(env.SHOAL_NAME ?? config.name ?? DEFAULT_OPTIONS.name, path, env);
  }
  if (env.SHOAL_NAME) return controlSocketPath(env.SHOAL_NAME, null, env);
  const dir = runtimeDir(env);
  let sockets: string[] = [];
  try {
    sockets = readdirSync(dir).filter((name) => name.endsWith('.sock') && statSync(join(dir, name)).isSocket());
  } catch {
    // No runtime directory: nothing runs; the default path makes the "no supervisor" message.
  }
  if (sockets.length > 1 && !sockets.includes(`${DEFAULT_OPTIONS.name}.sock`)) {
    throw new UsageError(`several supervisors run here (${sockets.map((s) => join(dir, s)).join(', ')}); choose one with --name or --socket`);
  }
  return sockets.length === 1 ? join(dir, sockets[0]) : controlSocketPath(DEFAULT_OPTIONS.name, null, env);
}

