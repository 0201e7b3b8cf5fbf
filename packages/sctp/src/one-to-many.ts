// One-to-many style (SOCK_SEQPACKET): one endpoint serves many associations.
// Messages carry their association id; sending to an address sets up an
// association implicitly; peeloff() moves one association to its own
// one-to-one socket.
import * as os from 'node:os';
import { assocLostError, checkSignal, connectFailedError, invalidArgument, SctpAbortError, syscallError, type SctpAssociationError } from './errors';
import { MessageSocket, type SctpPeerAddrInfo, type SctpSendInfo, type SctpStatus, type SendSpec } from './message-socket';
import { native, type NativeAddress } from './native';
import type { AssocChangeNotification, SctpNotification } from './notifications';
import * as ctl from './association-control';
import type { SctpAddStreamsRequest, SctpPrStatus, SctpResetStreamsRequest } from './association-control';
import { applyAutoClose, applyOptions, validateOptions, type SctpOptions, type SctpOptionsInput } from './options';
import { bindAll, openSctpFd, SctpSocket } from './one-to-one';
import { checkAddress, checkAddresses, checkAssocId, checkInt, checkPort, familyOf } from './arguments';

export interface SctpEndpointBindOptions {
  /** Address or addresses to bind (multi-homing); default 0.0.0.0. */
  address?: string | string[];
  /** Port; 0 picks a free one. */
  port?: number;
  /** Also accept incoming associations (listen()). Default true. */
  listen?: boolean;
}

export interface SctpEndpointConnectOptions {
  /** Gives up (and aborts the association being set up) when aborted: the promise rejects with an AbortError. */
  signal?: AbortSignal;
  /** Gives up after this many ms without COMM_UP: SHOAL_ERR_SCTP_CONNECT_FAILED with code ETIMEDOUT. */
  timeoutMs?: number;
}

/** Where a one-to-many send goes: an existing association or a peer address. */
export type SctpEndpointTarget = { assocId: number } | { address: string; port: number };

export interface SctpAssociationInfo {
  assocId: number;
  outboundStreams: number;
  inboundStreams: number;
}

const EAGAIN = 11;

/**
 * A one-to-many SCTP endpoint. Events: 'message' (SctpMessage with assocId),
 * 'association' (up), 'association-end' (down), 'association-error'
 * (an association was aborted because of us, e.g. message too large),
 * 'send-error' (a send to one association failed), the notification events,
 * 'drain', 'close'.
 */
export class SctpEndpoint extends MessageSocket {
  private readonly assocs = new Map<number, SctpAssociationInfo>();
  private readonly connecting = new Map<number, { resolve: (id: number) => void; reject: (e: Error) => void; target: string }>();
  private _bound = false;

  /** @internal use createEndpoint() or adoptSctpFd(). */
  constructor(fd: number, options: Readonly<SctpOptions>, bound: boolean) {
    super(fd, options, true);
    this._bound = bound;
    this.startHandle(false);
  }

  /** Opens an endpoint (not bound yet: call bind(), or connect()/send() for an ephemeral port). */
  static create(options: SctpOptionsInput = {}, family: 4 | 6 = 4): SctpEndpoint {
    const opts = validateOptions(options);
    if (family !== 4 && family !== 6) throw invalidArgument('family', '4 or 6', family);
    const fd = openSctpFd(family, 1);
    try {
      applyOptions(fd, opts);
      if (opts.autoCloseSeconds > 0) applyAutoClose(fd, opts.autoCloseSeconds);
    } catch (err) {
      native().close(fd);
      throw err;
    }
    return new SctpEndpoint(fd, opts, false);
  }

  /** Binds (and by default listens). Returns the bound port and addresses. */
  bind(opts: SctpEndpointBindOptions = {}): { port: number; addresses: NativeAddress[] } {
    this.checkOpen('bind');
    const addresses = checkAddresses('address', opts.address ?? '0.0.0.0');
    const port = checkPort('port', opts.port ?? 0);
    bindAll(this._fd, addresses, port, this.options.reusePort);
    this._bound = true;
    if (opts.listen !== false) {
      const r = native().listen(this._fd, this.options.backlog);
      if (r < 0) throw syscallError(r, 'listen', `listening on ${addresses.join(', ')} port ${port}`);
    }
    return this.address();
  }

  address(): { port: number; addresses: NativeAddress[] } {
    const a = this.readAddrs(0, false);
    return { port: a[0]?.port ?? 0, addresses: a };
  }

