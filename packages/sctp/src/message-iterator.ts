// `for await (const message of socket)`: the messages of a socket or endpoint
// as an async iterator, with flow control like a readable stream's: the
// socket is paused while the loop has highWaterMark bytes of messages it has
// not taken yet, and resumed when it catches up.
import type { EventEmitter } from 'node:events';

/** What the iterator needs of a socket (MessageSocket). */
export interface IterableMessageSource extends EventEmitter {
  pause(): unknown;
  resume(): unknown;
  readonly writableHighWaterMark: number;
  readonly isClosed: boolean;
}

export interface MessageIteratorOptions {
  /** Close the socket when the loop ends early (break, return, throw), as Node's readable streams do. Default true. */
  destroyOnReturn?: boolean;
}

/**
 * Messages until the end: 'end' (one-to-one: the peer shut down) or 'close';
 * an 'error' is thrown from the loop. `close` is what ends the socket when the
 * loop stops early.
 */
export function messageIterator<M extends { data: Buffer }>(
  source: IterableMessageSource,
  close: () => void,
  options: MessageIteratorOptions = {},
): AsyncIterableIterator<M> {
  const destroyOnReturn = options.destroyOnReturn ?? true;
  const buffered: M[] = [];
  let bufferedBytes = 0;
  let pausedHere = false;
  let done = source.isClosed;
  let failure: Error | undefined;
  let waiting: { resolve: (r: IteratorResult<M>) => void; reject: (e: Error) => void } | undefined;

  const settle = (): void => {
    if (waiting === undefined) return;
    const w = waiting;
    if (buffered.length > 0) {
      waiting = undefined;
      w.resolve({ value: take(), done: false });
    } else if (failure !== undefined) {
      waiting = undefined;
      const err = failure;
      failure = undefined;
      done = true;
      w.reject(err);
    } else if (done) {
      waiting = undefined;
      w.resolve({ value: undefined, done: true });
    }
  };
  const take = (): M => {
    const m = buffered.shift()!;
    bufferedBytes -= m.data.length;
    // Caught up to half the mark: read again.
    if (pausedHere && bufferedBytes <= source.writableHighWaterMark / 2) {
      pausedHere = false;
      source.resume();
    }
    return m;
  };
  const onMessage = (m: M): void => {
    buffered.push(m);
    bufferedBytes += m.data.length;
    if (!pausedHere && bufferedBytes >= Math.max(1, source.writableHighWaterMark)) {
      pausedHere = true;
      source.pause();
    }
    settle();
  };
  const onEnd = (): void => {
    done = true;
    detach();
    settle();
  };
  const onError = (err: Error): void => {
    failure = err;
    done = true;
    detach();
    settle();
  };
  const detach = (): void => {
    source.off('message', onMessage);
    source.off('end', onEnd);
    source.off('close', onEnd);
    source.off('error', onError);
  };
  if (!done) {
    source.on('message', onMessage);
    source.on('end', onEnd);
    source.on('close', onEnd);
    source.on('error', onError);
  }

  const stop = (): void => {
    done = true;
    detach();
    buffered.length = 0;
    bufferedBytes = 0;
    if (destroyOnReturn) close();
    else if (pausedHere) source.resume();
    pausedHere = false;
  };

  return {
    next(): Promise<IteratorResult<M>> {
      if (waiting !== undefined) return Promise.reject(new Error('next() called again before the previous call settled'));
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        settle();
      });
    },
    return(): Promise<IteratorResult<M>> {
      stop();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(err?: unknown): Promise<IteratorResult<M>> {
      stop();
      return Promise.reject(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
