import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { IpcChannel } from '../../src/ipc';

type Requests = {
  echo: { params: { text: string }; result: { text: string } };
  slow: { params: { ms: number }; result: string };
  fail: { params: object; result: never };
  bye: { params: object; result: string };
  missing: { params: object; result: never };
};

describe('IpcChannel between two real processes', () => {
  let child: ChildProcess;
  let channel: IpcChannel<Requests, Record<never, never>, { type: 'pong'; n: number }, { type: 'ping'; n: number }>;

  beforeEach(() => {
    child = fork(join(__dirname, '../fixtures', 'ipc-peer.js'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    channel = new IpcChannel(child);
  });
  afterEach(() => {
    child.kill('SIGKILL');
  });

  it('answers requests by id, concurrently and in any order', async () => {
    const slow = channel.request('slow', { ms: 100 }, 2_000);
    const echoed = await channel.request('echo', { text: 'hi' }, 2_000);
    expect(echoed).toEqual({ text: 'hi' });
    expect(await slow).toBe('late');
  });

  it('carries the error code and message of a failed request', async () => {
    await expect(channel.request('fail', {}, 2_000)).rejects.toMatchObject({ code: 'E_TEST_REFUSED', message: 'refused on purpose' });
    await expect(channel.request('missing', {}, 2_000)).rejects.toMatchObject({ code: 'SHOAL_ERR_IPC_UNKNOWN_REQUEST' });
  });

  it('times a request out', async () => {
    await expect(channel.request('slow', { ms: 1_000 }, 50)).rejects.toMatchObject({ code: 'SHOAL_ERR_IPC_TIMEOUT' });
  });

  it('delivers one-way messages', async () => {
    const pong = new Promise((resolve) => channel.onMessage(resolve));
    await channel.post({ type: 'ping', n: 7 });
    expect(await pong).toEqual({ type: 'pong', n: 7 });
  });

  it('rejects pending and later requests once the other side is gone', async () => {
    const pending = channel.request('slow', { ms: 5_000 }, 10_000);
    child.kill('SIGKILL');
    await expect(pending).rejects.toMatchObject({ code: 'SHOAL_ERR_IPC_CLOSED' });
    await expect(channel.request('echo', { text: 'x' }, 1_000)).rejects.toMatchObject({ code: 'SHOAL_ERR_IPC_CLOSED' });
  });

  it('runs afterReply once the answer has left', async () => {
    const exited = once(child, 'exit');
    expect(await channel.request('bye', {}, 2_000)).toBe('bye');
    expect((await exited)[0]).toBe(0);
  });
});
