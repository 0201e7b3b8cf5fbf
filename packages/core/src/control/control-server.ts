import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { dirname } from 'node:path';
import { ERR_CONTROL_PROTOCOL, ERR_CONTROL_RUNTIME_DIR, ERR_CONTROL_SOCKET_IN_USE, ERR_CONTROL_UNKNOWN_COMMAND, errorCodeOf } from '../errors';
import { CONTROL_COMMANDS, MAX_CONTROL_REQUEST_BYTES } from './protocol';
import type { ControlCommands, ControlReply, ControlRequest, FleetReloadProgress, ReloadProgress } from './protocol';
import type { Logger } from '../logger';

type Result<C extends keyof ControlCommands> = ControlCommands[C]['result'];

/** What the control socket needs from the supervisor and its fleet (wired where the process starts). */
export interface ControlTarget {
  ping(): Result<'ping'>;
  inspect(): Promise<Result<'status'>>;
  metrics(): Promise<Result<'metrics'>>;
  reload(surge: number | undefined, onProgress: (progress: ReloadProgress) => void): Promise<Result<'reload'>>;
  scale(workers: number): Promise<Result<'scale'>>;
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

  constructor(
    private readonly target: ControlTarget,
    readonly path: string,
    private readonly logger: Logger,
  ) {
    this.server = createServer((socket) => this.serve(socket));
  }

  /** As a part of the supervisor: listens before the first worker starts. */
  open(): Promise<void> {
    return this.listen();
  }

  endpoint(): { control: string } {
    return { control: this.path };
  }

  async listen(): Promise<void> {
    prepareDirectory(dirname(this.path));
    await removeStaleSocket(this.path);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.path, () => {
        this.server.off('error', reject);
        resolve();
      });
    }).catch((error: NodeJS.ErrnoException) => {
      throw new ERR_CONTROL_RUNTIME_DIR(dirname(this.path), `cannot listen on ${this.path} (${error.code ?? error.message})`, { cause: error });
    });
    chmodSync(this.path, 0o600);
    this.listening = true;
  }

  close(): Promise<void> {
    if (!this.listening) return Promise.resolve();
    this.listening = false;
    return new Promise((resolve) => this.server.close(() => resolve()));
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
