/**
 * The typed protocol between the supervisor and its workers: one-way
 * messages (some carrying a socket handle) and requests answered by id, each
 * with a timeout. Workers never talk to each other.
 */
import type { MetricsSnapshot } from '../metrics';
import { ERR_IPC_CLOSED, ERR_IPC_TIMEOUT, ERR_IPC_UNKNOWN_REQUEST, ShoalError, errorCodeOf } from '../errors';
import type { StoreOperation } from '../services';
import { isRawFdHandle } from '../transport';
import type { DrainReport, FdLink, FdPassing, HeldHandle } from '../transport';

export type { MetricsSnapshot };

export interface WorkerStats {
  version: string;
  rssBytes: number;
  connections: Record<string, number>;
}

export interface SerializedError {
  code: string;
  message: string;
  stack?: string;
}

/** Requests the supervisor sends to a worker, with what each answers. */
export interface WorkerRequests {
  metrics: { params: Record<string, never>; result: MetricsSnapshot };
  /** For `shoal status`: the code the worker runs, its memory, and its open connections by listener. */
  stats: { params: Record<string, never>; result: WorkerStats };
  /** `handOff`: a reload's drain, where listeners may pass live connections to the replacement. */
  drain: { params: { deadline: number; handOff: boolean }; result: { report: DrainReport; metrics: MetricsSnapshot } };
}

/** Requests a worker sends to the supervisor. */
export type SupervisorRequests = {
  /**
   * A live connection (its handle rides along) for the slot's next worker; false when there is none.
   * `unread`: base64 bytes read but not used; `state`: the listener's JSON (see ListenerContext.handOff).
   */
  'hand-off': { params: { listener: string; unread: string; state?: unknown }; result: { accepted: boolean } };
  /** ShoalStore without Redis: the supervisor keeps the host's store. */
  store: { params: StoreOperation; result: string | number | boolean | null };
  /** ShoalBroadcast without Redis: the supervisor sends the message to every worker. */
  broadcast: { params: { channel: string; message: unknown }; result: { delivered: number } };
};

export type SupervisorMessage =
  /**
   * First of all, when the supervisor has it: the worker's whole resolved
   * configuration (what `shoal start` validated), so that a worker does not
   * read and compile the config file again. Its shape is the starter's.
   */
  | { type: 'configure'; config: unknown }
  /**
   * A socket the supervisor holds for this slot; `handle` rides along.
   * `inherited`: a socket of a slot that stopped restarting, which this slot serves too.
   */
  | { type: 'held-listener'; name: string; inherited: boolean }
  /** Sent after every held listener: the worker may now open or adopt its listeners. */
  /** `predecessor`: the slot's previous worker still serves the held sockets (a reload). */
  /** `hosts`: addresses that replace a listener's configured host (the address of a socket systemd passed). */
  | { type: 'boot'; slot: number; generation: number; ports: Record<string, number>; hosts?: Record<string, string>; predecessor?: boolean }
  /** A live connection the slot's previous worker handed off (base64 `unread` bytes, the listener's `state`); `handle` rides along. */
  | { type: 'adopt-connection'; listener: string; unread: string; state?: unknown }
  /** A ShoalBroadcast message for this worker's subscribers. */
  | { type: 'broadcast'; channel: string; message: unknown }
  /** The previous worker no longer reads this exclusive listener's socket: serve it (see Listener.exclusive). */
  | { type: 'listener-released'; name: string; state: unknown }
  /** The previous worker is gone: serve every exclusive listener still waiting. */
  | { type: 'predecessor-gone' };

export type WorkerMessage =
  /** A duplicate of a socket this worker opened; `handle` rides along. */
  | { type: 'listener-handle'; name: string; port: number }
  | { type: 'ready'; listeners: { name: string; port: number; adopted: boolean }[] }
  /**
   * Sent every watchdog interval by a timer on the worker's event loop: that it arrives proves the loop runs.
   * `lagMs`: the longest the loop was blocked since the last beat; memory as process.memoryUsage() reads it.
   */
  | { type: 'heartbeat'; lagMs: number; rssBytes: number; heapUsedBytes: number }
  | { type: 'boot-failed'; error: SerializedError }
  /** A draining worker no longer reads this exclusive listener's socket (for the slot's next worker). */
  | { type: 'listener-released'; name: string; state: unknown };

type Envelope =
  | { type: 'shoal:request'; id: number; kind: string; params: unknown }
  | { type: 'shoal:response'; id: number; ok: true; result: unknown }
  | { type: 'shoal:response'; id: number; ok: false; error: SerializedError };

