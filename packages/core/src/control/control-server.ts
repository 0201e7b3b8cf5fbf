import { chmodSync, lstatSync, mkdirSync, renameSync, unlinkSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import type { HeldHandle } from '../transport';
import { ERR_CONTROL_PROTOCOL, ERR_CONTROL_RUNTIME_DIR, ERR_CONTROL_SOCKET_IN_USE, ERR_CONTROL_UNKNOWN_COMMAND, errorCodeOf } from '../errors';
import { CONTROL_COMMANDS, MAX_CONTROL_REQUEST_BYTES } from './protocol';
import type { ControlCommands, ControlReply, ControlRequest, FleetReloadProgress, ReloadProgress, UpgradeProgress } from './protocol';
import type { Logger } from '../logger';

type Result<C extends keyof ControlCommands> = ControlCommands[C]['result'];

/** What the control socket needs from the supervisor and its fleet (wired where the process starts). */
export interface ControlTarget {
  ping(): Result<'ping'>;
  inspect(): Promise<Result<'status'>>;
  metrics(): Promise<Result<'metrics'>>;
  reload(surge: number | undefined, onProgress: (progress: ReloadProgress) => void): Promise<Result<'reload'>>;
  scale(workers: number): Promise<Result<'scale'>>;
  upgrade(onProgress: (progress: UpgradeProgress) => void): Promise<Result<'upgrade'>>;
  /** Answers what `shoal stop` prints; the stop itself begins once the answer has left. */
  stop(): Result<'stop'>;
  requestStop(reason: string): void;
  fleetStatus(): Promise<Result<'fleet-status'>>;
  fleetReload(resume: boolean, onProgress: (progress: FleetReloadProgress) => void): Promise<Result<'fleet-reload'>>;
}

/**
 * The supervisor's Unix control socket, which `shoal status/reload/scale/stop/
 * metrics` talk to. Access is the file system's: the directory is created
 * 0700 and the socket is 0600, so only the supervisor's user and root can
 * connect (connect(2) needs write permission on the socket file).
 */
export class ControlServer {
  private readonly server: Server;
  private listening = false;
  /** The socket file this process serves (its inode), removed at close unless a new supervisor took it over. */
  private socketFile: { ino: number } | undefined;
  /** Upgrade, new side: the old supervisor's listening socket, until this one accepts on it. */
  private adopted: HeldHandle | undefined;

  constructor(
    private readonly target: ControlTarget,
    readonly path: string,
    private readonly logger: Logger,
  ) {
    this.server = createServer((socket) => this.serve(socket));
  }

  /** As a part of the supervisor: listens before the first worker starts (an adopted socket waits for acceptAdopted()). */
  open(): Promise<void> {
    if (this.adopted) return Promise.resolve();
    return this.listen();
  }

  /** Upgrade, old side: the listening socket, for the new supervisor. */
  listeningSocket(): { endpoint: 'control'; handle: HeldHandle } | undefined {
    const handle = (this.server as unknown as { _handle: HeldHandle | null })._handle;
    return this.listening && handle ? { endpoint: 'control', handle } : undefined;
  }

  /** Upgrade, new side: serve the old supervisor's socket (same path) instead of binding one. */
  adoptListeningSocket(endpoint: string, handle: HeldHandle): boolean {
    if (endpoint !== 'control') return false;
    this.adopted = handle;
    return true;
  }

  /** Upgrade, new side: the old supervisor stopped accepting; accept here, and remove the file at this one's stop. */
  async acceptAdopted(): Promise<void> {
    const handle = this.adopted;
    if (!handle) return;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      // A Pipe handle listens through its fd (net.Server#listen), as Node does with a net.Server sent over IPC.
      this.server.listen(handle as never, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.listening = true;
    this.socketFile = { ino: lstatSync(this.path).ino };
  }

  /**
   * Upgrade, old side: the new supervisor serves the socket; stop accepting,
   * leave the file to it. Connections open here (the `shoal upgrade` that
   * asked) are served to their end: this does not wait for them.
   */
  async handedOver(): Promise<void> {
    this.socketFile = undefined;
    void this.close();
  }

  endpoint(): { control: string } {
    return { control: this.path };
  }

  /**
   * Binds under a temporary name in the same directory, then renames it to
   * the path: libuv removes the name a socket was bound to when its server
   * closes, and after an upgrade the path belongs to the new supervisor, so
   * this process removes the file itself at close, and only while it is its own.
   */
  async listen(): Promise<void> {
    prepareDirectory(dirname(this.path));
    await removeStaleSocket(this.path);
    // Not named *.sock: commands that look for the only socket in the runtime directory never see it.
    const bound = join(dirname(this.path), `.shoal-${process.pid}`);
    try {
      unlinkSync(bound);
    } catch {
      // Nothing left from an earlier run of a process with this pid.
    }
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(bound, () => {
        this.server.off('error', reject);
        resolve();
      });
    }).catch((error: NodeJS.ErrnoException) => {
      throw new ERR_CONTROL_RUNTIME_DIR(dirname(this.path), `cannot listen on ${this.path} (${error.code ?? error.message})`, { cause: error });
    });
    chmodSync(bound, 0o600);
    renameSync(bound, this.path);
    this.listening = true;
    this.socketFile = { ino: lstatSync(this.path).ino };
  }

  close(): Promise<void> {
    if (this.adopted && !this.listening) {
      // Never accepted on it (a failed upgrade): the old supervisor still serves the file.
      this.adopted = undefined;
      return Promise.resolve();
    }
    if (!this.listening) return Promise.resolve();
    this.listening = false;
    this.removeSocketFile();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Removes the path if it is still the socket this process serves (not a newer supervisor's). */
  private removeSocketFile(): void {
    const file = this.socketFile;
    this.socketFile = undefined;
    if (!file) return;
    try {
      if (lstatSync(this.path).ino === file.ino) unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }

  private serve(socket: Socket): void {
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    const onData = (chunk: string): void => {
      buffered += chunk;
      const end = buffered.indexOf('\n');
      // A line over the limit is refused whether or not its end has arrived.
      if ((end === -1 ? buffered.length : end) > MAX_CONTROL_REQUEST_BYTES) {
        socket.off('data', onData);
        this.refuse(socket, `the request line is longer than ${MAX_CONTROL_REQUEST_BYTES} bytes`);
        return;
      }
      if (end === -1) return;
      socket.off('data', onData);
      let request: ControlRequest;
      try {
        request = JSON.parse(buffered.slice(0, end)) as ControlRequest;
      } catch {
        this.refuse(socket, 'the request is not a JSON line');
        return;
      }
      void this.execute(socket, request).finally(() => socket.end());
    };
    socket.on('data', onData);
  }

  private async execute(socket: Socket, request: ControlRequest): Promise<void> {
    const target = this.target;
    const args = request.args ?? {};
    this.logger.debug({ event: 'control.command', command: request.command }, 'control command');
    try {
      let result: unknown;
      switch (request.command) {
        case 'ping':
          result = target.ping();
          break;
        case 'status':
          result = await target.inspect();
          break;
        case 'metrics':
          result = await target.metrics();
          break;
        case 'reload':
          result = await target.reload(typeof args.surge === 'number' ? args.surge : undefined, (progress) => this.reply(socket, { type: 'progress', progress }));
          break;
        case 'fleet-status':
          result = await target.fleetStatus();
          break;
        case 'fleet-reload':
          result = await target.fleetReload(args.resume === true, (progress) => {
            this.logger.info({ event: 'fleet.progress', ...progress }, 'fleet progress');
            this.reply(socket, { type: 'fleet-progress', progress });
          });
          break;
        case 'scale':
          result = await target.scale(args.workers as number);
          break;
        case 'upgrade':
          result = await target.upgrade((progress) => this.reply(socket, { type: 'upgrade-progress', progress }));
          break;
        case 'stop':
          result = target.stop();
          this.logger.info({ event: 'control.stop-requested' }, 'stop requested on the control socket');
          // Answer first: the client then waits for this process to exit.
          setImmediate(() => target.requestStop('control socket'));
          break;
        default:
          throw new ERR_CONTROL_UNKNOWN_COMMAND(String(request.command), [...CONTROL_COMMANDS]);
      }
      this.reply(socket, { type: 'result', ok: true, result });
    } catch (error) {
      this.reply(socket, { type: 'result', ok: false, error: { code: errorCodeOf(error), message: (error as Error).message } });
    }
  }

  /** Answers a request that breaks the protocol with SHOAL_ERR_CONTROL_PROTOCOL, and closes. */
  private refuse(socket: Socket, reason: string): void {
    const error = new ERR_CONTROL_PROTOCOL(reason);
    this.reply(socket, { type: 'result', ok: false, error: { code: error.code, message: error.message } });
    socket.end();
  }

  private reply(socket: Socket, reply: ControlReply): void {
    if (!socket.destroyed) socket.write(`${JSON.stringify(reply)}\n`);
  }
}

/** Creates the socket's directory 0700; an existing one must belong to this user and not be writable by others. */
function prepareDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new ERR_CONTROL_RUNTIME_DIR(dir, `cannot create it (${(error as NodeJS.ErrnoException).code})`, { cause: error });
  }
  const stat = lstatSync(dir);
  const uid = process.getuid?.();
  if (!stat.isDirectory()) throw new ERR_CONTROL_RUNTIME_DIR(dir, 'it is not a directory');
  if (uid !== undefined && stat.uid !== uid && uid !== 0) throw new ERR_CONTROL_RUNTIME_DIR(dir, `it belongs to uid ${stat.uid}, not to this user (uid ${uid})`);
  // World-writable without the sticky bit: anyone could replace our socket.
  if ((stat.mode & 0o002) !== 0 && (stat.mode & 0o1000) === 0) throw new ERR_CONTROL_RUNTIME_DIR(dir, 'it is writable by every user');
}

/** A socket file nobody listens on is left by a supervisor that died: remove it. One that answers is a live supervisor. */
async function removeStaleSocket(path: string): Promise<void> {
  let exists = true;
  try {
    lstatSync(path);
  } catch {
    exists = false;
  }
  if (!exists) return;
  const alive = await new Promise<boolean>((resolve) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new ERR_CONTROL_SOCKET_IN_USE(path);
  unlinkSync(path);
}
