/**
 * The control socket over a real Unix socket in a temporary directory, in
 * front of a fake ControlTarget: what each command calls and answers, the
 * protocol errors, progress lines, and the file system's access rules.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Socket, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import {
  ERR_CONTROL_PROTOCOL,
  ERR_CONTROL_RUNTIME_DIR,
  ERR_CONTROL_SOCKET_IN_USE,
  ERR_CONTROL_UNKNOWN_COMMAND,
  ERR_SUPERVISOR_BUSY,
  UNKNOWN_ERROR_CODE,
} from '../../src/errors';
import { sendCommand } from '../../src/control/control-client';
import { ControlServer } from '../../src/control/control-server';
import type { ControlTarget } from '../../src/control/control-server';
import { CONTROL_COMMANDS, MAX_CONTROL_REQUEST_BYTES } from '../../src/control/protocol';
import type { ControlReply, FleetReloadProgress, ReloadProgress, UpgradeProgress } from '../../src/control/protocol';

const realWrite = Socket.prototype.write;
const RELOAD_REPORT = { ok: true, startedAt: '2025-01-01T00:00:00.000Z', durationMs: 5, slots: [] };
const FLEET_REPORT = { ok: true, id: 'r1', resumedFrom: null, startedAt: '2025-01-01T00:00:00.000Z', durationMs: 5, hosts: [] };
const SCALE_REPORT = { ok: true, from: 2, to: 3, durationMs: 1, added: [2], removed: [], closed: [], handedOver: [] };
const PROGRESS: ReloadProgress[] = [
  { slot: 0, phase: 'starting', pid: 11 },
  { slot: 0, phase: 'done', pid: 11 },
];
const UPGRADE_REPORT = { ok: true, oldPid: 42, newPid: 43, startedAt: '2025-01-01T00:00:00.000Z', durationMs: 5, drainTimeoutMs: 3_000, keeper: false };
const UPGRADE_PROGRESS: UpgradeProgress[] = [
  { phase: 'starting', pid: 43 },
  { phase: 'slot-ready', pid: 43, slot: 0, workerPid: 44 },
  { phase: 'serving', pid: 43 },
];
const FLEET_PROGRESS: FleetReloadProgress[] = [{ id: 'r1', hostId: 'a', phase: 'reloading', token: 1 }];

/** A target that answers every command and records the calls (name and arguments). */
class FakeTarget implements ControlTarget {
  readonly calls: unknown[][] = [];
  /** Replace a member to make it throw. */
  failWith: Partial<Record<keyof ControlTarget, () => never>> = {};
  private stopRequested!: (reason: string) => void;
  readonly stopRequest = new Promise<string>((resolve) => (this.stopRequested = resolve));

  private call<T>(name: keyof ControlTarget, args: unknown[], answer: () => T): T {
    this.calls.push([name, ...args]);
    this.failWith[name]?.();
    return answer();
  }

  ping() {
    return this.call('ping', [], () => ({ pid: 42, name: 'svc' }));
  }
  inspect() {
    return this.call('inspect', [], async () => ({ name: 'svc', state: 'running' }) as never);
  }
  metrics() {
    return this.call('metrics', [], async () => ({ contentType: 'text/plain', text: 'shoal_up 1\n' }));
  }
  reload(surge: number | undefined, onProgress: (progress: ReloadProgress) => void) {
    return this.call('reload', [surge], async () => {
      for (const progress of PROGRESS) {
        onProgress(progress);
        await Promise.resolve();
      }
      return RELOAD_REPORT;
    });
  }
  scale(workers: number) {
    return this.call('scale', [workers], async () => SCALE_REPORT);
  }
  upgrade(onProgress: (progress: UpgradeProgress) => void) {
    return this.call('upgrade', [], async () => {
      for (const progress of UPGRADE_PROGRESS) onProgress(progress);
      return UPGRADE_REPORT;
    });
  }
  stop() {
    return this.call('stop', [], () => ({ pid: 42, drainTimeoutMs: 3_000, shutdownDelayMs: 0 }));
  }
  requestStop(reason: string): void {
    this.calls.push(['requestStop', reason]);
    this.stopRequested(reason);
  }
  fleetStatus() {
    return this.call('fleetStatus', [], async () => ({ mode: 'embedded' as const, hostId: 'a', members: [] }));
  }
  fleetReload(resume: boolean, onProgress: (progress: FleetReloadProgress) => void) {
    return this.call('fleetReload', [resume], async () => {
      for (const progress of FLEET_PROGRESS) onProgress(progress);
      return FLEET_REPORT;
    });
  }
}

/** A logger whose JSON lines the test reads. */
function memoryLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** Writes raw bytes, then reads every reply line until the server closes the connection. */
async function exchange(path: string, request: string): Promise<{ replies: ControlReply[]; raw: string }> {
  const socket = createConnection(path);
  let raw = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (raw += chunk));
  // A server that cuts us off may reset the connection: that ends the exchange as a close does.
  socket.on('error', () => undefined);
  const closed = new Promise((resolve) => socket.once('close', resolve));
  await once(socket, 'connect');
  socket.write(request);
  await closed;
  return { replies: raw.split('\n').filter(Boolean).map((line) => JSON.parse(line) as ControlReply), raw };
}

