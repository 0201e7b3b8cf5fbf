// One-to-one style (SOCK_STREAM): a server that accepts associations, each
// one a message-oriented socket, and a client that connects.
import { EventEmitter } from 'node:events';
import * as os from 'node:os';
import { errnoName } from '@shoal/common';
import {
  assocLostError, checkSignal, connectFailedError, ERR_SCTP_SOCKET_CLOSED, invalidArgument, isReuseportMismatch, reuseportMismatchError,
  SctpAbortError, syscallError, type SctpAssociationError,
} from './errors';
import { MessageSocket, type SctpPeerAddrInfo, type SctpSendInfo, type SctpStatus, type SendSpec } from './message-socket';
import { MODE, native, OPT, type NativeAddress, type NativeHandle } from './native';
import type { SctpNotification } from './notifications';
import * as ctl from './association-control';
import type { SctpAddStreamsRequest, SctpPrStatus, SctpResetStreamsRequest } from './association-control';
import { applyOptions, readOptions, validateOptions, type SctpOptions, type SctpOptionsInput, type SctpOptionsReadBack } from './options';
import { checkAddresses, checkInt, checkPort, familyOf } from './arguments';

export interface SctpConnectOptions {
  /** Peer address, or several of one multi-homed peer (sctp_connectx). */
  address: string | string[];
  port: number;
  /** Local addresses to bind first (multi-homing); default: all. */
  localAddress?: string | string[];
  localPort?: number;
  /** Socket options (see DEFAULT_OPTIONS). */
  options?: SctpOptionsInput;
  /** Gives up setting the association up when aborted: 'error' (or the promise) with an AbortError. */
  signal?: AbortSignal;
  /** Gives up after this many ms without COMM_UP: SHOAL_ERR_SCTP_CONNECT_FAILED with code ETIMEDOUT. Default: the kernel's INIT retries. */
  timeoutMs?: number;
}

export interface SctpListenOptions {
  /** Address or addresses to bind (multi-homing); default 0.0.0.0. */
  address?: string | string[];
  /** Port; 0 picks a free one. */
  port?: number;
}

type State = 'connecting' | 'open' | 'ending' | 'closed';

const EAGAIN = 11;
const SHUT_WR = 1;

/** Opens an SCTP socket, turning EPROTONOSUPPORT into SHOAL_ERR_SCTP_UNSUPPORTED. */
export function openSctpFd(family: 4 | 6, style: 0 | 1): number {
  const fd = native().socket(family, style);
  if (fd < 0) throw syscallError(fd, 'socket', 'opening an SCTP socket');
  return fd;
}

/** Binds fd to addresses:port (bind for one, sctp_bindx for several). */
export function bindAll(fd: number, addresses: string[], port: number, reusePort: boolean): void {
  const r = native().bindx(fd, addresses, port, 0);
  if (r < 0) {
    if (reusePort && isReuseportMismatch(r)) throw reuseportMismatchError(r, 'bind', addresses, port);
    throw syscallError(r, 'bind', `binding ${addresses.join(', ')} port ${port}`);
  }
}

/** A one-to-one SCTP socket: one association, messages in and out. */
export class SctpSocket extends MessageSocket {
  private state: State;
  private _assocId = 0;
  private endWaiters: (() => void)[] = [];
  private hadError = false;
  private target = '';

  /** @internal use connect(), a server's 'connection' or adoptSctpFd(). */
  constructor(fd: number, options: Readonly<SctpOptions>, connected: boolean) {
    super(fd, options, false);
    this.state = connected ? 'open' : 'connecting';
    this.startHandle(false);
  }

