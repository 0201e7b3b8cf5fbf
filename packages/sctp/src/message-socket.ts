// What one-to-one sockets and one-to-many endpoints share: the native handle
// on the event loop, the receive path (messages and notifications, with
// pause/resume) and the send path (kernel backpressure turns into a queue,
// `send()` returning false and a later 'drain').
import { EventEmitter } from 'node:events';
import { ERR_SCTP_SOCKET_CLOSED, invalidArgument, messageTooLargeError, syscallError, type SctpAssociationError } from './errors';
import { EV, META_STRIDE, MODE, native, type NativeAddress, type NativeHandle } from './native';
import type { SctpNotification, TooLargeEntry } from './notifications';
import { applyOptions, readOptions, validateOptions, type SctpOptions, type SctpOptionsInput, type SctpOptionsReadBack } from './options';
import { checkAddress, checkAssocId, checkData, checkInt, checkPort, checkU16, checkU32 } from './arguments';
import { messageIterator, type MessageIteratorOptions } from './message-iterator';

/** Per-message send parameters (sctp_sndinfo and sctp_prinfo). */
export interface SctpSendInfo {
  /** Stream number (0 .. outbound streams - 1). */
  stream?: number;
  /** Payload protocol identifier, as the number on the wire. */
  ppid?: number;
  /** Deliver without ordering within the stream. */
  unordered?: boolean;
  /** Opaque number returned in a send-failed notification. */
  context?: number;
  /** Partial reliability (PR-SCTP, timed): drop the message if not sent within this many ms. */
  ttlMs?: number;
  /**
   * Partial reliability (PR-SCTP, SCTP_PR_SCTP_RTX): abandon the message after
   * this many retransmissions (0: sent once, never retransmitted).
   */
  maxRetransmissions?: number;
  /**
   * Partial reliability (PR-SCTP, SCTP_PR_SCTP_PRIO): when the send buffer is
   * full, queued messages with a larger number (lower priority) than this one
   * are abandoned to make room. 0 is the highest priority.
   */
  priority?: number;
}

/** The PR-SCTP fields of a send info: at most one of them per message. */
const PR_FIELDS = ['ttlMs', 'maxRetransmissions', 'priority'] as const;

/** A received message. */
export interface SctpMessage {
  data: Buffer;
  stream: number;
  ppid: number;
  /** Stream sequence number (0 for unordered messages). */
  ssn: number;
  tsn: number;
  cumTsn: number;
  assocId: number;
  /** rcv_flags of sctp_rcvinfo (SCTP_UNORDERED = 1). */
  flags: number;
  unordered: boolean;
  context: number;
}

/** SCTP_STATUS, read. */
export interface SctpStatus {
  assocId: number;
  /** SCTP state number (sctp_sstat_state: 4 = ESTABLISHED, ...). */
  state: number;
  stateName: string;
  rwnd: number;
  unackData: number;
  pendingData: number;
  inboundStreams: number;
  outboundStreams: number;
  fragmentationPoint: number;
  primary: { address: NativeAddress | null; state: number; cwnd: number; srtt: number; rto: number; mtu: number };
}

/** One path to the peer (SCTP_GET_PEER_ADDR_INFO). */
export interface SctpPeerAddrInfo {
  address: NativeAddress | null;
  /** sctp_spinfo_state: 0 INACTIVE, 1 PF, 2 ACTIVE, 3 UNCONFIRMED. */
  state: number;
  stateName: string;
  cwnd: number;
  srtt: number;
  rto: number;
  mtu: number;
}

const PATH_STATES = ['INACTIVE', 'PF', 'ACTIVE', 'UNCONFIRMED'];

const STATE_NAMES = ['EMPTY', 'CLOSED', 'COOKIE_WAIT', 'COOKIE_ECHOED', 'ESTABLISHED', 'SHUTDOWN_PENDING', 'SHUTDOWN_SENT', 'SHUTDOWN_RECEIVED', 'SHUTDOWN_ACK_SENT'];

/** Counters a socket keeps (suitable for prom-client counters). */
export interface SctpSocketStats {
  messagesIn: number;
  bytesIn: number;
  messagesOut: number;
  bytesOut: number;
  notifications: number;
  /** Messages over maxMessageBytes (their associations were aborted). */
  messagesTooLarge: number;
  /** Times the kernel's send buffer was full (EAGAIN). */
  backpressure: number;
  /** Messages the kernel refused alone ('send-error': a stream out of range, too large). */
  sendErrors: number;
}

