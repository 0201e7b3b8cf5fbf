/** A `ws` client for the gateway tests: sends `{ event, data }` messages and waits for what comes back. */
import { once } from 'node:events';
import WebSocket, { type ClientOptions } from 'ws';

export interface Answer {
  event: string;
  data: any;
}

export class WsClient {
  /** Messages received and not yet taken by next(). */
  private readonly inbox: Answer[] = [];
  private waiter: (() => void) | undefined;
  /** The close code and reason, once closed. */
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.inbox.push(JSON.parse(data.toString()) as Answer);
      this.waiter?.();
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async connect(url: string, options: ClientOptions = {}): Promise<WsClient> {
    const client = new WsClient(new WebSocket(url, options));
    await once(client.ws, 'open');
    return client;
  }

  send(event: string, data?: unknown): void {
    this.ws.send(JSON.stringify({ event, data }));
  }

  /** The next message received (waits for it). */
  async next(timeoutMs = 10_000): Promise<Answer> {
    const limit = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error('closed before the next message');
      const arrived = new Promise<void>((resolve) => (this.waiter = resolve));
      const left = limit - Date.now();
      if (left <= 0) throw new Error('no message in time');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([arrived, this.closed, new Promise((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
    }
    return this.inbox.shift()!;
  }

  /** Sends and waits for the answer. */
  async ask(event: string, data?: unknown): Promise<Answer> {
    this.send(event, data);
    return this.next();
  }

  /** What arrived and was not taken. */
  get unread(): Answer[] {
    return [...this.inbox];
  }
}
