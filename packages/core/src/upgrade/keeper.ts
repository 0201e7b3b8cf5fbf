/**
 * After an upgrade, an old supervisor that was PID 1 (a container without
 * an init) or in the foreground of a terminal does not exit: its exit would
 * end the container, or give the shell its prompt back with the service
 * running on behind it. It stays as a thin keeper: it relays signals to the
 * supervisor that serves now and exits, with that supervisor's exit code,
 * once the service has stopped. One keeper only: the supervisors started by
 * later upgrades are neither PID 1 nor read a terminal, so they exit as usual,
 * and the keeper follows the service from one supervisor to the next through
 * the control socket.
 */
import { existsSync } from 'node:fs';
import { sendCommand } from '../control';
import type { Logger } from '../logger';

/** Signals the keeper passes on. SIGINT is not among them: a terminal sends it to the whole process group, the supervisor included. */
const RELAYED: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGUSR2', 'SIGTTIN', 'SIGTTOU'];
/** How often the keeper asks who serves (it is no parent of later supervisors, so no exit event tells it). */
const WATCH_MS = 500;

/** Whether a supervisor should stay as a keeper after handing over: it is PID 1, or a terminal is its standard input. */
export function needsKeeper(): boolean {
  return process.pid === 1 || process.stdin.isTTY === true;
}

export interface KeeperOptions {
  /** The supervisor that took over (this process's child). */
  successor: { pid: number; exitCode: Promise<number | null> };
  /** The control socket, through which the keeper finds the supervisor of a later upgrade; null without one. */
  controlPath: string | null;
  logger: Logger;
}

/** Relays signals to the serving supervisor until the service stops; resolves with the exit code to leave with. */
export async function keepServiceAlive({ successor, controlPath, logger }: KeeperOptions): Promise<number> {
  let current = successor.pid;
  let childExited = false;
  void successor.exitCode.then(() => (childExited = true));
  for (const signal of RELAYED) {
    process.removeAllListeners(signal);
    process.on(signal, () => {
      try {
        process.kill(current, signal);
      } catch {
        // It is going away; the watch below finds what follows.
      }
    });
  }
  process.removeAllListeners('SIGINT');
  process.on('SIGINT', () => undefined);
  logger.info({ event: 'upgrade.keeper', supervisorPid: current }, `staying as a keeper of supervisor ${current} (PID 1 or a terminal): signals go to it`);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, WATCH_MS));
    // Without a control socket only this process's own child can be followed.
    if (!controlPath) {
      if (childExited) return (await successor.exitCode) ?? 1;
      continue;
    }
    // The control socket says who serves: it passes from supervisor to supervisor, and goes when the service stops.
    const serving = await servingPid(controlPath);
    if (typeof serving === 'number') {
      if (serving !== current) logger.info({ event: 'upgrade.keeper', supervisorPid: serving }, `keeper: supervisor ${serving} serves now`);
      current = serving;
      continue;
    }
    if (current === successor.pid) return (await successor.exitCode) ?? 1;
    // A later supervisor is no child of this process: its exit code is unknown. A clean stop removed the socket.
    return serving === 'stopped' ? 0 : 1;
  }
}

/** The pid the control socket answers with; 'stopped' when the socket is gone, 'crashed' when nobody answers on it. */
async function servingPid(path: string): Promise<number | 'stopped' | 'crashed'> {
  try {
    return (await sendCommand(path, 'ping', {})).pid;
  } catch {
    return existsSync(path) ? 'crashed' : 'stopped';
  }
}