/** The part of ChildProcess / process that IPC needs. */
export interface IpcEndpoint {
  send?(message: unknown, sendHandle?: any, options?: object, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: any, handle?: any) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
  readonly connected?: boolean;
}

interface Pending {
  resolve: (value: any) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  kind: string;
}

type RequestMap<T> = { [K in keyof T]: { params: unknown; result: unknown } };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    return { code: errorCodeOf(err), message: err.message, stack: err.stack };
  }
  return { code: errorCodeOf(err), message: String(err) };
}

export function deserializeError(error: SerializedError): ShoalError {
  const result = new ShoalError(error.code, error.message);
  if (error.stack) result.stack = error.stack;
  return result;
}

/**
 * One side of the channel. `Out` are the requests this side sends, `In` the
 * ones it answers; `Msg` the one-way messages it receives, `Post` the ones it sends.
 */
export class IpcChannel<
  Out extends RequestMap<Out>,
  In extends RequestMap<In>,
  Msg extends { type: string },
  Post extends { type: string },
> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly handlers = new Map<string, { handler: (params: any, handle?: HeldHandle) => unknown; afterReply?: () => void }>();
  private messageListener: ((message: Msg, handle?: HeldHandle) => void) | undefined;
  /** Messages that came before anyone listened (delivered, in order, to the first listener). */
  private readonly unheard: { message: Msg; handle?: HeldHandle }[] = [];
  /** One-time takers of a message type (see take()). */
  private readonly takers = new Map<string, (message: Msg, handle?: HeldHandle) => void>();
  private closed = false;
  /** Descriptors that are no libuv handle travel on a side link (see FdPassing); messages carry their tag. */
  private fdLink: FdLink | undefined;
  private fdPassing: FdPassing | undefined;
  private nextFdId = 1;
  private readonly arrivedFds = new Map<number, number>();
  /** Received messages kept in order behind one whose descriptor has not arrived yet. */
  private readonly inbox: { message: unknown; handle?: HeldHandle; fdId?: number }[] = [];
  /** Sends kept in order behind one whose descriptor is still on its way. */
  private sendChain: Promise<unknown> = Promise.resolve();
  private chained = 0;

  constructor(private readonly endpoint: IpcEndpoint) {
    endpoint.on('message', (message: unknown, handle?: HeldHandle) => this.dispatch(message, handle));
    endpoint.on('disconnect', () => this.close());
  }

  /** Carries RawFdHandles over `link` from now on (both sides must attach one). */
  attachFdLink(link: FdLink, passing: FdPassing): void {
    this.fdLink = link;
    this.fdPassing = passing;
    link.onFd((fd, id) => {
      if (this.closed) {
        passing.closeFd(fd);
        return;
      }
      this.arrivedFds.set(id, fd);
      this.pump();
    });
  }

  get isOpen(): boolean {
    return !this.closed && this.endpoint.connected !== false;
  }

  /** Receives every one-way message; those that arrived before get delivered first, in order. */
  onMessage(listener: (message: Msg, handle?: HeldHandle) => void): void {
    this.messageListener = listener;
    for (const { message, handle } of this.unheard.splice(0)) listener(message, handle);
  }

  /** The first message of `type` (already arrived, or the next one); other messages wait for onMessage(). */
  take<T extends Msg['type']>(type: T): Promise<Extract<Msg, { type: T }>> {
    const index = this.unheard.findIndex((entry) => entry.message.type === type);
    if (index !== -1) return Promise.resolve(this.unheard.splice(index, 1)[0].message as Extract<Msg, { type: T }>);
    return new Promise((resolve) => this.takers.set(type, (message) => resolve(message as Extract<Msg, { type: T }>)));
  }

  /** Answers requests of one kind; `afterReply` runs once the answer has left this process. */
  onRequest<K extends keyof In & string>(
    kind: K,
    handler: (params: In[K]['params'], handle?: HeldHandle) => In[K]['result'] | Promise<In[K]['result']>,
    afterReply?: () => void,
  ): void {
    this.handlers.set(kind, { handler, afterReply });
  }

  /** Sends a one-way message; resolves once it (and its handle) left this process. */
  post(message: Post, handle?: HeldHandle): Promise<void> {
    return this.write(message, handle);
  }

  private write(message: { type: string }, handle?: HeldHandle): Promise<void> {
    if (!isRawFdHandle(handle) && this.chained === 0) return this.writeNow(message, handle);
    this.chained += 1;
    const sent = this.sendChain.then(async () => {
      if (!isRawFdHandle(handle)) return this.writeNow(message, handle);
      if (!this.fdLink || !this.isOpen) throw new ERR_IPC_CLOSED(message.type);
      const fdId = this.nextFdId++;
      await this.fdLink.send(handle.rawFd, fdId);
      return this.writeNow({ ...message, shoalFd: fdId } as { type: string });
    });
    const settled = sent.finally(() => (this.chained -= 1));
    this.sendChain = settled.catch(() => undefined);
    return settled;
  }

  private writeNow(message: { type: string }, handle?: HeldHandle): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.isOpen || !this.endpoint.send) {
        reject(new ERR_IPC_CLOSED(message.type));
        return;
      }
      try {
        this.endpoint.send(message, handle, {}, (error) => (error ? reject(error) : resolve()));
      } catch (error) {
        reject(error as Error);
      }
    });
  }

  /** Asks the other side; a `handle` (socket) may ride along. */
  request<K extends keyof Out & string>(kind: K, params: Out[K]['params'], timeoutMs: number, handle?: HeldHandle): Promise<Out[K]['result']> {
    return new Promise((resolve, reject) => {
      if (!this.isOpen) {
        reject(new ERR_IPC_CLOSED(kind));
        return;
      }
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ERR_IPC_TIMEOUT(kind, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, kind });
      this.write({ type: 'shoal:request', id, kind, params } as Envelope, handle).catch((error) => {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(error);
      });
    });
  }

  /** Rejects every pending request; later calls fail at once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fd of this.arrivedFds.values()) this.fdPassing?.closeFd(fd);
    this.arrivedFds.clear();
    this.fdLink?.close();
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new ERR_IPC_CLOSED(pending.kind));
      this.pending.delete(id);
    }
  }

  private dispatch(message: unknown, handle?: HeldHandle): void {
    const fdId = (message as { shoalFd?: unknown } | null)?.shoalFd;
    if (typeof fdId !== 'number' && this.inbox.length === 0) {
      this.dispatchNow(message, handle);
      return;
    }
    this.inbox.push({ message, handle, fdId: typeof fdId === 'number' ? fdId : undefined });
    this.pump();
  }

  /** Delivers queued messages in order, each once its descriptor has arrived on the link. */
  private pump(): void {
    while (this.inbox.length > 0) {
      const head = this.inbox[0];
      if (head.fdId !== undefined) {
        const fd = this.arrivedFds.get(head.fdId);
        if (fd === undefined || !this.fdPassing) return;
        this.arrivedFds.delete(head.fdId);
        head.handle = this.fdPassing.handle(fd);
      }
      this.inbox.shift();
      this.dispatchNow(head.message, head.handle);
    }
  }

  private dispatchNow(message: unknown, handle?: HeldHandle): void {
    if (message === null || typeof message !== 'object' || typeof (message as { type?: unknown }).type !== 'string') return;
    const envelope = message as Envelope;
    if (envelope.type === 'shoal:request') {
      void this.answer(envelope, handle);
    } else if (envelope.type === 'shoal:response') {
      const pending = this.pending.get(envelope.id);
      if (!pending) return;
      this.pending.delete(envelope.id);
      clearTimeout(pending.timer);
      if (envelope.ok) pending.resolve(envelope.result);
      else pending.reject(deserializeError(envelope.error));
    } else if (String((message as { type: string }).type).startsWith('NODE_')) {
      // Node's own internal messages (handle acknowledgements) are not ours.
    } else {
      const type = (message as Msg).type;
      const taker = this.takers.get(type);
      if (taker) {
        this.takers.delete(type);
        taker(message as Msg, handle);
      } else if (this.messageListener) {
        this.messageListener(message as Msg, handle);
      } else {
        this.unheard.push({ message: message as Msg, handle });
      }
    }
  }

  private async answer(request: { id: number; kind: string; params: unknown }, handle?: HeldHandle): Promise<void> {
    const entry = this.handlers.get(request.kind);
    let reply: Envelope;
    try {
      if (!entry) throw new ERR_IPC_UNKNOWN_REQUEST(request.kind);
      reply = { type: 'shoal:response', id: request.id, ok: true, result: await entry.handler(request.params, handle) };
    } catch (error) {
      reply = { type: 'shoal:response', id: request.id, ok: false, error: serializeError(error) };
    }
    await this.write(reply).catch(() => undefined);
    entry?.afterReply?.();
  }
}

/** The worker's side of the channel to its supervisor. */
export type WorkerChannel = IpcChannel<SupervisorRequests, WorkerRequests, SupervisorMessage, WorkerMessage>;

/** Opens the worker's channel: do it first thing, so that no message of the supervisor goes unheard. */
export function openWorkerChannel(): WorkerChannel {
  return new IpcChannel(process);
}
