// The cluster listener in one process, over the kernel's SCTP (inside UML):
// the defects of issue 14 that need an exact order of events, which a whole
// cluster under traffic only hits by chance. The listener is opened as a
// worker opens it (options validated by the transport, real handler table,
// metrics and dispatch path); a hand-off goes through a real SCM_RIGHTS
// channel to a second listener of the same process, as it goes through the
// supervisor to the next worker.
import 'reflect-metadata';
import { once } from 'node:events';
import { ERR_CONFIG_INVALID, type HandlerBinding, HandlerTable, type HeldHandle, type Listener, type ListenerContext, WorkerMetrics, createLogger } from '@shoal/core';
import { FdChannel, SctpSocket, type SctpMessage } from '@shoal/sctp';
import { sctpFdPassing, sctpTransport } from '../../src';

const transport = sctpTransport();
const logger = createLogger('silent', {});
const open: Listener[] = [];
const clients: SctpSocket[] = [];

type Handler = (data: Buffer) => unknown;

function context(
  name: string,
  options: Record<string, unknown>,
  message: Handler,
  handOff: ListenerContext['handOff'] = async () => false,
  onDown?: (ctx: { assocId: number }) => void,
): ListenerContext {
  const validated = transport.validateOptions(options, `listeners.${name}.options`);
  if (validated.problems.length > 0) throw new ERR_CONFIG_INVALID(validated.problems);
  const spec = Object.freeze({ name, transport: 'sctp', host: '127.0.0.1', port: 0, options: validated.options });
  const metrics = new WorkerMetrics().forListener(spec);
  const bindings: HandlerBinding[] = [{ listener: name, event: 'message', options: {}, name: `${name}.message`, fn: message }];
  if (onDown) bindings.push({ listener: name, event: 'association-down', options: {}, name: `${name}.down`, fn: onDown });
  return { spec, handlers: new HandlerTable(bindings, metrics), metrics, logger, handOff };
}

async function listen(ctx: ListenerContext): Promise<Listener> {
  const listener = await transport.open(ctx);
  open.push(listener);
  return listener;
}

/** A one-to-one client that collects the answers it gets and remembers how its association ended. */
class Client {
  readonly answers: string[] = [];
  error: (Error & { code?: string }) | undefined;
  private waiters: (() => void)[] = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: SctpSocket) {
    clients.push(socket);
    socket.on('message', (m: SctpMessage) => {
      this.answers.push(m.data.toString());
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', (err: Error) => (this.error = err));
    // Not events.once: it rejects at an 'error', which comes before the 'close' of an aborted association.
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async connect(port: number): Promise<Client> {
    // noDelay: what is sent leaves at once (an abort would discard what Nagle still held).
    const socket = SctpSocket.connect({ address: '127.0.0.1', port, options: { noDelay: true } });
    await once(socket, 'connect');
    return new Client(socket);
  }

  send(text: string): void {
    this.socket.send(text, { stream: 0 });
  }

  /** Resolves at the answer `text` (rejects if the association ends first). */
  async answer(text: string): Promise<void> {
    while (!this.answers.includes(text)) {
      if (this.socket.isClosed) throw new Error(`association ended before the answer ${text} (${this.error?.code ?? 'no error'}); answers: ${this.answers.join(', ')}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        void this.closed.then(resolve);
      });
    }
  }
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

afterEach(async () => {
  for (const s of clients.splice(0)) if (!s.isClosed) s.abort();
  await Promise.all(open.splice(0).map(async (l) => l.drain(Date.now())));
});

describe('the SCTP cluster listener in one process', () => {
  test('one-to-many: an association that ends in the read batch that filled its queue does not leave the endpoint paused', async () => {
    const slow = gate();
    const handled: string[] = [];
    const aDown = gate();
    const listener = await listen(
      context(
        'otm',
        { style: 'one-to-many', maxQueuedMessages: 2 },
        async (data) => {
          const text = data.toString();
          handled.push(text);
          if (text === 'slow') await slow.promise;
          return `echo ${text}`;
        },
        undefined,
        () => aDown.open(),
      ),
    );
    const port = listener.boundPort();
    const a = await Client.connect(port);
    const b = await Client.connect(port);
    // All before the endpoint reads again (client and listener share this event loop): the endpoint
    // reads a's messages and a's end in one batch; the queue behind 'slow' reaches 2, which asks for
    // a pause on the next tick, after the association has ended.
    a.send('slow');
    for (let i = 1; i <= 4; i++) a.send(`a${i}`);
    a.socket.abort();
    // The listener saw a's end; b's message comes after that batch, when a pause would already hold the endpoint.
    await aDown.promise;
    b.send('b1');
    await b.answer('echo b1');
    slow.open();
    // What a had queued went with it.
    expect(handled).toEqual(['slow', 'b1']);
  });

  test('one-to-one: a hand-off in flight at the drain deadline completes; only the busy association is cut', async () => {
    const stuck = gate();
    const stuckHandled = gate();
    const { channel, remoteFd } = FdChannel.pair();
    const receiving = FdChannel.fromFd(remoteFd);
    const next = await listen(context('next', { style: 'one-to-one' }, (data) => `next ${data.toString()}`));
    const order: string[] = [];
    let xCut: Promise<void> = Promise.resolve();
    const handOff = async (handle: HeldHandle, _unread: Buffer, state?: unknown): Promise<boolean> => {
      order.push('hand-off began');
      // The supervisor's answer comes after the deadline cut the busy association.
      await xCut;
      order.push('hand-off answered');
      const received = receiving.recvFd();
      await channel.sendFd((handle as { rawFd: number }).rawFd);
      const { fd } = await received;
      next.adoptConnection!(sctpFdPassing.handle(fd), Buffer.alloc(0), state);
      return true;
    };
    const first = await listen(
      context('first', { style: 'one-to-one' }, async (data) => {
        if (data.toString() === 'stuck') {
          stuckHandled.open();
          await stuck.promise;
        }
        return `first ${data.toString()}`;
      }, handOff),
    );
    const port = first.boundPort();
    const x = await Client.connect(port);
    const y = await Client.connect(port);
    y.send('hello');
    await y.answer('first hello');
    x.send('stuck');
    await stuckHandled.promise;
    // x's handler never finishes before the deadline: x is cut; y is idle and handed off.
    xCut = x.closed.then(() => void order.push('x cut'));
    const report = first.drain(Date.now() + 1_000);
    expect(await report).toEqual({ completed: 0, forced: 1, handedOff: 1 });
    expect(order).toEqual(['hand-off began', 'x cut', 'hand-off answered']);
    expect(x.error?.code).toBe('ECONNRESET');
    // y's association lives on, served by the next listener.
    y.send('again');
    await y.answer('next again');
    expect(y.socket.isClosed).toBe(false);
    stuck.open();
    channel.close();
    receiving.close();
  });
});
