/**
 * The addon against real sockets: notifications reach an AF_UNIX datagram
 * socket bound by Python (a path and an abstract name, as systemd uses
 * both), a refused one is an error with errno and syscall, and the look at a
 * passed descriptor tells TCP, UDP, a listening state, SO_REUSEPORT and the
 * bound address apart.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ERR_SYSTEMD_NOTIFY_FAILED, formatNotification, isShoalError, notify, passedSocketInfo, setCloseOnExec } from '../src/index';

/** A Python datagram receiver bound at `address`: prints each datagram as JSON, one per line. */
function receiver(address: string): { proc: ChildProcess; next: () => Promise<string> } {
  const script = [
    'import json, socket, sys',
    's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
    'a = sys.argv[1]',
    's.bind("\\0" + a[1:] if a.startswith("@") else a)',
    'print("bound", flush=True)',
    'while True: print(json.dumps(s.recv(4096).decode()), flush=True)',
  ].join('\n');
  const proc = spawn('python3', ['-c', script, address], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const wake = waiting.shift();
    if (wake) wake(line);
    else lines.push(line);
  });
  const next = (): Promise<string> => (lines.length > 0 ? Promise.resolve(lines.shift()!) : new Promise((resolve) => waiting.push(resolve)));
  return { proc, next };
}

const procs: ChildProcess[] = [];
afterEach(() => {
  for (const proc of procs.splice(0)) proc.kill();
});

describe('notify', () => {
  test.each([
    ['a path', join(mkdtempSync(join(tmpdir(), 'shoal-notify-')), 'notify.sock')],
    ['an abstract name', `@shoal-systemd-test-${process.pid}`],
  ])('sends KEY=VALUE lines to %s', async (_what, address) => {
    const { proc, next } = receiver(address);
    procs.push(proc);
    expect(await next()).toBe('bound');
    notify(address, { READY: 1, STATUS: 'serving: 2/2 workers ready' });
    expect(JSON.parse(await next())).toBe('READY=1\nSTATUS=serving: 2/2 workers ready\n');
  });

  test('a socket nobody listens on gives ECONNREFUSED from sendto, with the Shoal code', () => {
    let error: unknown;
    try {
      notify(`@shoal-systemd-nobody-${process.pid}`, { READY: 1 });
    } catch (e) {
      error = e;
    }
    expect(isShoalError(error, ERR_SYSTEMD_NOTIFY_FAILED.code)).toBe(true);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', syscall: 'sendto', shoalCode: 'SHOAL_ERR_SYSTEMD_NOTIFY_FAILED' });
  });

  test('bad input is refused before the addon, naming what is wrong', () => {
    expect(() => notify('relative/path', { READY: 1 })).toThrow(/NOTIFY_SOCKET must be an absolute path or an abstract name/);
    expect(() => notify(`/${'x'.repeat(120)}`, { READY: 1 })).toThrow(/at most 107 bytes/);
    expect(() => formatNotification({ STATUS: 'two\nlines' })).toThrow(/notification field STATUS must be one line/);
    expect(() => formatNotification({ 'bad key': 1 })).toThrow(/field name must be upper-case/);
  });
});

describe('passedSocketInfo', () => {
  const listening = (options: { reusePort?: boolean }): Promise<Server> =>
    new Promise((resolve) => {
      const server = createServer();
      server.listen({ host: '127.0.0.1', port: 0, ...options }, () => resolve(server));
    });
  const fdOf = (handleOwner: unknown): number => (handleOwner as { _handle: { fd: number } })._handle.fd;

  test('a listening TCP socket, with and without SO_REUSEPORT', async () => {
    for (const reusePort of [false, true]) {
      const server = await listening({ reusePort });
      const info = passedSocketInfo(fdOf(server));
      expect(info).toMatchObject({ type: 'stream', family: 'IPv4', protocol: 'tcp', listening: true, reusePort, address: '127.0.0.1', port: (server.address() as { port: number }).port });
      expect(info.uid).toBe(process.geteuid!());
      server.close();
    }
  });

  test('a UDP socket', async () => {
    const socket = createSocket('udp6');
    await new Promise<void>((resolve) => socket.bind(0, '::1', resolve));
    const symbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol')!;
    const fd = (socket as unknown as Record<symbol, { handle: { fd: number } }>)[symbol].handle.fd;
    expect(passedSocketInfo(fd)).toMatchObject({ type: 'dgram', family: 'IPv6', protocol: 'udp', listening: false, address: '::1', port: socket.address().port });
    socket.close();
  });

  test('a file is no socket: ENOTSOCK from fstat', () => {
    const fd = openSync(__filename, 'r');
    try {
      expect(() => passedSocketInfo(fd)).toThrow(expect.objectContaining({ code: 'ENOTSOCK', syscall: 'fstat', shoalCode: 'SHOAL_ERR_SYSTEMD_SOCKET_UNREADABLE' }));
      setCloseOnExec(fd);
    } finally {
      closeSync(fd);
    }
    expect(() => setCloseOnExec(fd)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'fcntl' }));
    expect(() => passedSocketInfo(-1)).toThrow(/fd must be a non-negative integer/);
  });
});
