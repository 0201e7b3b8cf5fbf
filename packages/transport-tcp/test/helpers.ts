import { once } from 'node:events';
import { type Socket, connect } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { ERR_CONFIG_INVALID, type HandlerBinding, HandlerTable, type ListenerContext, WorkerMetrics, createLogger } from '@shoal/core';
import { tcpTransports } from '../src';

export interface Binding {
  event: string;
  fn: (...args: any[]) => unknown;
  options?: Record<string, unknown>;
  name?: string;
  /** A binding discovery wrapped for Nest's enhancers (HandlerBinding.enhanced). */
  enhanced?: boolean;
}

export interface TestContext extends ListenerContext {
  readonly worker: WorkerMetrics;
  /** As in a worker that is not reloading: nobody takes a handed-off connection. */
  handOff(handle: object, unread: Buffer): Promise<boolean>;
}

const logger = createLogger('silent', {});
const transports = new Map(tcpTransports().map((t) => [t.name, t]));

/**
 * A ListenerContext as a worker builds it: options validated by the
 * transport (as where the configuration is loaded), real metrics, real
 * handler table, a silent logger.
 */
export function listenerContext(
  transport: string,
  options: Record<string, unknown>,
  bindings: Binding[],
  { name = `${transport}-test`, port = 0, host = '127.0.0.1', worker = new WorkerMetrics() } = {},
): TestContext {
  const validated = transports.get(transport)!.validateOptions(options, `listeners.${name}.options`);
  if (validated.problems.length > 0) throw new ERR_CONFIG_INVALID(validated.problems);
  const spec = Object.freeze({ name, transport, host, port, options: validated.options });
  const metrics = worker.forListener(spec);
  const table: HandlerBinding[] = bindings.map((b, i) => ({
    listener: name,
    event: b.event,
    options: Object.freeze({ ...(b.options ?? {}) }),
    name: b.name ?? `TestHandlers.${b.event}${i}`,
    fn: b.fn,
    ...(b.enhanced === true && { enhanced: true }),
  }));
  return { spec, handlers: new HandlerTable(table, metrics), metrics, logger, worker, handOff: async () => false };
}

/** The value of a metric series of the worker (0 when the series does not exist). */
export async function metricValue(worker: WorkerMetrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = worker.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const found = values.find((v) => Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l));
  return found?.value ?? 0;
}

/** A TCP client that collects what it reads and can wait for lines or bytes. */
export class Client {
  readonly socket: Socket;
  data = Buffer.alloc(0);
  ended = false;
  closed: Promise<void>;
  private waiters: Array<() => void> = [];

  static async connect(port: number, host = '127.0.0.1'): Promise<Client> {
    const client = new Client(connect(port, host));
    await once(client.socket, 'connect');
    return client;
  }

  /** A TLS client (node:tls), resolved once its handshake is over. */
  static async connectTls(port: number, options: ConnectionOptions = {}): Promise<Client> {
    const client = new Client(tlsConnect({ host: '127.0.0.1', port, ...options }));
    await once(client.socket, 'secureConnect');
    return client;
  }

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk]);
      this.wake();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', () => {
      this.ended = true;
      this.wake();
    });
    this.closed = once(socket, 'close').then(() => undefined);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when the data read so far satisfies `ready` (rejects if the connection ends first). */
  async until(ready: (data: Buffer) => boolean, what: string): Promise<Buffer> {
    while (!ready(this.data)) {
      if (this.ended) throw new Error(`connection ended before ${what}; got ${JSON.stringify(this.data.toString())}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.data;
  }

  /** Waits for `n` complete lines and returns them (without '\n'). */
  async lines(n: number): Promise<string[]> {
    const data = await this.until((d) => d.toString().split('\n').length > n, `${n} lines`);
    return data.toString().split('\n').slice(0, n);
  }

  /** Waits until the server ended the connection. */
  async end(): Promise<Buffer> {
    await this.until(() => this.ended, 'the end');
    return this.data;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Sends one datagram and resolves with the first reply. */
export async function udpRequest(port: number, payload: string | Buffer, socket?: UdpSocket): Promise<Buffer> {
  const client = socket ?? createSocket('udp4');
  try {
    const reply = once(client, 'message') as Promise<[Buffer]>;
    client.send(payload, port, '127.0.0.1');
    return (await reply)[0];
  } finally {
    if (socket === undefined) client.close();
  }
}

/** A latch a test opens to let a pending handler finish. */
export function latch(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/**
 * A separate process that holds raw handles sent to it over Node IPC and gives
 * them back, as the supervisor does for a slot.
 */
export class Holder {
  private readonly child: ChildProcess;

  constructor() {
    this.child = fork(join(__dirname, 'fixtures', 'holder.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  }

  async hold(handle: object): Promise<void> {
    const acked = once(this.child, 'message');
    this.child.send('hold', handle as never);
    await acked;
  }

  async give(): Promise<object> {
    const reply = once(this.child, 'message') as Promise<[string, object]>;
    this.child.send('give');
    const [, handle] = await reply;
    return handle;
  }

  async stop(): Promise<void> {
    const exited = once(this.child, 'exit');
    this.child.kill();
    await exited;
  }
}

/** Stops a listener and cuts whatever it still has. */
export async function shut(listener: { stopAccepting(): Promise<void>; drain(deadline: number): Promise<unknown> }): Promise<void> {
  await listener.stopAccepting();
  await listener.drain(Date.now());
}

export interface HttpReply {
  status: number;
  headers: import('node:http').IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** One HTTP request on a fresh connection (no agent), resolved with the whole response. */
export async function httpRequest(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string | number>; body?: string | Buffer; agent?: import('node:http').Agent | false } = {},
): Promise<HttpReply> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers, agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString() });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
