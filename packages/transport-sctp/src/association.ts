// One association served by a listener: its context, its queue of messages
// (handled one at a time, in order, so replies keep the order of their
// stream), and the send path with its metrics. Message handlers run on
// @shoal/core's dispatch path through MESSAGE_WIRE.
import { type Dispatcher, type ListenerSpec, payloadReply, type Wire } from '@shoal/core';
import { ERR_SCTP_INVALID_ARGUMENT, type SctpMessage } from '@shoal/sctp';
import type { SctpAssociationContext, SctpMessageContext, SctpPayload, SctpSendOptions } from './context';
import type { SctpListenerOptions } from './listener-options';

/** What an association needs from the listener that serves it (SctpClusterListener). */
export interface AssociationOwner {
  readonly spec: ListenerSpec;
  readonly options: SctpListenerOptions;
  readonly messages: Dispatcher<MessageContext> | undefined;
  /** Counts a message read from the socket. */
  received(message: SctpMessage): void;
  /** Counts a reply sent on `stream`. */
  counted(stream: number, bytes: number): void;
}

/**
 * The SCTP wire of the dispatch path (@shoal/core dispatch.ts), for message
 * handlers: a reply goes on the message's stream with its PPID, `'reply'`
 * sends `ERR <code>` there, `'close'` shuts the association down gracefully.
 * Nothing is sent once the association is closing or gone (sendOn).
 */
export const MESSAGE_WIRE: Wire<MessageContext> = Object.freeze({
  checkReply: payloadReply,
  reply: (value: unknown, ctx: MessageContext) => {
    if (value !== undefined && value !== null) ctx.reply(value as SctpPayload);
  },
  replyError: (code: string, _error: unknown, ctx: MessageContext) => void ctx.reply(`ERR ${code}`),
  close: (ctx: MessageContext) => ctx.close(),
  logFields: (ctx: MessageContext) => ({ listener: ctx.listener, assocId: ctx.assocId, stream: ctx.stream }),
});

/** A payload as the bytes to send; checked here, before it is counted and handed to the socket. */
function toBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === 'string') return Buffer.from(data);
  throw new ERR_SCTP_INVALID_ARGUMENT('data', 'a Buffer, a Uint8Array or a string', data);
}

/** How an association sends: one-to-one through its socket, one-to-many through the endpoint with its id. */
export interface AssociationIo {
  send(data: Buffer, stream: number, ppid: number, unordered: boolean): boolean;
  /** Replies waiting in user space for room in the kernel's send buffer. */
  queued(): number;
  /** Messages of this association read from the kernel but not handed to it yet (the socket is paused). */
  unread(): number;
  pause(): void;
  resume(): void;
  close(): void;
  abort(): void;
  outboundStreams(): number;
  remote(): { addresses: string[]; port: number };
}

export class Association implements SctpAssociationContext {
  readonly state = new Map<string, unknown>();
  private queue: SctpMessage[] = [];
  private busy = false;
  /** The queue is full: the socket should stop reading for this association. */
  private paused = false;
  /** io.pause() was called and an io.resume() is owed (a one-to-many endpoint counts them over its associations). */
  private holding = false;
  closing = false;
  ended = false;
  /** Waiters for "nothing queued, nothing in flight". */
  private idleWaiters: (() => void)[] = [];
  private remoteCache: { addresses: string[]; port: number } | undefined;
  private streamsCache = 0;

  constructor(
    private readonly owner: AssociationOwner,
    readonly assocId: number,
    readonly io: AssociationIo,
    readonly resumed: boolean,
    outboundStreams = 0,
  ) {
    this.streamsCache = outboundStreams;
  }

  get listener(): string {
    return this.owner.spec.name;
  }

  /** The state as JSON, to travel with the association to another worker (undefined when empty). */
  exportState(): Record<string, unknown> | undefined {
    if (this.state.size === 0) return undefined;
    const out: Record<string, unknown> = {};
    for (const [key, value] of this.state) {
      try {
        const json = JSON.stringify(value);
        if (json !== undefined) out[key] = JSON.parse(json);
      } catch {
        // Not JSON (a cycle, a BigInt): it stays in this worker.
      }
    }
    return out;
  }

  /** The state an association brought from the worker that served it before. */
  importState(state: unknown): void {
    if (typeof state !== 'object' || state === null || Array.isArray(state)) return;
    for (const [key, value] of Object.entries(state)) this.state.set(key, value);
  }

  get style(): 'one-to-one' | 'one-to-many' {
    return this.owner.options.style;
  }

  get remoteAddresses(): readonly string[] {
    return this.remoteInfo().addresses;
  }

  get remotePort(): number {
    return this.remoteInfo().port;
  }

  private remoteInfo(): { addresses: string[]; port: number } {
    if (this.remoteCache === undefined) {
      try {
        this.remoteCache = this.io.remote();
      } catch {
        return { addresses: [], port: 0 };
      }
    }
    return this.remoteCache;
  }

  get outboundStreams(): number {
    if (this.streamsCache === 0) {
      try {
        this.streamsCache = this.io.outboundStreams();
      } catch {
        return this.owner.options.streams;
      }
    }
    return this.streamsCache;
  }