  /** Connects; 'connect' follows (or 'error' with SHOAL_ERR_SCTP_CONNECT_FAILED). */
  static connect(opts: SctpConnectOptions, onConnect?: () => void): SctpSocket {
    if (typeof opts !== 'object' || opts === null) throw invalidArgument('connect options', 'an object with address and port', opts);
    const addresses = checkAddresses('address', opts.address);
    const port = checkPort('port', opts.port, false);
    const local = opts.localAddress === undefined ? null : checkAddresses('localAddress', opts.localAddress);
    const localPort = opts.localPort === undefined ? 0 : checkPort('localPort', opts.localPort);
    const options = validateOptions(opts.options ?? {});
    const signal = checkSignal('signal', opts.signal);
    const timeoutMs = opts.timeoutMs === undefined ? 0 : checkInt('timeoutMs', opts.timeoutMs, 1, 0x7fffffff);
    if (signal?.aborted) throw new SctpAbortError('connect', signal.reason);
    const fd = openSctpFd(familyOf([...addresses, ...(local ?? [])]), 0);
    try {
      applyOptions(fd, options);
      if (local !== null || localPort !== 0) bindAll(fd, local ?? ['0.0.0.0'], localPort, options.reusePort);
    } catch (err) {
      native().close(fd);
      throw err;
    }
    const r = native().connectx(fd, addresses, port);
    if (r < 0) {
      native().close(fd);
      throw connectFailedError(r, `${addresses.join(',')}:${port}`);
    }
    const s = new SctpSocket(fd, options, false);
    s._assocId = r;
    s.target = `${addresses.join(',')}:${port}`;
    if (onConnect) s.once('connect', onConnect);
    s.giveUpConnecting(signal, timeoutMs);
    return s;
  }

  /** Destroys the socket if the association is not up by the deadline or when the signal aborts. */
  private giveUpConnecting(signal: AbortSignal | undefined, timeoutMs: number): void {
    if (signal === undefined && timeoutMs === 0) return;
    const onAbort = (): void => this.destroy(new SctpAbortError(`connect to ${this.target}`, signal?.reason));
    const timer = timeoutMs > 0
      ? setTimeout(() => this.destroy(connectFailedError(-os.constants.errno.ETIMEDOUT, `${this.target} within ${timeoutMs} ms`)), timeoutMs)
      : undefined;
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    this.once('connect', done);
    this.once('close', done);
  }

  /** The association's id (from COMM_UP, or SCTP_STATUS for accepted and adopted sockets). */
  get assocId(): number {
    if (this._assocId === 0 && this.state === 'open') {
      const r = native().getOpt(this._fd, OPT.STATUS, 0) as { assocId: number } | number;
      if (typeof r !== 'number') this._assocId = r.assocId;
    }
    return this._assocId;
  }

  get readyState(): State {
    return this.state;
  }

  /**
   * Sends one message. Returns false when it had to be queued (kernel buffer
   * full, or not connected yet): wait for 'drain' before sending more.
   */
  send(data: Buffer | Uint8Array | string, info?: SctpSendInfo): boolean {
    const buf = MessageSocket.dataArg(data);
    if (this.state === 'ending' || this.state === 'closed') throw new ERR_SCTP_SOCKET_CLOSED('send');
    return this.enqueue(buf, this.buildSpec(info, 0, null, 0));
  }

  /** Alias of send(), for stream-like code. */
  write(data: Buffer | Uint8Array | string, info?: SctpSendInfo): boolean {
    return this.send(data, info);
  }