let dir: string;
let path: string;
let target: FakeTarget;
let server: ControlServer;
let log: ReturnType<typeof memoryLogger>;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shoal-control-'));
  path = join(dir, 'run', 'svc.sock');
  target = new FakeTarget();
  log = memoryLogger();
  server = new ControlServer(target, path, log.logger);
  await server.open();
});

afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ControlServer commands', () => {
  it.each([
    ['ping', {}, ['ping'], { pid: 42, name: 'svc' }],
    ['status', {}, ['inspect'], { name: 'svc', state: 'running' }],
    ['metrics', {}, ['metrics'], { contentType: 'text/plain', text: 'shoal_up 1\n' }],
    ['reload', {}, ['reload', undefined], RELOAD_REPORT],
    ['reload', { surge: 2 }, ['reload', 2], RELOAD_REPORT],
    ['reload', { surge: 'two' }, ['reload', undefined], RELOAD_REPORT],
    ['scale', { workers: 3 }, ['scale', 3], SCALE_REPORT],
    ['stop', {}, ['stop'], { pid: 42, drainTimeoutMs: 3_000, shutdownDelayMs: 0 }],
    ['upgrade', {}, ['upgrade'], UPGRADE_REPORT],
    ['fleet-status', {}, ['fleetStatus'], { mode: 'embedded', hostId: 'a', members: [] }],
    ['fleet-reload', {}, ['fleetReload', false], FLEET_REPORT],
    ['fleet-reload', { resume: true }, ['fleetReload', true], FLEET_REPORT],
  ] as const)('%s %j calls %j and answers its result', async (command, args, call, result) => {
    expect(await sendCommand(path, command, args as never)).toEqual(result);
    expect(target.calls[0]).toEqual(call);
  });

  it('covers every command of the protocol', () => {
    expect([...CONTROL_COMMANDS].sort()).toEqual(['fleet-reload', 'fleet-status', 'metrics', 'ping', 'reload', 'scale', 'status', 'stop', 'upgrade']);
  });

  it('sends reload progress as lines before the one result, then closes', async () => {
    const { replies } = await exchange(path, '{"command":"reload","args":{"surge":1}}\n');
    expect(replies).toEqual([
      { type: 'progress', progress: PROGRESS[0] },
      { type: 'progress', progress: PROGRESS[1] },
      { type: 'result', ok: true, result: RELOAD_REPORT },
    ]);
    const seen: ReloadProgress[] = [];
    await sendCommand(path, 'reload', {}, (progress) => seen.push(progress));
    expect(seen).toEqual(PROGRESS);
  });

  it('sends upgrade progress as its own kind of line, in order, before the result', async () => {
    const { replies } = await exchange(path, '{"command":"upgrade"}\n');
    expect(replies.map((r) => r.type)).toEqual(['upgrade-progress', 'upgrade-progress', 'upgrade-progress', 'result']);
    const seen: UpgradeProgress[] = [];
    await sendCommand(path, 'upgrade', {}, undefined, undefined, (progress) => seen.push(progress));
    expect(seen).toEqual(UPGRADE_PROGRESS);
  });

  it('sends fleet progress as its own kind of line, and logs it with its event', async () => {
    const { replies } = await exchange(path, '{"command":"fleet-reload"}\n');
    expect(replies.map((r) => r.type)).toEqual(['fleet-progress', 'result']);
    expect(log.lines.filter((l) => l.event === 'fleet.progress')).toEqual([expect.objectContaining({ hostId: 'a', phase: 'reloading', token: 1 })]);
  });

  it('answers stop first, and asks the owner to stop only after the answer has been written', async () => {
    // What the server writes, in one journal with the target's calls.
    const write = jest.spyOn(Socket.prototype, 'write').mockImplementation(function (this: Socket, ...args: unknown[]) {
      if (String(args[0]).includes('"type":"result"')) target.calls.push(['reply written']);
      return realWrite.apply(this, args as never);
    });
    try {
      const answer = await sendCommand(path, 'stop', {});
      expect(answer).toEqual({ pid: 42, drainTimeoutMs: 3_000, shutdownDelayMs: 0 });
      expect(await target.stopRequest).toBe('control socket');
    } finally {
      write.mockRestore();
    }
    expect(target.calls).toEqual([['stop'], ['reply written'], ['requestStop', 'control socket']]);
    expect(log.lines.map((l) => l.event)).toContain('control.stop-requested');
  });
});