export interface SendSpec {
  hasInfo: boolean;
  sid: number;
  ppid: number;
  flags: number;
  context: number;
  /** SCTP_PR_SCTP_NONE, _TTL, _RTX or _PRIO (constants from the addon). */
  prPolicy: number;
  /** The policy's value: ms, retransmissions or priority. */
  prValue: number;
  assocId: number;
  host: string | null;
  port: number;
}

interface Queued { data: Buffer; spec: SendSpec }

/** The end of what the kernel delivers (EOF, or the socket's error), kept in order behind the messages read before it. */
interface EndOfInput { endOfInput: true; error: SctpAssociationError | null }
type Received = SctpMessage | SctpNotification | TooLargeEntry | EndOfInput;

const EAGAIN = 11;

export abstract class MessageSocket extends EventEmitter {
  protected _fd: number;
  protected handle: NativeHandle | null = null;
  protected options: Readonly<SctpOptions>;
  protected queue: Queued[] = [];
  protected readonly oneToMany: boolean;
  private paused = false;
  /** stopReading(): nothing more is read from the kernel, whatever pause() and resume() do. */
  private readingStopped = false;
  private stoppedWaiters: (() => void)[] = [];
  /** Read from the kernel while paused, emitted in order on resume(). */
  private pending: Received[] = [];
  private corked = 0;
  private wantWrite = false;
  private needDrain = false;
  /** Bytes of the messages in `queue`. */
  private queuedBytes = 0;
  private unrefd = false;
  private listenMode = false;
  protected closed = false;
  readonly stats: SctpSocketStats = {
    messagesIn: 0, bytesIn: 0, messagesOut: 0, bytesOut: 0, notifications: 0, messagesTooLarge: 0, backpressure: 0, sendErrors: 0,
  };

  protected constructor(fd: number, options: Readonly<SctpOptions>, oneToMany: boolean) {
    super();
    this._fd = fd;
    this.options = options;
    this.oneToMany = oneToMany;
  }

  /** The socket's file descriptor (for fd passing); -1 once closed. */
  get fd(): number {
    return this._fd;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Starts polling the fd: mode DATA reads messages, LISTEN reports accept readiness. */
  protected startHandle(listen = false): void {
    const n = native();
    this.listenMode = listen;
    const h = new n.Handle(this._fd, listen ? MODE.LISTEN : MODE.DATA, this.onNative, this.options.maxMessageBytes);
    if (h.initError !== 0) throw syscallError(h.initError, 'uv_poll_init', 'polling the socket');
    this.handle = h;
    if (this.unrefd) h.unref();
    this.updateEvents();
  }

  protected switchToData(): void {
    this.handle?.close();
    this.handle = null;
    this.startHandle(false);
  }

  protected updateEvents(): void {
    if (this.handle === null) return;
    this.handle.setEvents(!this.paused && !this.readingStopped, this.wantWrite);
  }

  private readonly onNative = (kind: number, a?: unknown, b?: unknown, c?: unknown): void => {
    switch (kind) {
      case EV.BATCH:
        this.onBatch(a as (Buffer | SctpNotification | TooLargeEntry)[], b as Float64Array);
        break;
      case EV.READABLE:
        this.onAcceptReady();
        break;
      case EV.WRITABLE:
        this.flush();
        break;
      case EV.EOF:
        this.received({ endOfInput: true, error: null });
        break;
      case EV.ERROR:
        this.received({ endOfInput: true, error: syscallError(a as number, b as string, 'receiving') });
        break;
      case EV.BOUNDARY:
        this.checkStopped();
        break;
      default:
        void c;
        break;
    }
  };

  private onBatch(entries: (Buffer | SctpNotification | TooLargeEntry)[], meta: Float64Array): void {
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      const o = i * META_STRIDE;
      let item: SctpMessage | SctpNotification | TooLargeEntry;
      if (Buffer.isBuffer(e)) {
        const flags = meta[o + 6];
        item = {
          data: e, stream: meta[o], ppid: meta[o + 1], ssn: meta[o + 2], tsn: meta[o + 3], cumTsn: meta[o + 4],
          assocId: meta[o + 5], flags, unordered: (flags & 1) !== 0, context: meta[o + 7],
        };
      } else {
        item = e;
      }
      this.received(item);
      if (this.closed) return;
    }
    this.checkStopped();
  }

