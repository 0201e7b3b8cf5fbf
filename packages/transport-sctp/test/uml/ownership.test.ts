// Owning an SCTP port (docs/port-ownership.md), over the kernel's SCTP
// (inside UML): the listening endpoints in /proc/net/sctp/eps as the start
// check and the running watch read them (every address of a multi-homed
// endpoint), and a stranger (Python's socket module with SO_REUSEPORT)
// on a listener's port, named with its pid and command line.
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ERR_CONFIG_INVALID, type Listener, type ListenerContext, HandlerTable, WorkerMetrics, createLogger, findForeignListeners, listeningSockets, ownedPort, refuseForeignListeners } from '@shoal/core';
import { sctpTransport } from '../../src';

const transport = sctpTransport();
const open: Listener[] = [];
const strangers: ChildProcess[] = [];

afterEach(async () => {
  for (const stranger of strangers.splice(0)) {
    stranger.kill('SIGKILL');
    await new Promise((resolve) => stranger.once('exit', resolve));
  }
  for (const listener of open.splice(0)) {
    await listener.stopAccepting();
    await listener.drain(Date.now());
  }
});

function context(name: string, port: number, options: Record<string, unknown>): ListenerContext {
  const validated = transport.validateOptions(options, `listeners.${name}.options`);
  if (validated.problems.length > 0) throw new ERR_CONFIG_INVALID(validated.problems);
  const spec = Object.freeze({ name, transport: 'sctp', protocol: 'sctp', host: '127.0.0.1', port, options: validated.options });
  const metrics = new WorkerMetrics().forListener(spec);
  return { spec, handlers: new HandlerTable([], metrics), metrics, logger: createLogger('silent', {}), handOff: async () => false };
}

async function listen(ctx: ListenerContext): Promise<Listener> {
  const listener = await transport.open(ctx);
  open.push(listener);
  return listener;
}

const STRANGER = `
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.bind(('127.0.0.1', int(sys.argv[1])))
s.listen(8)
print('listening', os.getpid(), flush=True)
sys.stdin.read()
`;

/** A Python SCTP listener with SO_REUSEPORT on the port; resolves with its pid once it listens. */
async function stranger(port: number): Promise<number> {
  const proc = spawn('python3', ['-c', STRANGER, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  strangers.push(proc);
  const [line] = (await new Promise((resolve) => createInterface({ input: proc.stdout! }).once('line', (l) => resolve([l])))) as [string];
  return Number(line.split(' ')[1]);
}

describe('owning an SCTP port', () => {
  test('listening endpoints of both styles are listed with every address; none of ours counts as foreign', async () => {
    const one = await listen(context('one', 39_301, { style: 'one-to-one' }));
    const many = await listen(context('many', 39_302, { style: 'one-to-many', addresses: ['127.0.0.2'] }));
    expect(listeningSockets('sctp', one.boundPort())).toEqual([expect.objectContaining({ protocol: 'sctp', addresses: ['127.0.0.1'], port: 39_301, uid: process.getuid!() })]);
    expect(listeningSockets('sctp', many.boundPort())).toEqual([expect.objectContaining({ protocol: 'sctp', addresses: ['127.0.0.1', '127.0.0.2'], port: 39_302 })]);
    const ports = await Promise.all([one, many].map((l) => ownedPort(l.spec)));
    expect(ports[1].addresses).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(await findForeignListeners(ports, [process.pid])).toEqual([]);
  });

  test('a stranger on the port is named, and refused at start', async () => {
    const ctx = context('one', 39_303, { style: 'one-to-one' });
    const pid = await stranger(39_303);
    // Nothing of ours is on the port yet; and the stranger is this process's child, which the supervisor would
    // count as its own (its children are its workers): so no pid is ours here.
    const [found] = await findForeignListeners([await ownedPort(ctx.spec)], []);
    expect(found).toMatchObject({ listener: 'one', protocol: 'sctp', address: '127.0.0.1:39303', processes: [{ pid, command: expect.stringContaining('python3 -c') }], shoal: [] });
    await expect(refuseForeignListeners([ctx.spec], [])).rejects.toMatchObject({
      code: 'SHOAL_ERR_LISTENER_PORT_SHARED',
      message: expect.stringContaining(`listener "one" (sctp 127.0.0.1:39303): other processes already listen on this port: sctp 127.0.0.1:39303 held by pid ${pid} (`),
    });
    // Told to share, it does not refuse; the listener joins the stranger's group.
    await expect(refuseForeignListeners([{ ...ctx.spec, shareWithOthers: true }], [])).resolves.toBeUndefined();
    await listen(ctx);
  });
});
