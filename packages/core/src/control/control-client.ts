/**
 * The client side of the control socket: one command per connection, its
 * progress lines, then its result or error.
 */
import { statSync } from 'node:fs';
import { createConnection } from 'node:net';
import {
  ERR_CONTROL_NO_SUPERVISOR,
  ERR_CONTROL_PERMISSION,
  ERR_CONTROL_PROTOCOL,
  ERR_CONTROL_STALE_SOCKET,
  ERR_CONTROL_UNREACHABLE,
  ShoalError,
} from '../errors';
import type { ControlCommand, ControlCommands, ControlReply } from './protocol';
import type { FleetReloadProgress, ReloadProgress, UpgradeProgress } from './protocol';

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
      return new ERR_CONTROL_UNREACHABLE(path, error.message, { cause: error, errno: error.errno, syscall: error.syscall });
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
  onUpgradeProgress?: (progress: UpgradeProgress) => void,
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
        else if (reply.type === 'upgrade-progress') onUpgradeProgress?.(reply.progress);
        else if (reply.ok) settle(() => resolvePromise(reply.result as ControlCommands[C]['result']));
        else settle(() => reject(new ShoalError(reply.error.code, reply.error.message)));
      }
    });
    socket.on('close', () => settle(() => reject(new ERR_CONTROL_PROTOCOL('the connection closed before a result; the supervisor may have exited'))));
  });
}