  /**
   * Graceful shutdown: sends what is queued, then SHUTDOWN; resolves once the
   * association is closed and the socket freed.
   */
  end(): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    const p = new Promise<void>((resolve) => this.endWaiters.push(resolve));
    if (this.state !== 'ending') {
      const wasConnecting = this.state === 'connecting';
      this.state = 'ending';
      if (!wasConnecting && this.queue.length === 0) this.shutdownNow();
    }
    return p;
  }

  private shutdownNow(): void {
    const r = native().shutdown(this._fd, SHUT_WR);
    if (r < 0) this.finish(); // already gone: nothing to wait for
  }

  protected override onFlushed(): void {
    if (this.state === 'ending') this.shutdownNow();
  }

  /**
   * Aborts the association at once (an ABORT chunk; queued messages are
   * dropped) and frees the socket. One-to-one sockets cannot carry an abort
   * reason (the kernel refuses SCTP_ABORT on them): this is SO_LINGER 0 + close.
   */
  abort(): void {
    if (this.state === 'closed') return;
    native().setOpt(this._fd, OPT.LINGER, 0, [1, 0]);
    this.finish();
  }

  /** Closes the socket now; the kernel still delivers what it has queued and shuts down gracefully. */
  close(): void {
    this.finish();
  }

  /** `await using sock = await connect(...)`: a graceful end() when the scope ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.end();
  }

  /** Closes with an error ('error' then 'close'). */
  destroy(err?: Error): void {
    if (this.state === 'closed') return;
    if (err) {
      this.hadError = true;
      this.finish();
      this.emit('error', err);
      return;
    }
    this.finish();
  }

  private finish(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeHandle();
    const waiters = this.endWaiters;
    this.endWaiters = [];
    for (const w of waiters) w();
    process.nextTick(() => this.emit('close', this.hadError));
  }

  status(): SctpStatus {
    return this.readStatus(0);
  }

  localAddresses(): NativeAddress[] {
    return this.readAddrs(0, false);
  }

  remoteAddresses(): NativeAddress[] {
    return this.readAddrs(0, true);
  }

  /** Sends to this peer address by default (SCTP_PRIMARY_ADDR). */
  setPrimary(address: string, port: number): void {
    this.writePrimary(0, address, port);
  }

  primaryAddress(): NativeAddress | null {
    return this.readPrimary(0);
  }

  peerAddressInfo(address: string, port: number): SctpPeerAddrInfo {
    return this.readPeerAddrInfo(0, address, port);
  }

  /** RFC 6525: resets streams (SCTP_RESET_STREAMS); 'stream-reset' follows on both ends. */
  resetStreams(request: SctpResetStreamsRequest): void {
    this.checkOpen('resetStreams');
    ctl.resetStreams(this._fd, 0, request);
  }

  /** RFC 6525: adds streams (SCTP_ADD_STREAMS); 'stream-change' follows on both ends. */
  addStreams(request: SctpAddStreamsRequest): void {
    this.checkOpen('addStreams');
    ctl.addStreams(this._fd, 0, request);
  }

  /** RFC 6525: resets the association's TSNs and SSNs (SCTP_RESET_ASSOC); 'assoc-reset' follows. */
  resetAssociation(): void {
    this.checkOpen('resetAssociation');
    ctl.resetAssociation(this._fd, 0);
  }

  /** RFC 4895: adds or replaces shared key `keyNumber` (SCTP_AUTH_KEY). */
  setAuthKey(keyNumber: number, secret: Buffer | Uint8Array | string): void {
    this.checkOpen('setAuthKey');
    ctl.setAuthKey(this._fd, 0, keyNumber, secret);
  }

  /** RFC 4895: sends with key `keyNumber` from now on (SCTP_AUTH_ACTIVE_KEY). */
  setActiveAuthKey(keyNumber: number): void {
    this.checkOpen('setActiveAuthKey');
    ctl.authKeyOp(this._fd, 0, 'activate', keyNumber);
  }

  /** RFC 4895: stops using key `keyNumber` (SCTP_AUTH_DEACTIVATE_KEY); 'authentication' FREE_KEY follows once it is unused. */
  deactivateAuthKey(keyNumber: number): void {
    this.checkOpen('deactivateAuthKey');
    ctl.authKeyOp(this._fd, 0, 'deactivate', keyNumber);
  }

  /** RFC 4895: deletes key `keyNumber` (SCTP_AUTH_DELETE_KEY; deactivate it first). */
  deleteAuthKey(keyNumber: number): void {
    this.checkOpen('deleteAuthKey');
    ctl.authKeyOp(this._fd, 0, 'delete', keyNumber);
  }

  /** The active SCTP-AUTH key number. */
  activeAuthKey(): number {
    this.checkOpen('activeAuthKey');
    return ctl.activeAuthKey(this._fd, 0);
  }

  /** Chunk types the peer requires authenticated (peer) or we require (local). */
  authChunks(side: 'peer' | 'local' = 'peer'): number[] {
    this.checkOpen('authChunks');
    return ctl.authChunks(this._fd, 0, side === 'peer');
  }

  /** PR-SCTP: messages abandoned, per policy, on the association or one outbound stream. */
  prStatus(stream?: number): SctpPrStatus {
    this.checkOpen('prStatus');
    return ctl.prStatus(this._fd, 0, stream);
  }

  /** RFC 5061: asks the peer to send to our `address` (SCTP_SET_PEER_PRIMARY_ADDR; needs options.asconf and AUTH). */
  setPeerPrimary(address: string, port: number): void {
    this.checkOpen('setPeerPrimary');
    ctl.setPeerPrimary(this._fd, 0, address, port);
  }

  protected canSend(): boolean {
    return this.state === 'open' || this.state === 'ending';
  }

  protected onNotification(n: SctpNotification): void {
    if (n.type !== 'assoc-change') return;
    if (n.state === 'COMM_UP' || n.state === 'RESTART') {
      this._assocId = n.assocId;
      if (this.state === 'connecting') {
        this.state = 'open';
        this.emit('connect');
        this.flush();
      } else if (this.state === 'ending') {
        // end() while connecting: send what was queued, then SHUTDOWN (flush() ends in onFlushed()).
        this.flush();
      }
    } else if (n.state === 'CANT_STR_ASSOC') {
      this.destroy(connectFailedError(-111, this.target || `association ${n.assocId}`));
    } else if (n.state === 'SHUTDOWN_COMP') {
      // Our end() completed (the peer's side sees EOF instead).
      if (this.state === 'ending') this.finish();
    } else if (n.state === 'COMM_LOST') {
      if (this.state === 'ending') this.finish();
      else this.destroy(this.lostError(n.assocId));
    }
  }

  /** COMM_LOST: why, from the socket's error (the kernel sets it for one-to-one sockets). */
  private lostError(assocId: number): SctpAssociationError {
    const soError = native().getOpt(this._fd, OPT.SO_ERROR, 0);
    const errno = typeof soError === 'number' && soError > 0 ? -soError : -os.constants.errno.ECONNRESET;
    const detail = errno === -os.constants.errno.ETIMEDOUT ? 'was lost: the peer stopped answering (ETIMEDOUT)' : `was aborted by the peer (${errnoName(errno)})`;
    return assocLostError(assocId, detail, errno);
  }

  protected onTooLarge(err: SctpAssociationError): void {
    this.abort();
    this.hadError = true;
    this.emit('error', err);
  }

  protected onEof(): void {
    if (this.state === 'closed') return;
    if (this.state !== 'ending') this.emit('end');
    this.finish();
  }

  protected onReadError(err: SctpAssociationError): void {
    if (this.state === 'closed') return;
    if (this.state === 'connecting') {
      this.destroy(connectFailedError(err.errno ?? -111, this.target));
    } else if (this.state === 'ending') {
      this.finish();
    } else {
      this.destroy(err.errno === -os.constants.errno.ECONNRESET ? assocLostError(this._assocId, 'was aborted by the peer (ECONNRESET)', err.errno) : err);
    }
  }

  /**
   * A message the kernel refused on its own (EINVAL: a stream the association
   * does not have; EMSGSIZE: larger than the kernel takes) fails alone:
   * 'send-error' (err, info), counted in stats.sendErrors; any other failure
   * means the association is gone.
   */
  protected onSendError(err: SctpAssociationError, spec: SendSpec): void {
    if (isMessageOnlyError(err.errno)) {
      this.stats.sendErrors++;
      this.emit('send-error', err, { stream: spec.sid, ppid: spec.ppid, context: spec.context });
      return;
    }
    this.destroy(err);
  }
}

