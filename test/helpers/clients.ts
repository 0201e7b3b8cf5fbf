/** Small real clients for the tests: one request, one answer, bounded by a timeout. */
import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function httpGet(port: number, path: string, options: { host?: string; timeoutMs?: number; method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: options.host ?? '127.0.0.1', port, path, method: options.method ?? 'GET', agent: false, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error(`HTTP ${path} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A line-framed TCP connection: `ask` sends a line and resolves with the next line received. */
export class LineClient {
  private buffer = '';
  private readonly queue: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let index: number;
      while ((index = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, index);
        this.buffer = this.buffer.slice(index + 1);
        this.queue.shift()?.resolve(line);
      }
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    const fail = (error: Error): void => {
      for (const waiter of this.queue.splice(0)) waiter.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed before an answer')));
  }

  static open(port: number, host = '127.0.0.1', timeoutMs = 10_000): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      socket.setTimeout(timeoutMs, () => socket.destroy(new Error('TCP client timed out')));
      socket.once('connect', () => resolve(new LineClient(socket)));
      socket.once('error', reject);
    });
  }

  /** The same over TLS (node:tls), resolved once the handshake is over. */
  static openTls(port: number, options: ConnectionOptions, host = '127.0.0.1', timeoutMs = 10_000): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ port, host, ...options });
      socket.setTimeout(timeoutMs, () => socket.destroy(new Error('TLS client timed out')));
      socket.once('secureConnect', () => resolve(new LineClient(socket)));
      socket.once('error', reject);
    });
  }

  ask(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.socket.write(`${line}\n`);
    });
  }

  close(): void {
    this.socket.end();
  }
}

/**
 * A line connection (the fixture's TCP listener) to the worker with the given
 * pid: reuseport picks the worker by the client's port, so new connections are
 * opened until one is answered by that pid.
 */
export async function connectionTo(port: number, pid: number): Promise<LineClient> {
  for (let i = 0; i < 200; i++) {
    const client = await LineClient.open(port);
    if (Number(await client.ask('pid')) === pid) return client;
    client.close();
  }
  throw new Error(`no connection reached worker ${pid} in 200 tries`);
}

/** Opens a connection, asks one line, closes. */
export async function tcpAsk(port: number, line: string, host = '127.0.0.1'): Promise<string> {
  const client = await LineClient.open(port, host);
  try {
    return await client.ask(line);
  } finally {
    client.close();
  }
}

export function udpAsk(port: number, payload: string, timeoutMs = 2_000, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no UDP answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('message', (message) => {
      clearTimeout(timer);
      socket.close();
      resolve(message.toString());
    });
    socket.send(payload, port, host);
  });
}

/** The value of a metric series in a Prometheus exposition (sum over matching lines). */
export function metricValue(exposition: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  let found = false;
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) {
      sum += Number(match[3]);
      found = true;
    }
  }
  if (!found) throw new Error(`metric ${name}${JSON.stringify(labels)} not found`);
  return sum;
}