  /** Emitted now, or kept behind what waits (a paused socket emits nothing, in the order it was read). */
  private received(item: Received): void {
    if (this.paused || this.pending.length > 0) this.pending.push(item);
    else this.deliver(item);
  }

  private deliver(item: Received): void {
    if ('endOfInput' in item) {
      if (item.error === null) this.onEof();
      else this.onReadError(item.error);
    } else if ('data' in item && !('type' in item)) {
      this.stats.messagesIn++;
      this.stats.bytesIn += item.data.length;
      this.emit('message', item);
    } else if ((item as TooLargeEntry).type === 'message-too-large') {
      const t = item as TooLargeEntry;
      this.stats.messagesTooLarge++;
      this.onTooLarge(messageTooLargeError(t.assocId, t.bytes, this.options.maxMessageBytes), t.assocId);
    } else {
      const n = item as SctpNotification;
      this.stats.notifications++;
      // The notification first, then what it causes ('connect', 'error'...).
      this.emit('notification', n);
      this.emit(n.type, n);
      if (!this.closed) this.onNotification(n);
    }
  }

  /** Stops reading: the kernel's receive buffer fills and the peer is flow-controlled. */
  pause(): this {
    if (!this.paused) {
      this.paused = true;
      this.updateEvents();
    }
    return this;
  }