  /** Live associations (tracked from assoc-change notifications). */
  get associations(): ReadonlyMap<number, SctpAssociationInfo> {
    return this.assocs;
  }

  /**
   * Sets up an association (sctp_connectx) to one or several addresses of a
   * peer; resolves with its id once it is up.
   */
  connect(address: string | string[], port: number, options: SctpEndpointConnectOptions = {}): Promise<number> {
    try {
      this.checkOpen('connect');
      const addresses = checkAddresses('address', address);
      checkPort('port', port, false);
      if (typeof options !== 'object' || options === null) throw invalidArgument('connect options', 'an object { signal?, timeoutMs? }', options);
      const signal = checkSignal('signal', options.signal);
      const timeoutMs = options.timeoutMs === undefined ? 0 : checkInt('timeoutMs', options.timeoutMs, 1, 0x7fffffff);
      const target = `${addresses.join(',')}:${port}`;
      if (signal?.aborted) throw new SctpAbortError(`connect to ${target}`, signal.reason);
      const id = native().connectx(this._fd, addresses, port);
      if (id < 0) throw connectFailedError(id, target);
      if (this.assocs.has(id)) return Promise.resolve(id);
      return new Promise((resolve, reject) => {
        const giveUp = (err: Error): void => {
          if (this.connecting.get(id)?.reject !== fail) return;
          this.connecting.delete(id);
          try {
            this.abort(id);
          } catch {
            // not set up at all
          }
          fail(err);
        };
        const onAbort = (): void => giveUp(new SctpAbortError(`connect to ${target}`, signal?.reason));
        const timer = timeoutMs > 0 ? setTimeout(() => giveUp(connectFailedError(-os.constants.errno.ETIMEDOUT, `${target} within ${timeoutMs} ms`)), timeoutMs) : undefined;
        signal?.addEventListener('abort', onAbort, { once: true });
        const done = (): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        };
        const fail = (err: Error): void => {
          done();
          reject(err);
        };
        this.connecting.set(id, { resolve: (v) => { done(); resolve(v); }, reject: fail, target });
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Sends one message to an association, or to a peer address (setting up an
   * association if there is none). Returns false when it had to be queued:
   * wait for 'drain'.
   */
  send(data: Buffer | Uint8Array | string, target: SctpEndpointTarget, info?: SctpSendInfo): boolean {
    const buf = MessageSocket.dataArg(data);
    this.checkOpen('send');
    if (typeof target !== 'object' || target === null) throw invalidArgument('target', '{ assocId } or { address, port }', target);
    if ('assocId' in target) {
      const id = checkAssocId('target.assocId', target.assocId);
      if (id === 0) throw invalidArgument('target.assocId', 'an association id (> 0)', id);
      return this.enqueue(buf, this.buildSpec(info, id, null, 0));
    }
    const host = checkAddress('target.address', target.address);
    const port = checkPort('target.port', target.port, false);
    return this.enqueue(buf, this.buildSpec(info, 0, host, port));
  }

  /** Graceful shutdown of one association (SCTP_EOF). */
  shutdown(assocId: number): void {
    this.assocFlag(assocId, native().constants.SCTP_EOF, Buffer.alloc(0), 'shutting down');
  }

  /** Aborts one association at once (SCTP_ABORT), with an optional reason the peer sees. */
  abort(assocId: number, reason?: Buffer | string): void {
    const data = reason === undefined ? Buffer.alloc(0) : MessageSocket.dataArg(reason);
    this.assocFlag(assocId, native().constants.SCTP_ABORT, data, 'aborting');
  }

  private assocFlag(assocId: number, flag: number, data: Buffer, what: string): void {
    this.checkOpen(what);
    const id = checkAssocId('assocId', assocId);
    const r = native().send(this._fd, data, true, 0, 0, flag, 0, 0, id, null, 0);
    if (r < 0 && r !== -EAGAIN) throw syscallError(r, 'sendmsg', `${what} association ${id}`, id);
  }

  /** Moves an association to its own one-to-one socket (sctp_peeloff). */
  peeloff(assocId: number): SctpSocket {
    this.checkOpen('peeloff');
    const id = checkAssocId('assocId', assocId);
    const fd = native().peeloff(this._fd, id);
    if (fd < 0) throw syscallError(fd, 'getsockopt', `peeling off association ${id} (SCTP_SOCKOPT_PEELOFF)`, id);
    native().setOpt(fd, 17, 0, [1]); // SCTP_RECVRCVINFO
    this.assocs.delete(id);
    return new SctpSocket(fd, this.options, true);
  }

  status(assocId: number): SctpStatus {
    return this.readStatus(checkAssocId('assocId', assocId));
  }

  localAddresses(assocId = 0): NativeAddress[] {
    return this.readAddrs(checkAssocId('assocId', assocId), false);
  }

  remoteAddresses(assocId: number): NativeAddress[] {
    return this.readAddrs(checkAssocId('assocId', assocId), true);
  }

  setPrimary(assocId: number, address: string, port: number): void {
    this.writePrimary(checkAssocId('assocId', assocId), address, port);
  }

  primaryAddress(assocId: number): NativeAddress | null {
    return this.readPrimary(checkAssocId('assocId', assocId));
  }

  peerAddressInfo(assocId: number, address: string, port: number): SctpPeerAddrInfo {
    return this.readPeerAddrInfo(checkAssocId('assocId', assocId), address, port);
  }

  /** RFC 6525: resets streams of one association (SCTP_RESET_STREAMS); 'stream-reset' follows on both ends. */
  resetStreams(assocId: number, request: SctpResetStreamsRequest): void {
    this.checkOpen('resetStreams');
    ctl.resetStreams(this._fd, liveAssocId(assocId), request);
  }

  /** RFC 6525: adds streams to one association (SCTP_ADD_STREAMS); 'stream-change' follows on both ends. */
  addStreams(assocId: number, request: SctpAddStreamsRequest): void {
    this.checkOpen('addStreams');
    ctl.addStreams(this._fd, liveAssocId(assocId), request);
  }

  /** RFC 6525: resets one association's TSNs and SSNs (SCTP_RESET_ASSOC); 'assoc-reset' follows. */
  resetAssociation(assocId: number): void {
    this.checkOpen('resetAssociation');
    ctl.resetAssociation(this._fd, liveAssocId(assocId));
  }

  /**
   * RFC 4895: adds or replaces shared key `keyNumber` (SCTP_AUTH_KEY) on one
   * association, or without assocId on the endpoint (future associations)
   * and every live one.
   */
  setAuthKey(keyNumber: number, secret: Buffer | Uint8Array | string, assocId?: number): void {
    this.checkOpen('setAuthKey');
    ctl.setAuthKey(this._fd, optionalAssocId(assocId), keyNumber, secret, assocId === undefined);
  }

  /** RFC 4895: sends with key `keyNumber` from now on (SCTP_AUTH_ACTIVE_KEY); scope as setAuthKey. */
  setActiveAuthKey(keyNumber: number, assocId?: number): void {
    this.checkOpen('setActiveAuthKey');
    ctl.authKeyOp(this._fd, optionalAssocId(assocId), 'activate', keyNumber, assocId === undefined);
  }

  /** RFC 4895: stops using key `keyNumber` (SCTP_AUTH_DEACTIVATE_KEY); 'authentication' FREE_KEY follows once unused. */
  deactivateAuthKey(keyNumber: number, assocId?: number): void {
    this.checkOpen('deactivateAuthKey');
    ctl.authKeyOp(this._fd, optionalAssocId(assocId), 'deactivate', keyNumber, assocId === undefined);
  }

  /** RFC 4895: deletes key `keyNumber` (SCTP_AUTH_DELETE_KEY; deactivate it first). */
  deleteAuthKey(keyNumber: number, assocId?: number): void {
    this.checkOpen('deleteAuthKey');
    ctl.authKeyOp(this._fd, optionalAssocId(assocId), 'delete', keyNumber, assocId === undefined);
  }

  /** The active SCTP-AUTH key number of an association (or of the endpoint, assocId 0). */
  activeAuthKey(assocId = 0): number {
    this.checkOpen('activeAuthKey');
    return ctl.activeAuthKey(this._fd, checkAssocId('assocId', assocId));
  }

  /** Chunk types the peer requires authenticated (peer) or we require (local). */
  authChunks(assocId: number, side: 'peer' | 'local' = 'peer'): number[] {
    this.checkOpen('authChunks');
    return ctl.authChunks(this._fd, checkAssocId('assocId', assocId), side === 'peer');
  }

  /** PR-SCTP: messages abandoned, per policy, on an association or one of its outbound streams. */
  prStatus(assocId: number, stream?: number): SctpPrStatus {
    this.checkOpen('prStatus');
    return ctl.prStatus(this._fd, liveAssocId(assocId), stream);
  }

  /** RFC 5061: asks the peer of an association to send to our `address` (SCTP_SET_PEER_PRIMARY_ADDR). */
  setPeerPrimary(assocId: number, address: string, port: number): void {
    this.checkOpen('setPeerPrimary');
    ctl.setPeerPrimary(this._fd, liveAssocId(assocId), address, port);
  }

  /**
   * Validates and applies options. With an assocId, to that association only;
   * without, to the endpoint's defaults (future associations) AND every live
   * association (SCTP_ALL_ASSOC where the kernel takes it for the option,
   * else each association by id).
   */
  override setOptions(changes: SctpOptionsInput, assocId?: number): void {
    if (assocId !== undefined) {
      super.setOptions(changes, checkAssocId('assocId', assocId));
      return;
    }
    this.checkOpen('setOptions');
    const next = validateOptions(changes, this.options);
    applyOptions(this._fd, next, Object.keys(changes) as (keyof SctpOptions)[], { live: () => this.assocs.keys() });
    // autoclose, maxMessageBytes and the remembered options: as the base class does.
    super.setOptions(pick(changes, ['maxMessageBytes', 'autoCloseSeconds']), 0);
    this.options = next;
  }

  /** sctp_bindx(ADD) on the bound port. */
  addAddresses(addresses: string | string[]): void {
    this.bindxChange(checkAddresses('addresses', addresses), this.address().port, true);
  }

  /** sctp_bindx(REM) on the bound port. */
  removeAddresses(addresses: string | string[]): void {
    this.bindxChange(checkAddresses('addresses', addresses), this.address().port, false);
  }

  /** Closes the endpoint; the kernel shuts every association down gracefully. */
  close(): void {
    if (this.closed) return;
    this.closeHandle();
    for (const [, c] of this.connecting) c.reject(assocLostError(0, 'was not set up: the endpoint was closed'));
    this.connecting.clear();
    this.assocs.clear();
    process.nextTick(() => this.emit('close'));
  }

  /** `await using ep = createEndpoint()`: close() when the scope ends. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  get isBound(): boolean {
    return this._bound;
  }

  protected canSend(): boolean {
    return true;
  }

  protected onNotification(n: SctpNotification): void {
    if (n.type !== 'assoc-change') return;
    const a = n as AssocChangeNotification;
    if (a.state === 'COMM_UP' || a.state === 'RESTART') {
      const info = { assocId: a.assocId, outboundStreams: a.outboundStreams, inboundStreams: a.inboundStreams };
      this.assocs.set(a.assocId, info);
      const c = this.connecting.get(a.assocId);
      if (c) {
        this.connecting.delete(a.assocId);
        c.resolve(a.assocId);
      }
      this.emit('association', info);
    } else {
      this.assocs.delete(a.assocId);
      const c = this.connecting.get(a.assocId);
      if (c) {
        this.connecting.delete(a.assocId);
        c.reject(connectFailedError(-111, c.target));
      }
      this.emit('association-end', { assocId: a.assocId, state: a.state, error: a.error });
    }
  }

  protected onTooLarge(err: SctpAssociationError, assocId: number): void {
    try {
      this.abort(assocId, 'message too large');
    } catch {
      // already gone
    }
    this.emit('association-error', err);
  }

  protected onEof(): void {
    // one-to-many sockets have no end of stream
  }

  protected onReadError(err: SctpAssociationError): void {
    this.emit('error', err);
  }

  protected onSendError(err: SctpAssociationError, spec: SendSpec): void {
    this.stats.sendErrors++;
    this.emit('send-error', err, spec.assocId);
  }
}

function liveAssocId(assocId: unknown): number {
  const id = checkAssocId('assocId', assocId);
  if (id === 0) throw invalidArgument('assocId', 'an association id (> 0)', id);
  return id;
}

function optionalAssocId(assocId: unknown): number {
  return assocId === undefined ? 0 : liveAssocId(assocId);
}

function pick(changes: SctpOptionsInput, keys: (keyof SctpOptionsInput)[]): SctpOptionsInput {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (changes[k] !== undefined) out[k] = changes[k];
  return out as SctpOptionsInput;
}

export function createEndpoint(options?: SctpOptionsInput, family: 4 | 6 = 4): SctpEndpoint {
  return SctpEndpoint.create(options, family);
}

export { familyOf };