/** errnos of accept() that say "not now": out of descriptors (process or system) or kernel memory. */
function isResourceShortage(errno: number): boolean {
  const e = os.constants.errno;
  return errno === -e.EMFILE || errno === -e.ENFILE || errno === -e.ENOBUFS || errno === -e.ENOMEM;
}

/** errnos of sendmsg() that concern one message, not the association. */
function isMessageOnlyError(errno: number | undefined): boolean {
  return errno === -os.constants.errno.EINVAL || errno === -os.constants.errno.EMSGSIZE;
}

/** A one-to-one style listener. Emits 'connection' with each accepted SctpSocket. */
export class SctpServer extends EventEmitter {
  private _fd = -1;
  private handle: NativeHandle | null = null;
  private readonly options: Readonly<SctpOptions>;
  private listening = false;
  private bound: { addresses: string[]; port: number } | null = null;
  /** Out of descriptors or memory: accepting waits this long, doubling to 1 s, while the backlog holds the associations. */
  private acceptBackoffMs = 0;
  private acceptTimer: NodeJS.Timeout | null = null;
  private unrefd = false;

  constructor(options: SctpOptionsInput = {}, onConnection?: (s: SctpSocket) => void) {
    super();
    this.options = validateOptions(options);
    if (onConnection) this.on('connection', onConnection);
  }