describe('ControlServer errors', () => {
  it.each([
    ['an unknown command', '{"command":"relaod"}\n', ERR_CONTROL_UNKNOWN_COMMAND.code, /relaod.*ping, status, metrics, reload, scale, upgrade, stop, fleet-status, fleet-reload/],
    ['a request without a command', '{"args":{}}\n', ERR_CONTROL_UNKNOWN_COMMAND.code, /undefined/],
    ['a line that is not JSON', 'status please\n', ERR_CONTROL_PROTOCOL.code, /not a JSON line/],
  ])('answers %s with an error code and closes', async (_what, request, code, message) => {
    const { replies } = await exchange(path, request);
    expect(replies).toEqual([{ type: 'result', ok: false, error: { code, message: expect.stringMatching(message) } }]);
    expect(target.calls).toEqual([]);
  });

  it.each([
    ['a ShoalError', 'scale', () => { throw new ERR_SUPERVISOR_BUSY('scale', 'reload'); }, ERR_SUPERVISOR_BUSY.code],
    ['an error with a code of its own', 'status', () => { throw Object.assign(new Error('disk full'), { code: 'ENOSPC' }); }, 'ENOSPC'],
    ['a plain Error', 'metrics', () => { throw new TypeError('bad'); }, UNKNOWN_ERROR_CODE],
    ['a synchronous throw', 'ping', () => { throw new Error('sync'); }, UNKNOWN_ERROR_CODE],
  ] as const)('answers a target that throws %s with its code', async (_what, command, thrower, code) => {
    const member = ({ scale: 'scale', status: 'inspect', metrics: 'metrics', ping: 'ping' } as const)[command];
    target.failWith[member] = thrower;
    const error = await sendCommand(path, command, { workers: 3 } as never).catch((e: unknown) => e);
    expect(error).toMatchObject({ code });
  });

  it('refuses a request line that grows past the limit without a newline, and closes', async () => {
    const { replies } = await exchange(path, `{"command":"ping","args":{"pad":"${'x'.repeat(MAX_CONTROL_REQUEST_BYTES * 3)}`);
    expect(replies).toEqual([{ type: 'result', ok: false, error: expect.objectContaining({ code: ERR_CONTROL_PROTOCOL.code }) }]);
    expect(target.calls).toEqual([]);
    // The server serves on.
    expect(await sendCommand(path, 'ping', {})).toEqual({ pid: 42, name: 'svc' });
  });

  // Also when the newline comes in a later read than the limit.
  it('refuses a complete line longer than the limit', async () => {
    const { replies } = await exchange(path, `{"command":"ping","args":{"pad":"${'x'.repeat(MAX_CONTROL_REQUEST_BYTES + 100)}"}}\n`);
    expect(target.calls).toEqual([]);
    expect(replies).toEqual([{ type: 'result', ok: false, error: expect.objectContaining({ code: ERR_CONTROL_PROTOCOL.code }) }]);
  });

  it('serves the next connection after a bad one', async () => {
    await exchange(path, 'nonsense\n');
    expect(await sendCommand(path, 'ping', {})).toEqual({ pid: 42, name: 'svc' });
  });
});

describe('ControlServer on the file system', () => {
  it('creates its directory 0700 and the socket 0600, and removes the socket when it closes', async () => {
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(path).isSocket()).toBe(true);
    expect(server.endpoint()).toEqual({ control: path });
    await server.close();
    expect(existsSync(path)).toBe(false);
  });

  it('replaces the stale socket of a supervisor that died', async () => {
    await server.close();
    const stale = join(dir, 'run', 'stale.sock');
    // A process that listens and is killed leaves its socket file behind, with nobody on it.
    const script = `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`;
    const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    await once(child, 'exit');
    expect(statSync(stale).isSocket()).toBe(true);
    server = new ControlServer(target, stale, log.logger);
    await server.listen();
    expect(await sendCommand(stale, 'ping', {})).toEqual({ pid: 42, name: 'svc' });
  });

  it('refuses to take the socket of a live supervisor, which serves on', async () => {
    const second = new ControlServer(new FakeTarget(), path, log.logger);
    await expect(second.listen()).rejects.toMatchObject({ code: ERR_CONTROL_SOCKET_IN_USE.code });
    expect(await sendCommand(path, 'ping', {})).toEqual({ pid: 42, name: 'svc' });
  });

  it.each([
    ['writable by every user', (d: string) => { mkdirSync(d); chmodSync(d, 0o777); }, /writable by every user/],
    ['not a directory', (d: string) => writeFileSync(d, ''), /cannot create it|not a directory/],
  ])('refuses a runtime directory that is %s', async (_what, make, reason) => {
    const bad = join(dir, 'bad');
    make(bad);
    const refused = new ControlServer(new FakeTarget(), join(bad, 'svc.sock'), log.logger);
    const error = await refused.listen().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ERR_CONTROL_RUNTIME_DIR.code });
    expect((error as Error).message).toMatch(reason);
  });

  it('accepts a shared directory with the sticky bit (as /tmp)', async () => {
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const sticky = new ControlServer(new FakeTarget(), join(shared, 'svc.sock'), log.logger);
    await sticky.listen();
    try {
      expect(statSync(join(shared, 'svc.sock')).mode & 0o777).toBe(0o600);
    } finally {
      await sticky.close();
    }
  });
});