  /** Resumes reading (delivers what was read before the pause first). */
  resume(): this {
    if (this.paused) {
      this.paused = false;
      setImmediate(() => {
        while (!this.paused && !this.closed && this.pending.length > 0) this.deliver(this.pending.shift()!);
        if (this.closed) return;
        if (!this.paused) this.updateEvents();
        this.checkStopped();
      });
    }
    return this;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Messages (and notifications) read from the kernel but not emitted yet: the socket is paused. */
  get unreadMessages(): number {
    return this.pending.length;
  }

  /**
   * Messages being read in parts (larger than a read, or delivered by the
   * kernel in parts as they arrive): the socket is between message boundaries.
   */
  get messagesInParts(): number {
    return this.handle?.partialMessages() ?? 0;
  }

  /** Messages of one association read from the kernel but not emitted yet (one-to-many: the endpoint is paused). */
  unreadMessagesOf(assocId: number): number {
    let n = 0;
    for (const item of this.pending) if ('data' in item && !('type' in item) && item.assocId === assocId) n++;
    return n;
  }

  /**
   * Stops reading from the kernel for good, at a message boundary: a message
   * being read in parts is read to its end first. Resolves once everything read
   * has been emitted (after a resume() if the socket is paused), so that what
   * the kernel still holds begins with a whole message: the moment to pass the
   * socket to another process. pause() and resume() still hold and release
   * what was read; nothing more is read.
   */
  stopReading(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.readingStopped = true;
    this.updateEvents();
    return new Promise((resolve) => {
      this.stoppedWaiters.push(resolve);
      this.checkStopped();
    });
  }

  /** Reads again after stopReading() (the socket stays in this process after all). */
  startReading(): this {
    if (this.readingStopped) {
      this.readingStopped = false;
      this.updateEvents();
    }
    return this;
  }

  /** Whether stopReading() is done: at a message boundary, nothing read left to emit. */
  private checkStopped(): void {
    if (this.stoppedWaiters.length === 0) return;
    const atBoundary = this.closed || (this.pending.length === 0 && this.messagesInParts === 0);
    if (!atBoundary) return;
    const waiters = this.stoppedWaiters;
    this.stoppedWaiters = [];
    for (const w of waiters) w();
  }

  /** Holds sends until uncork(), which hands them to the kernel in batches (sendmmsg). */
  cork(): void {
    this.corked++;
  }

  /**
   * Sends what was corked (sendmmsg, up to 64 messages per call). Returns
   * false when the kernel did not take everything: 'drain' follows.
   */
  uncork(): boolean {
    if (this.corked > 0 && --this.corked === 0) {
      this.flush();
      if (this.queue.length > 0) {
        this.needDrain = true;
        return false;
      }
    }
    return true;
  }

  /** Messages waiting in user space for room in the kernel's send buffer. */
  get queuedMessages(): number {
    return this.queue.length;
  }

  protected buildSpec(info: SctpSendInfo | undefined, assocId: number, host: string | null, port: number, extraFlags = 0): SendSpec {
    if (info !== undefined && (typeof info !== 'object' || info === null)) throw invalidArgument('send info', 'an object', info);
    const i = info ?? {};
    for (const k of Object.keys(i)) {
      if (!['stream', 'ppid', 'unordered', 'context', ...PR_FIELDS, 'assocId', 'to'].includes(k)) {
        throw invalidArgument(`send info.${k}`, `one of stream, ppid, unordered, context, ${PR_FIELDS.join(', ')}`, 'an unknown field');
      }
    }
    const sid = i.stream === undefined ? 0 : checkU16('stream', i.stream);
    const ppid = i.ppid === undefined ? 0 : checkU32('ppid', i.ppid);
    const context = i.context === undefined ? 0 : checkU32('context', i.context);
    const c = native().constants;
    const pr = PR_FIELDS.filter((k) => i[k] !== undefined);
    if (pr.length > 1) throw invalidArgument(`send info.${pr[1]}`, `absent when ${pr[0]} is given (one PR-SCTP policy per message)`, i[pr[1]]);
    let prPolicy = c.SCTP_PR_SCTP_NONE;
    let prValue = 0;
    if (i.ttlMs !== undefined) {
      prPolicy = c.SCTP_PR_SCTP_TTL;
      prValue = checkInt('ttlMs', i.ttlMs, 1, 0xffffffff);
    } else if (i.maxRetransmissions !== undefined) {
      prPolicy = c.SCTP_PR_SCTP_RTX;
      prValue = checkU32('maxRetransmissions', i.maxRetransmissions);
    } else if (i.priority !== undefined) {
      prPolicy = c.SCTP_PR_SCTP_PRIO;
      prValue = checkU32('priority', i.priority);
    }
    if (i.unordered !== undefined && typeof i.unordered !== 'boolean') throw invalidArgument('unordered', 'true or false', i.unordered);
    const flags = (i.unordered ? c.SCTP_UNORDERED : 0) | extraFlags;
    const hasInfo = info !== undefined || assocId !== 0 || extraFlags !== 0;
    return { hasInfo, sid, ppid, flags, context, prPolicy, prValue, assocId, host, port };
  }

  /**
   * Sends or queues one message. False (like net.Socket's write()) once the
   * bytes waiting in user space reach highWaterMark: wait for 'drain'.
   */
  protected enqueue(data: Buffer, spec: SendSpec): boolean {
    if (this.closed) throw new ERR_SCTP_SOCKET_CLOSED('send');
    if (this.queue.length > 0 || this.corked > 0 || !this.canSend()) return this.queueUp(data, spec);
    const r = this.sendNow(data, spec);
    if (r === -EAGAIN) {
      this.stats.backpressure++;
      this.setWantWrite(true);
      return this.queueUp(data, spec);
    }
    return true;
  }

  private queueUp(data: Buffer, spec: SendSpec): boolean {
    this.queue.push({ data, spec });
    this.queuedBytes += data.length;
    const ok = this.queuedBytes < this.options.highWaterMark;
    if (!ok) this.needDrain = true;
    return ok;
  }

  /** Bytes waiting in user space for room in the kernel's send buffer (net.Socket's writableLength). */
  get writableLength(): number {
    return this.queuedBytes;
  }

  get writableHighWaterMark(): number {
    return this.options.highWaterMark;
  }

  /** A send() returned false and 'drain' has not come yet. */
  get writableNeedDrain(): boolean {
    return this.needDrain;
  }

  /** Lets the process exit while this socket is open (net.Socket's unref()). */
  unref(): this {
    this.unrefd = true;
    this.handle?.unref();
    return this;
  }

  /** Keeps the process alive while this socket is open again (the default). */
  ref(): this {
    this.unrefd = false;
    this.handle?.ref();
    return this;
  }

  /** One sendmsg; returns bytes, -EAGAIN or (after reporting it) another -errno. */
  private sendNow(data: Buffer, s: SendSpec): number {
    const r = native().send(this._fd, data, s.hasInfo, s.sid, s.ppid, s.flags, s.context, s.prValue, s.assocId, s.host, s.port, s.prPolicy);
    if (r >= 0) {
      this.stats.messagesOut++;
      this.stats.bytesOut += data.length;
    } else if (r !== -EAGAIN) {
      this.onSendError(syscallError(r, 'sendmsg', 'sending', s.assocId || undefined), s);
    }
    return r;
  }

  private setWantWrite(on: boolean): void {
    if (this.wantWrite !== on) {
      this.wantWrite = on;
      this.updateEvents();
    }
  }

  /** Hands queued messages to the kernel until it pushes back. */
  protected flush(): void {
    if (this.closed || this.corked > 0 || !this.canSend()) return;
    const q = this.queue;
    let i = 0;
    while (i < q.length && !this.closed) {
      const s = q[i].spec;
      let run = 1;
      if (s.host === null) {
        while (i + run < q.length && run < 64 && sameSpec(s, q[i + run].spec)) run++;
      }
      if (run > 1) {
        const bufs = q.slice(i, i + run).map((x) => x.data);
        const r = native().sendMany(this._fd, bufs, 0, s.hasInfo, s.sid, s.ppid, s.flags, s.context, s.prValue, s.assocId, null, 0, s.prPolicy);
        if (r === -EAGAIN) break;
        if (r < 0) {
          this.onSendError(syscallError(r, 'sendmmsg', 'sending', s.assocId || undefined), s);
          i++;
          continue;
        }
        for (let k = 0; k < r; k++) {
          this.stats.messagesOut++;
          this.stats.bytesOut += bufs[k].length;
        }
        i += r;
      } else {
        const r = this.sendNow(q[i].data, s);
        if (r === -EAGAIN) break;
        i++;
      }
    }
    if (i > 0) {
      for (let k = 0; k < i; k++) this.queuedBytes -= q[k].data.length;
      q.splice(0, i);
    }
    if (this.closed) return;
    if (q.length > 0) {
      this.stats.backpressure++;
      this.setWantWrite(true);
    } else {
      this.setWantWrite(false);
      if (this.needDrain) {
        // Only after a send() returned false (or uncork() did), like Node streams.
        this.needDrain = false;
        this.emit('drain');
      }
      this.onFlushed();
    }
  }

  /** Closes the fd and the poll handle now. */
  protected closeHandle(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.pending = [];
    this.checkStopped();
    if (this.handle !== null) {
      this.handle.close(); // closes the fd in the uv_close callback
      this.handle = null;
    } else if (this._fd >= 0) {
      native().close(this._fd);
    }
    this._fd = -1;
  }

  protected checkOpen(what: string): void {
    if (this.closed) throw new ERR_SCTP_SOCKET_CLOSED(what);
  }

  /** Reads every option back from the kernel (for assocId, or the socket's defaults). */
  getOptions(assocId = 0): SctpOptionsReadBack {
    this.checkOpen('getOptions');
    checkAssocId('assocId', assocId);
    return readOptions(this._fd, assocId, this.oneToMany);
  }

  /** Validates and applies the given options (only those). */
  setOptions(changes: SctpOptionsInput, assocId = 0): void {
    this.checkOpen('setOptions');
    checkAssocId('assocId', assocId);
    const next = validateOptions(changes, this.options);
    applyOptions(this._fd, next, Object.keys(changes) as (keyof SctpOptions)[], assocId);
    if (changes.maxMessageBytes !== undefined) this.handle?.setMaxMessageBytes(next.maxMessageBytes);
    if (changes.autoCloseSeconds !== undefined && this.oneToMany) {
      const r = native().setOpt(this._fd, 13, 0, [next.autoCloseSeconds]);
      if (r < 0) throw syscallError(r, 'setsockopt', 'setting autoCloseSeconds (SCTP_AUTOCLOSE)');
    }
    this.options = next;
  }

  protected readStatus(assocId: number): SctpStatus {
    this.checkOpen('status');
    const r = native().getOpt(this._fd, 15, assocId) as SctpStatus | number;
    if (typeof r === 'number') throw syscallError(r, 'getsockopt', 'reading SCTP_STATUS', assocId || undefined);
    r.stateName = STATE_NAMES[r.state] ?? 'UNKNOWN';
    return r;
  }

  protected readAddrs(assocId: number, peer: boolean): NativeAddress[] {
    this.checkOpen(peer ? 'remoteAddresses' : 'localAddresses');
    const r = native().getAddrs(this._fd, assocId, peer);
    if (typeof r === 'number') throw syscallError(r, 'getsockopt', peer ? 'reading peer addresses' : 'reading local addresses', assocId || undefined);
    return r;
  }

  protected writePrimary(assocId: number, address: string, port: number): void {
    this.checkOpen('setPrimary');
    checkAddress('address', address);
    checkPort('port', port);
    const r = native().setOpt(this._fd, 16, assocId, [], address, port);
    if (r < 0) throw syscallError(r, 'setsockopt', `making ${address}:${port} the primary path (SCTP_PRIMARY_ADDR)`, assocId || undefined);
  }

  protected readPrimary(assocId: number): NativeAddress | null {
    this.checkOpen('primaryAddress');
    const r = native().getOpt(this._fd, 16, assocId) as NativeAddress | number | null;
    if (typeof r === 'number') throw syscallError(r, 'getsockopt', 'reading the primary path (SCTP_PRIMARY_ADDR)', assocId || undefined);
    return r;
  }

  /** Per-path info of one peer address (SCTP_GET_PEER_ADDR_INFO). */
  protected readPeerAddrInfo(assocId: number, address: string, port: number): SctpPeerAddrInfo {
    this.checkOpen('peerAddressInfo');
    checkAddress('address', address);
    checkPort('port', port);
    const r = native().getOpt(this._fd, 22, assocId, address, port) as SctpPeerAddrInfo | number;
    if (typeof r === 'number') throw syscallError(r, 'getsockopt', 'reading SCTP_GET_PEER_ADDR_INFO', assocId || undefined);
    r.stateName = PATH_STATES[r.state] ?? 'UNKNOWN';
    return r;
  }

  protected bindxChange(addresses: string[], port: number, add: boolean): void {
    this.checkOpen(add ? 'addAddresses' : 'removeAddresses');
    const r = native().bindx(this._fd, addresses, port, add ? 1 : 2);
    if (r < 0) throw syscallError(r, 'setsockopt', add ? 'adding local addresses (sctp_bindx ADD)' : 'removing local addresses (sctp_bindx REM)');
  }

  /**
   * The messages as an async iterator, paused at highWaterMark bytes not yet
   * taken; ends at the peer's shutdown or at close, throws the socket's error.
   * Leaving the loop early closes the socket unless destroyOnReturn is false.
   */
  messages(options?: MessageIteratorOptions): AsyncIterableIterator<SctpMessage> {
    return messageIterator<SctpMessage>(this, () => this.close(), options);
  }

  /** `for await (const message of socket)`: messages(). */
  [Symbol.asyncIterator](): AsyncIterableIterator<SctpMessage> {
    return this.messages();
  }

  /** Closes the socket now. */
  abstract close(): void;

  // Hooks for the two styles.
  protected abstract canSend(): boolean;
  protected abstract onNotification(n: SctpNotification): void;
  protected abstract onTooLarge(err: SctpAssociationError, assocId: number): void;
  protected abstract onEof(): void;
  protected abstract onReadError(err: SctpAssociationError): void;
  protected abstract onSendError(err: SctpAssociationError, spec: SendSpec): void;
  protected onAcceptReady(): void {
    void this.listenMode;
  }
  protected onFlushed(): void {
    // one-to-one: a pending end() continues here
  }

  protected static dataArg(data: unknown): Buffer {
    return checkData('data', data);
  }
}

/**
 * Whether two queued messages can go in one sendmmsg: the same send info and
 * PR-SCTP policy and value (the batch shares one control message), no address.
 * A TTL is counted from the sendmsg call, so a batch of TTL messages gets the
 * same lifetime each one would have had alone.
 */
export function sameSpec(a: SendSpec, b: SendSpec): boolean {
  return a.hasInfo === b.hasInfo && a.sid === b.sid && a.ppid === b.ppid && a.flags === b.flags &&
    a.context === b.context && a.prPolicy === b.prPolicy && a.prValue === b.prValue && a.assocId === b.assocId &&
    a.host === null && b.host === null;
}
