import { readdirSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import {
  ERR_CONTROL_NO_SUPERVISOR,
  ERR_CONTROL_PERMISSION,
  ERR_CONTROL_PROTOCOL,
  ERR_CONTROL_STALE_SOCKET,
  ShoalError,
} from '../errors';
import type { ControlCommand, ControlCommands, ControlReply } from '../control-protocol';
import type { FleetReloadProgress } from '../fleet';
import type { ReloadProgress } from '../rolling-reload';
import { findConfigFile, readConfigFile } from '../config-file';
import { DEFAULT_OPTIONS } from '../options';
import { controlSocketPath, runtimeDir } from '../runtime-dir';
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

/** The error a failed connect means to an operator. */
function connectError(path: string, error: NodeJS.ErrnoException): ShoalError {
  switch (error.code) {
    case 'ENOENT':
      return new ERR_CONTROL_NO_SUPERVISOR(path, { cause: error });
    case 'ECONNREFUSED':
      return new ERR_CONTROL_STALE_SOCKET(path, { cause: error });
    case 'EACCES':
    case 'EPERM': {
      let owner: number | null = null;
      try {
        owner = statSync(path).uid;
      } catch {
        // The directory itself is closed to us: the owner stays unknown.
      }
      return new ERR_CONTROL_PERMISSION(path, owner, { cause: error });
    }
    default:
      return new ShoalError(error.code ?? 'SHOAL_ERR_UNKNOWN', `cannot reach the supervisor at ${path}: ${error.message}`, { cause: error });
  }
}

/**
 * Sends one command and resolves with its result; progress events (reload)
 * go to `onProgress` as they come. A failed command rejects with the
 * supervisor's error (its code and message).
 */
export function sendCommand<C extends ControlCommand>(
  path: string,
  command: C,
  args: ControlCommands[C]['args'],
  onProgress?: (progress: ReloadProgress) => void,
  onFleetProgress?: (progress: FleetReloadProgress) => void,
): Promise<ControlCommands[C]['result']> {
  return new Promise((resolvePromise, reject) => {
    const socket = createConnection(path);
    let buffered = '';
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      fn();
    };
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(`${JSON.stringify({ command, args })}\n`));
    socket.on('error', (error: NodeJS.ErrnoException) => settle(() => reject(connectError(path, error))));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let end: number;
      while ((end = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        let reply: ControlReply;
        try {
          reply = JSON.parse(line) as ControlReply;
        } catch {
          settle(() => reject(new ERR_CONTROL_PROTOCOL(`a line that is not JSON: ${line.slice(0, 80)}`)));
          return;
        }
        if (reply.type === 'progress') onProgress?.(reply.progress);
        else if (reply.type === 'fleet-progress') onFleetProgress?.(reply.progress);
        else if (reply.ok) settle(() => resolvePromise(reply.result as ControlCommands[C]['result']));
        else settle(() => reject(new ShoalError(reply.error.code, reply.error.message)));
      }
    });
    socket.on('close', () => settle(() => reject(new ERR_CONTROL_PROTOCOL('the connection closed before a result; the supervisor may have exited'))));
  });
}