  send(data: SctpPayload, options: SctpSendOptions = {}): boolean {
    return this.sendOn(data, options.stream ?? 0, options.ppid ?? 0, options.unordered ?? false);
  }

  sendOn(data: SctpPayload, stream: number, ppid: number, unordered: boolean): boolean {
    if (this.ended || this.closing) return false;
    const buf = toBuffer(data);
    if (!Number.isInteger(stream) || stream < 0 || stream >= this.outboundStreams) {
      throw new ERR_SCTP_INVALID_ARGUMENT('stream', `an integer from 0 to ${this.outboundStreams - 1} (the association's outbound streams)`, stream);
    }
    if (!Number.isInteger(ppid) || ppid < 0 || ppid > 0xffffffff) throw new ERR_SCTP_INVALID_ARGUMENT('ppid', 'an integer from 0 to 4294967295', ppid);
    this.owner.counted(stream, buf.length);
    return this.io.send(buf, stream, ppid, unordered);
  }

  close(): void {
    if (this.ended || this.closing) return;
    this.closing = true;
    this.whenIdle(() => this.io.close());
  }

  abort(): void {
    if (this.ended) return;
    this.closing = true;
    this.io.abort();
  }

  /** A message from the kernel: handled now, or queued behind the one in flight. */
  push(message: SctpMessage): void {
    this.owner.received(message);
    if (this.busy || this.queue.length > 0) {
      this.queue.push(message);
      if (!this.paused && this.queue.length >= this.owner.options.maxQueuedMessages) {
        this.paused = true;
        // Never pause inside the receive batch: everything read stays with us, nothing in the socket's own buffer.
        // By the next tick the association may have ended (its end was in the same batch) or drained: then nothing is held.
        process.nextTick(() => {
          if (!this.paused || this.ended || this.holding) return;
          this.holding = true;
          this.io.pause();
        });
      }
      return;
    }
    this.handle(message);
    // A message the socket held while paused may have been the last thing a waiter (close, hand-off) waited for.
    if (!this.busy) this.checkIdle();
  }

  private handle(message: SctpMessage): void {
    const messages = this.owner.messages;
    if (messages === undefined || this.ended) return;
    const ctx = new MessageContext(this, message);
    const pending = messages.dispatch(ctx, message.data, ctx);
    if (pending !== undefined) {
      // Later messages of this association wait in the queue until the reply or error went out.
      this.busy = true;
      pending.then(this.onSettled);
    }
  }

  /** An asynchronous handler settled and its reply or error went out (the dispatch path never rejects). */
  private readonly onSettled = (): void => this.next();

  private next(): void {
    this.busy = false;
    while (this.queue.length > 0 && !this.busy && !this.ended) this.handle(this.queue.shift()!);
    if (this.busy || this.ended) return;
    if (this.paused) {
      this.paused = false;
      this.release();
    }
    this.checkIdle();
  }

  get idle(): boolean {
    return !this.busy && this.queue.length === 0 && this.io.queued() === 0 && this.io.unread() === 0;
  }

  /** Runs `fn` once every message read was handled and every reply left user space. */
  whenIdle(fn: () => void): void {
    if (this.idle || this.ended) {
      fn();
      return;
    }
    this.idleWaiters.push(fn);
  }

  /** Called after a handler finished and when the socket's send queue drained. */
  checkIdle(): void {
    // Waiters first: this runs after every message handled, and most of the time nobody waits.
    if (this.idleWaiters.length === 0 || !this.idle) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Gives back the socket this association held paused. */
  private release(): void {
    if (!this.holding) return;
    this.holding = false;
    this.io.resume();
  }

  /** The association is gone (or moved): drop what waits, and let go of the socket it held paused. */
  end(): void {
    this.ended = true;
    this.queue = [];
    // A one-to-many endpoint is shared: another association's messages must not wait for this one.
    this.paused = false;
    this.release();
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

export class MessageContext implements SctpMessageContext {
  readonly stream: number;
  readonly ppid: number;
  readonly ssn: number;
  readonly unordered: boolean;

  constructor(private readonly association: Association, message: SctpMessage) {
    this.stream = message.stream;
    this.ppid = message.ppid;
    this.ssn = message.ssn;
    this.unordered = message.unordered;
  }

  get listener(): string { return this.association.listener; }
  get style(): 'one-to-one' | 'one-to-many' { return this.association.style; }
  get assocId(): number { return this.association.assocId; }
  get remoteAddresses(): readonly string[] { return this.association.remoteAddresses; }
  get remotePort(): number { return this.association.remotePort; }
  get outboundStreams(): number { return this.association.outboundStreams; }
  get resumed(): boolean { return this.association.resumed; }
  get state(): Map<string, unknown> { return this.association.state; }

  reply(data: SctpPayload, options: SctpSendOptions = {}): boolean {
    return this.association.sendOn(data, options.stream ?? this.stream, options.ppid ?? this.ppid, options.unordered ?? this.unordered);
  }

  send(data: SctpPayload, options?: SctpSendOptions): boolean {
    return this.association.send(data, options);
  }

  close(): void {
    this.association.close();
  }

  abort(): void {
    this.association.abort();
  }
}