  get fd(): number {
    return this._fd;
  }

  /** Binds and listens; resolves with the bound addresses and port. */
  listen(opts: SctpListenOptions = {}): Promise<{ port: number; addresses: NativeAddress[] }> {
    try {
      if (this.listening || this._fd >= 0) throw invalidArgument('listen()', 'called once per server', 'a second call');
      const addresses = checkAddresses('address', opts.address ?? '0.0.0.0');
      const port = checkPort('port', opts.port ?? 0);
      const fd = openSctpFd(familyOf(addresses), 0);
      try {
        applyOptions(fd, this.options);
        bindAll(fd, addresses, port, this.options.reusePort);
        const r = native().listen(fd, this.options.backlog);
        if (r < 0) {
          if (this.options.reusePort && isReuseportMismatch(r)) throw reuseportMismatchError(r, 'listen', addresses, port);
          throw syscallError(r, 'listen', `listening on ${addresses.join(', ')} port ${port}`);
        }
      } catch (err) {
        native().close(fd);
        throw err;
      }
      this.adopt(fd);
      this.bound = { addresses, port };
      return Promise.resolve(this.address());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Takes over a listening SCTP fd (from fd passing). */
  adopt(fd: number): void {
    this._fd = fd;
    const h = new (native().Handle)(fd, MODE.LISTEN, this.onNative, this.options.maxMessageBytes);
    if (h.initError !== 0) throw syscallError(h.initError, 'uv_poll_init', 'polling the listener');
    this.handle = h;
    this.listening = true;
    if (this.unrefd) h.unref();
    h.setEvents(true, false);
    process.nextTick(() => this.emit('listening'));
  }

  private readonly onNative = (kind: number, a?: unknown, b?: unknown): void => {
    if (kind === 0) {
      for (let i = 0; i < 64 && this.listening; i++) {
        const fd = native().accept(this._fd);
        if (fd === -EAGAIN) return;
        if (fd < 0 && isResourceShortage(fd)) {
          this.waitBeforeAccepting(fd);
          return;
        }
        if (fd < 0) {
          this.emit('error', syscallError(fd, 'accept', 'accepting an association'));
          return;
        }
        this.acceptBackoffMs = 0;
        let s: SctpSocket;
        try {
          s = new SctpSocket(fd, this.options, true);
        } catch (err) {
          native().close(fd);
          this.emit('error', err);
          continue;
        }
        this.emit('connection', s);
      }
    } else if (kind === 4) {
      this.emit('error', syscallError(a as number, b as string, 'polling the listener'));
    }
  };

  /**
   * accept() failed for want of descriptors or memory: the listener stays
   * readable, so polling on would fail again at once, every loop turn. It
   * stops polling for a while instead ('error' once per shortage); the
   * associations wait in the backlog.
   */
  private waitBeforeAccepting(errno: number): void {
    const first = this.acceptBackoffMs === 0;
    this.acceptBackoffMs = Math.min(first ? 50 : this.acceptBackoffMs * 2, 1000);
    this.handle?.setEvents(false, false);
    this.acceptTimer = setTimeout(() => {
      this.acceptTimer = null;
      if (this.listening) this.handle?.setEvents(true, false);
    }, this.acceptBackoffMs);
    if (this.unrefd) this.acceptTimer.unref();
    if (first) {
      this.emit('error', syscallError(errno, 'accept', `accepting an association (trying again every ${this.acceptBackoffMs}-1000 ms until it succeeds; new associations wait in the backlog)`));
    }
  }

  /** Bound addresses and port (from the kernel). */
  address(): { port: number; addresses: NativeAddress[] } {
    if (this._fd < 0) throw new ERR_SCTP_SOCKET_CLOSED('address');
    const r = native().getAddrs(this._fd, 0, false);
    if (typeof r === 'number') throw syscallError(r, 'getsockopt', 'reading local addresses');
    return { port: r[0]?.port ?? this.bound?.port ?? 0, addresses: r };
  }

  /** sctp_bindx(ADD): serve on more local addresses. */
  addAddresses(addresses: string | string[]): void {
    const list = checkAddresses('addresses', addresses);
    const r = native().bindx(this._fd, list, this.address().port, 1);
    if (r < 0) throw syscallError(r, 'setsockopt', 'adding local addresses (sctp_bindx ADD)');
  }

  /** sctp_bindx(REM). */
  removeAddresses(addresses: string | string[]): void {
    const list = checkAddresses('addresses', addresses);
    const r = native().bindx(this._fd, list, this.address().port, 2);
    if (r < 0) throw syscallError(r, 'setsockopt', 'removing local addresses (sctp_bindx REM)');
  }

  /** RFC 4895: adds a shared key for the associations accepted from now on (SCTP_AUTH_KEY; after listen()). */
  setAuthKey(keyNumber: number, secret: Buffer | Uint8Array | string): void {
    if (this._fd < 0) throw new ERR_SCTP_SOCKET_CLOSED('setAuthKey');
    ctl.setAuthKey(this._fd, 0, keyNumber, secret);
  }

  /** RFC 4895: the key accepted associations send with (SCTP_AUTH_ACTIVE_KEY). */
  setActiveAuthKey(keyNumber: number): void {
    if (this._fd < 0) throw new ERR_SCTP_SOCKET_CLOSED('setActiveAuthKey');
    ctl.authKeyOp(this._fd, 0, 'activate', keyNumber);
  }

  /** Reads the listener's options back. */
  getOptions(): SctpOptionsReadBack {
    if (this._fd < 0) throw new ERR_SCTP_SOCKET_CLOSED('getOptions');
    return readOptions(this._fd, 0, false);
  }

  /** Lets the process exit while this server listens (net.Server's unref()). */
  unref(): this {
    this.unrefd = true;
    this.handle?.unref();
    this.acceptTimer?.unref();
    return this;
  }

  ref(): this {
    this.unrefd = false;
    this.handle?.ref();
    this.acceptTimer?.ref();
    return this;
  }

  /** `await using server = createServer()`: close() when the scope ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Stops listening; associations not yet accepted are aborted by the kernel. */
  close(): Promise<void> {
    if (this._fd < 0) return Promise.resolve();
    this.listening = false;
    if (this.acceptTimer !== null) clearTimeout(this.acceptTimer);
    this.acceptTimer = null;
    this.handle?.close();
    this.handle = null;
    this._fd = -1;
    return new Promise((resolve) => process.nextTick(() => {
      this.emit('close');
      resolve();
    }));
  }
}

/** Connects and resolves once the association is up. */
export function connect(opts: SctpConnectOptions): Promise<SctpSocket> {
  return new Promise((resolve, reject) => {
    let s: SctpSocket;
    try {
      s = SctpSocket.connect(opts);
    } catch (err) {
      reject(err);
      return;
    }
    const onError = (err: Error): void => reject(err);
    s.once('error', onError);
    s.once('connect', () => {
      s.off('error', onError);
      resolve(s);
    });
  });
}

export function createServer(options?: SctpOptionsInput, onConnection?: (s: SctpSocket) => void): SctpServer {
  return new SctpServer(options, onConnection);
}

export type { SendSpec };
