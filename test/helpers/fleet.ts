/** Supervisors of the fleet fixture (test/fixtures/fleet-main.ts) and its test control endpoint. */
import { join } from 'node:path';
import type { FleetMember, FleetReloadReport } from '@shoal/core';
import { httpGet } from './clients';
import { startCluster } from './cluster';
import type { Cluster } from './cluster';

export const FLEET_MAIN = join(__dirname, '..', 'dist', 'fixtures', 'fleet-main.js');
export const OFFLOAD_TASKS = join(__dirname, '..', 'dist', 'fixtures', 'offload-tasks.js');

export function fleetConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    workers: 2,
    admin: { host: '127.0.0.1', port: 0 },
    logLevel: 'info',
    drainTimeoutMs: 3_000,
    listeners: {
      http: { transport: 'http', host: '127.0.0.1', port: 0 },
      tcp: { transport: 'tcp', host: '127.0.0.1', port: 0, options: { framing: 'lines' } },
      udp: { transport: 'udp', host: '127.0.0.1', port: 0, options: { replyOnError: true } },
    },
    offload: { module: OFFLOAD_TASKS },
    ...overrides,
  };
}

export function redisSection(url: string, hostId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { url, hostId, keyPrefix: 'shoaltest', heartbeatMs: 200, memberTtlMs: 1_000, leaseTtlMs: 1_500, commandTimeoutMs: 500, maxReconnectDelayMs: 200, ...overrides };
}

export interface Host {
  cluster: Cluster;
  control: number;
}

export async function startHost(config: Record<string, unknown>, env: Record<string, string> = {}): Promise<Host> {
  const cluster = await startCluster({ config, entry: FLEET_MAIN, env });
  const line = await cluster.waitForLog((l) => l.msg === 'test control listening');
  return { cluster, control: line.port as number };
}

export async function members(host: Host): Promise<FleetMember[]> {
  const answer = await httpGet(host.control, '/fleet/members');
  if (answer.status !== 200) throw new Error(`members: ${answer.status} ${answer.body}`);
  return JSON.parse(answer.body);
}

export async function fleetReload(host: Host, resume = false): Promise<{ status: number; body: FleetReloadReport & { code?: string; message?: string } }> {
  const answer = await httpGet(host.control, `/fleet/reload${resume ? '?resume=1' : ''}`, { method: 'POST', timeoutMs: 120_000 });
  return { status: answer.status, body: JSON.parse(answer.body) };
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
