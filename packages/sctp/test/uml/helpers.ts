// Shared helpers for the tests that run on a real SCTP kernel (inside UML).
import { execFileSync } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { connect, createServer, type SctpMessage, type SctpOptionsInput, type SctpServer, type SctpSocket } from '../../src';

/** Resolves with the first emission of `event`; rejects on 'error' or after ms. */
export function waitFor<T = unknown>(em: EventEmitter, event: string, ms = 20000, filter?: (v: T) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${ms} ms waiting for '${event}'`));
    }, ms);
    const on = (v: T): void => {
      if (filter && !filter(v)) return;
      cleanup();
      resolve(v);
    };
    const onErr = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      em.off(event, on);
      if (event !== 'error') em.off('error', onErr);
    };
    em.on(event, on);
    if (event !== 'error') em.on('error', onErr);
  });
}

/** Collects n 'message' events. */
export function collect(em: EventEmitter, n: number, ms = 30000): Promise<SctpMessage[]> {
  return new Promise((resolve, reject) => {
    const out: SctpMessage[] = [];
    const timer = setTimeout(() => {
      em.off('message', on);
      reject(new Error(`timed out with ${out.length} of ${n} messages`));
    }, ms);
    const on = (m: SctpMessage): void => {
      out.push(m);
      if (out.length === n) {
        clearTimeout(timer);
        em.off('message', on);
        resolve(out);
      }
    };
    em.on('message', on);
  });
}

export interface Pair {
  server: SctpServer;
  client: SctpSocket;
  accepted: SctpSocket;
  port: number;
  close(): Promise<void>;
}

/** A listening server on 127.0.0.1, a client connected to it and the accepted socket. */
export async function pair(serverOptions: SctpOptionsInput = {}, clientOptions: SctpOptionsInput = {}): Promise<Pair> {
  const server = createServer(serverOptions);
  const { port } = await server.listen({ address: '127.0.0.1', port: 0 });
  const acceptedP = waitFor<SctpSocket>(server, 'connection');
  const client = await connect({ address: '127.0.0.1', port, options: clientOptions });
  const accepted = await acceptedP;
  return {
    server, client, accepted, port,
    async close() {
      client.close();
      accepted.close();
      await server.close();
    },
  };
}

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8' });
}

/** Open file descriptors of this process. */
export function openFds(): number {
  return Number(sh('sh', ['-c', `ls /proc/${process.pid}/fd | wc -l`]).trim());
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const ip = (...args: string[]): void => {
  execFileSync('ip', args, { stdio: 'pipe' });
};

/**
 * Makes the guest drop every packet to addr (a blackhole route chosen by an ip
 * rule); returns the function that restores the path.
 */
export function blockPath(addr: string): () => void {
  // Look up the local table after our rule, so a blackhole can win.
  ip('rule', 'add', 'pref', '1000', 'lookup', 'local');
  ip('rule', 'del', 'pref', '0');
  ip('route', 'add', 'blackhole', `${addr}/32`, 'table', '100');
  ip('rule', 'add', 'pref', '10', 'to', `${addr}/32`, 'lookup', '100');
  return () => {
    ip('rule', 'del', 'pref', '10');
    ip('route', 'del', 'blackhole', `${addr}/32`, 'table', '100');
    ip('rule', 'add', 'pref', '0', 'lookup', 'local');
    ip('rule', 'del', 'pref', '1000');
  };
}
