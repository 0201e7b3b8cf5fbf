/** What the load tests share: a child's whole output, its first line, and wrk's summary. */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** Everything a load client printed, once it exited. */
export function collect(child: ChildProcess): Promise<string> {
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk));
  return once(child, 'exit').then(() => out);
}

/** Resolves at a load client's first output (it is connected and sending). */
export async function started(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`load client exited early with code ${code}`)));
  });
}

/** A load client's results: the JSON of the last line it printed. */
export function lastJsonLine<T>(output: string): T {
  return JSON.parse(output.trim().split('\n').pop()!) as T;
}

/** wrk's summary: requests, socket errors of every kind, non-2xx/3xx responses. */
export function wrkResult(output: string): { requests: number; errors: number; non2xx: number } {
  const requests = Number(/(\d+) requests in/.exec(output)?.[1] ?? NaN);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  return { requests, errors: socket ? socket.slice(1).map(Number).reduce((a, b) => a + b, 0) : 0, non2xx };
}
