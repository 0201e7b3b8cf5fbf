// Passing SCTP sockets between processes: SCM_RIGHTS over an AF_UNIX
// SOCK_SEQPACKET socket (one message = one fd plus its JSON metadata). The
// receiving process adopts the fd as the right kind of socket; associations
// and listeners carry on, since both processes now share one kernel socket.
import { EventEmitter } from 'node:events';
import { ERR_SCTP_SOCKET_CLOSED, fdPassingError, invalidArgument, syscallError } from './errors';
import { EV, MODE, native, type NativeHandle } from './native';
import { SctpEndpoint } from './one-to-many';
import { SctpServer, SctpSocket } from './one-to-one';
import { validateOptions, type SctpOptionsInput } from './options';
import { checkFunction, checkInt } from './arguments';

export interface ReceivedFd {
  fd: number;
  meta: unknown;
}

const EAGAIN = 11;

/** One end of a Unix socket that carries file descriptors. */
export class FdChannel extends EventEmitter {
  private _fd: number;
  private handle: NativeHandle | null;
  private readonly out: { data: Buffer; fds: number[]; resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly received: ReceivedFd[] = [];
  private readonly waiters: { resolve: (r: ReceivedFd) => void; reject: (e: Error) => void }[] = [];
  private closed = false;

  private constructor(fd: number) {
    super();
    this._fd = fd;
    const h = new (native().Handle)(fd, MODE.UNIX, this.onNative, 0);
    if (h.initError !== 0) throw syscallError(h.initError, 'uv_poll_init', 'polling the fd channel');
    this.handle = h;
    h.setEvents(true, false);
  }

  /**
   * A connected pair: keep `channel`, give `remoteFd` to a child process
   * (spawn's stdio array, e.g. as fd 3), then closeFd(remoteFd) here.
   */
  static pair(): { channel: FdChannel; remoteFd: number } {
    const r = native().unixPair();
    if (typeof r === 'number') throw syscallError(r, 'socketpair', 'creating an fd channel');
    return { channel: new FdChannel(r[0]), remoteFd: r[1] };
  }

  /** Wraps an inherited Unix socket fd (e.g. 3 in a child started with pair()). */
  static fromFd(fd: number): FdChannel {
    checkInt('fd', fd, 0, 0x7fffffff);
    const info = native().socketInfo(fd);
    if (typeof info === 'number') throw fdPassingError(`fd ${fd} is not a socket`, info, 'getsockopt');
    if (info.family !== 1) throw fdPassingError(`fd ${fd} is not a Unix socket`);
    const r = native().adoptFd(fd);
    if (r < 0) throw fdPassingError(`fd ${fd} could not be made non-blocking`, r, 'fcntl');
    return new FdChannel(fd);
  }

  /** Connects to a FdChannelServer's path. */
  static connect(path: string): FdChannel {
    if (typeof path !== 'string' || path.length === 0) throw invalidArgument('path', 'a socket path', path);
    const fd = native().unixConnect(path);
    if (fd < 0) throw fdPassingError(`could not connect to ${path}`, fd, 'connect');
    return new FdChannel(fd);
  }

  /** @internal */
  static fromAccepted(fd: number): FdChannel {
    return new FdChannel(fd);
  }

  get fd(): number {
    return this._fd;
  }

  /** Sends a duplicate of fd with JSON metadata. The local fd stays open. */
  sendFd(fd: number, meta: unknown = null): Promise<void> {
    try {
      if (this.closed) throw new ERR_SCTP_SOCKET_CLOSED('sendFd');
      checkInt('fd', fd, 0, 0x7fffffff);
      const data = Buffer.from(JSON.stringify(meta ?? null));
      if (data.length > 4000) throw invalidArgument('meta', 'JSON of at most 4000 bytes', `${data.length} bytes`);
      return new Promise((resolve, reject) => {
        this.out.push({ data, fds: [fd], resolve, reject });
        this.flush();
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Sends the fd of an SCTP socket, server or endpoint. */
  sendSocket(sock: SctpSocket | SctpServer | SctpEndpoint, meta: unknown = null): Promise<void> {
    if (sock.fd < 0) return Promise.reject(new ERR_SCTP_SOCKET_CLOSED('sendSocket'));
    return this.sendFd(sock.fd, meta);
  }

  /** Resolves with the next fd received (each fd is delivered once: here or via 'fd'). */
  recvFd(): Promise<ReceivedFd> {
    const r = this.received.shift();
    if (r) return Promise.resolve(r);
    if (this.closed) return Promise.reject(new ERR_SCTP_SOCKET_CLOSED('recvFd'));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private flush(): void {
    while (this.out.length > 0 && !this.closed) {
      const m = this.out[0];
      const r = native().sendFds(this._fd, m.data, m.fds);
      if (r === -EAGAIN) {
        this.handle?.setEvents(true, true);
        return;
      }
      this.out.shift();
      if (r < 0) m.reject(fdPassingError('sending the fd failed', r, 'sendmsg'));
      else m.resolve();
    }
    this.handle?.setEvents(true, false);
  }

  private readonly onNative = (kind: number, a?: unknown, b?: unknown, c?: unknown): void => {
    if (kind === EV.FDS) {
      const fds = b as number[];
      let meta: unknown = null;
      try {
        meta = JSON.parse((a as Buffer).toString());
      } catch {
        meta = (a as Buffer).toString();
      }
      if (c === true) this.emit('error', fdPassingError('file descriptors were truncated (MSG_CTRUNC): too many in one message'));
      for (const fd of fds) {
        const item = { fd, meta };
        const w = this.waiters.shift();
        if (w) w.resolve(item);
        else if (this.listenerCount('fd') > 0) this.emit('fd', item);
        else this.received.push(item);
      }
    } else if (kind === EV.WRITABLE) {
      this.flush();
    } else if (kind === EV.EOF) {
      this.close();
    } else if (kind === EV.ERROR) {
      this.emit('error', fdPassingError('receiving failed', a as number, b as string));
      this.close();
    }
  };

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handle?.close();
    this.handle = null;
    this._fd = -1;
    for (const m of this.out) m.reject(new ERR_SCTP_SOCKET_CLOSED('sendFd'));
    this.out.length = 0;
    for (const w of this.waiters) w.reject(new ERR_SCTP_SOCKET_CLOSED('recvFd'));
    this.waiters.length = 0;
    process.nextTick(() => this.emit('close'));
  }
}

/** Accepts FdChannel connections on a Unix socket path ('channel' events). */
export class FdChannelServer extends EventEmitter {
  private fd: number;
  private handle: NativeHandle | null;

  constructor(path: string, onChannel?: (c: FdChannel) => void) {
    super();
    if (typeof path !== 'string' || path.length === 0) throw invalidArgument('path', 'a socket path', path);
    if (onChannel !== undefined) {
      checkFunction('onChannel', onChannel);
      this.on('channel', onChannel);
    }
    const fd = native().unixListen(path, 16);
    if (fd < 0) throw fdPassingError(`could not listen on ${path}`, fd, 'bind');
    this.fd = fd;
    this.handle = new (native().Handle)(fd, MODE.LISTEN, (kind: number) => {
      if (kind !== EV.READABLE) return;
      for (;;) {
        const c = native().unixAccept(this.fd);
        if (c < 0) return;
        this.emit('channel', FdChannel.fromAccepted(c));
      }
    }, 0);
    this.handle.setEvents(true, false);
  }

  close(): void {
    this.handle?.close();
    this.handle = null;
    this.fd = -1;
  }
}

/** Closes a raw fd (e.g. the remote end of pair() after handing it to a child). */
export function closeFd(fd: number): void {
  checkInt('fd', fd, 0, 0x7fffffff);
  native().close(fd);
}

/**
 * Adopts a received SCTP fd as the matching kind of socket: a listening
 * one-to-one socket becomes an SctpServer, a connected one an SctpSocket, a
 * one-to-many socket an SctpEndpoint. The kernel socket keeps its options;
 * `options` only sets the user-space ones (maxMessageBytes...).
 */
export function adoptSctpFd(fd: number, options: SctpOptionsInput = {}): SctpSocket | SctpServer | SctpEndpoint {
  checkInt('fd', fd, 0, 0x7fffffff);
  const opts = validateOptions(options);
  const info = native().socketInfo(fd);
  if (typeof info === 'number') throw fdPassingError(`fd ${fd} is not a socket`, info, 'getsockopt');
  if (!info.sctp) throw fdPassingError(`fd ${fd} is not an SCTP socket`);
  const r = native().adoptFd(fd);
  if (r < 0) throw fdPassingError(`fd ${fd} could not be made non-blocking`, r, 'fcntl');
  if (info.type === 'seqpacket') return new SctpEndpoint(fd, opts, true);
  if (info.listening) {
    const s = new SctpServer(opts);
    s.adopt(fd);
    return s;
  }
  return new SctpSocket(fd, opts, true);
}

void EV;
