/** What the systemd tests share: a free loopback port, and the moment an activator listens. */
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import type { Cluster } from './cluster';

/** A port free right now on loopback (the activator binds it a moment later). */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves when systemd-socket-activate, started as the cluster's command prefix, says it listens. */
export function activatorListening(cluster: Cluster): Promise<void> {
  if (cluster.stderr.some((line) => line.startsWith('Listening on '))) return Promise.resolve();
  return new Promise((resolve, reject) => {
    createInterface({ input: cluster.proc.stderr! }).on('line', (line) => {
      if (line.startsWith('Listening on ')) resolve();
    });
    void cluster.exited.then(({ code }) => reject(new Error(`the activator exited with code ${code}: ${cluster.stderr.join('\n')}`)));
  });
}
