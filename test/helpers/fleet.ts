/** Supervisors of the fleet fixture (test/fixtures/fleet-main.ts), driven through the real `shoal` CLI. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { FleetMember, FleetReloadReport } from '@shoal/core';
import { startCluster, testControlSocket } from './cluster';
import type { Cluster } from './cluster';

const SHOAL_BIN = require.resolve('@shoal/core/bin/shoal.js');

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
      udp: { transport: 'udp', host: '127.0.0.1', port: 0, options: { onHandlerError: 'reply' } },
    },
    offload: { module: OFFLOAD_TASKS },
    control: { path: testControlSocket() },
    ...overrides,
  };
}

export function redisSection(url: string, hostId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { url, hostId, keyPrefix: 'shoaltest', heartbeatMs: 200, memberTtlMs: 1_000, leaseTtlMs: 1_500, commandTimeoutMs: 500, maxReconnectDelayMs: 200, ...overrides };
}

export interface Host {
  cluster: Cluster;
  /** Its control socket, which the `shoal` commands below use. */
  socket: string;
}

export async function startHost(config: Record<string, unknown>, env: Record<string, string> = {}): Promise<Host> {
  const cluster = await startCluster({ config, entry: FLEET_MAIN, env });
  return { cluster, socket: (config.control as { path: string }).path };
}

export interface CliResult<T> {
  exitCode: number;
  /** The command's JSON output, when it ran. */
  result?: T;
  /** The error the command printed (`shoal: CODE: message`), when it refused. */
  error?: { code: string; message: string };
}

/** Runs `shoal <args> --socket <host's socket>` and parses its JSON output or its one-line error. */
export function shoalCli<T>(host: Host, args: string[], timeoutMs = 120_000): Promise<CliResult<T>> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SHOAL_BIN, ...args, '--socket', host.socket], { timeout: timeoutMs }, (error, stdout, stderr) => {
      const exitCode = error ? ((error as { code?: number }).code ?? -1) : 0;
      const refused = /^shoal: (SHOAL_ERR_[A-Z_]+): (.*)$/m.exec(stderr);
      resolve({
        exitCode: typeof exitCode === 'number' ? exitCode : -1,
        result: stdout.trim() ? (JSON.parse(stdout) as T) : undefined,
        error: refused ? { code: refused[1], message: refused[2] } : undefined,
      });
    });
  });
}

/** `shoal status --fleet --json`: the live hosts; throws when the command refuses. */
export async function members(host: Host): Promise<FleetMember[]> {
  const answer = await shoalCli<{ members: FleetMember[] }>(host, ['status', '--fleet', '--json'], 10_000);
  if (!answer.result) throw new Error(`shoal status --fleet: exit ${answer.exitCode} ${JSON.stringify(answer.error)}`);
  return answer.result.members;
}

/** `shoal reload --fleet --json [--resume]`: exit 0 with the report, 1 with a failed report, or a refusal. */
export async function fleetReload(host: Host, resume = false): Promise<CliResult<FleetReloadReport>> {
  return shoalCli<FleetReloadReport>(host, ['reload', '--fleet', '--json', ...(resume ? ['--resume'] : [])]);
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
