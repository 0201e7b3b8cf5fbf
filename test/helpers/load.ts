/** What the load tests share: a child's whole output, its first line, wrk's summary, and the fixture app's load. */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

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

/** wrk's socket errors by kind (a timeout is a response later than wrk's --timeout, 2 s by default). */
export interface WrkSocketErrors {
  connect: number;
  read: number;
  write: number;
  timeout: number;
}

/** wrk's summary: requests, socket errors (their sum, and by kind), non-2xx/3xx responses. */
export function wrkResult(output: string): { requests: number; errors: number; socketErrors: WrkSocketErrors; non2xx: number } {
  const requests = Number(/(\d+) requests in/.exec(output)?.[1] ?? NaN);
  const [connect, read, write, timeout] = (/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output) ?? [0, 0, 0, 0, 0]).slice(1).map(Number);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  return { requests, errors: connect + read + write + timeout, socketErrors: { connect, read, write, timeout }, non2xx };
}

/** What test/load/load-client.js prints last (tcp and udp modes). */
export interface LoadStats {
  startedAt: number;
  sent: number;
  answered: number;
  wrong: number;
  failures: string[];
  reconnects: number;
  retried: number;
  pidsByFlow: Record<string, number[]>;
}

const LOAD_CLIENT = join(__dirname, '..', 'load', 'load-client.js');
/**
 * Answers each client must have had: only that the load ran (how much it gets
 * through depends on how busy the machine is; a starved CI host managed under
 * 1,000 in a run); that it ran through every replacement is what the hand-off
 * flows' worker counts show.
 */
const MIN_ANSWERED = 100;
/** A wrk script: 10 ms between a connection's answer and its next request (steady load that leaves the cores room for worker boots). */
export const PACED_WRK = join(__dirname, '..', 'load', 'paced.lua');

/** Where load clients run (a NetworkNamespace of the test's). */
interface Spawner {
  spawn(command: string, args: string[]): ChildProcess;
}

/**
 * The fixture app (test/fixtures) under every kind of load at once: wrk with
 * keep-alive and with a connection per request on `http` (8 connections
 * each, paced by PACED_WRK), framed TCP
 * request/response on `tcp` and on the hand-off listener `handoff`, and a
 * fixed-rate UDP stream on `udp`. What a reload or an upgrade must not
 * disturb; `problems()` says what did.
 */
export class FixtureLoad {
  private constructor(
    private readonly clients: { keepAlive: ChildProcess; perRequest: ChildProcess; tcp: ChildProcess; udp: ChildProcess; handoff: ChildProcess },
    private readonly outputs: Promise<string[]>,
  ) {}

  /** Starts every client in `where`; resolves once the TCP and UDP clients are sending. `wrkSeconds` only bounds wrk (stop() ends it). */
  static async start(where: Spawner, ports: Record<string, number>, wrkSeconds: number): Promise<FixtureLoad> {
    const { http, tcp, udp, handoff } = ports;
    const wrkArgs = ['-t1', '-c8', `-d${wrkSeconds}s`, '-s', PACED_WRK, `http://127.0.0.1:${http}/`];
    const clients = {
      keepAlive: where.spawn('wrk', wrkArgs),
      perRequest: where.spawn('wrk', [...wrkArgs.slice(0, -1), '-H', 'Connection: close', wrkArgs[wrkArgs.length - 1]]),
      tcp: where.spawn(process.execPath, [LOAD_CLIENT, 'tcp', String(tcp), '8']),
      udp: where.spawn(process.execPath, [LOAD_CLIENT, 'udp', String(udp), '8', '100']),
      handoff: where.spawn(process.execPath, [LOAD_CLIENT, 'tcp', String(handoff), '4']),
    };
    const outputs = Promise.all(Object.values(clients).map(collect));
    await Promise.all([started(clients.tcp), started(clients.udp), started(clients.handoff)]);
    return new FixtureLoad(clients, outputs);
  }

  /** Ends every client (wrk prints its summary on SIGINT, the load clients on SIGTERM) and reads their results. */
  async stop(): Promise<FixtureLoadResult> {
    this.clients.keepAlive.kill('SIGINT');
    this.clients.perRequest.kill('SIGINT');
    for (const child of [this.clients.tcp, this.clients.udp, this.clients.handoff]) child.kill('SIGTERM');
    const [keepAlive, perRequest, tcp, udp, handoff] = await this.outputs;
    return new FixtureLoadResult(wrkResult(keepAlive), wrkResult(perRequest), lastJsonLine(tcp), lastJsonLine(udp), lastJsonLine(handoff));
  }
}

export class FixtureLoadResult {
  constructor(
    readonly keepAlive: ReturnType<typeof wrkResult>,
    readonly perRequest: ReturnType<typeof wrkResult>,
    readonly tcp: LoadStats,
    readonly udp: LoadStats,
    readonly handoff: LoadStats,
  ) {}

  /**
   * Every loss at once, so that one does not hide another: a failed or non-2xx
   * HTTP request, a TCP answer missing or wrong, a hand-off connection that
   * reconnected or did not see `handoffWorkers` workers, a datagram
   * unanswered, a UDP flow that moved between slots (`slotOf`: worker pid to slot).
   */
  problems(handoffWorkers: number, slotOf: Map<number, number>): string[] {
    const problems: string[] = [];
    const check = (ok: boolean, what: string): void => {
      if (!ok) problems.push(what);
    };
    const brief = (stats: LoadStats): string => JSON.stringify({ ...stats, pidsByFlow: undefined, failures: stats.failures.slice(0, 10) });
    for (const [name, result] of [['keep-alive', this.keepAlive], ['connection per request', this.perRequest]] as const) {
      check(result.requests >= MIN_ANSWERED && result.errors === 0 && result.non2xx === 0, `HTTP ${name}: ${JSON.stringify(result)}`);
    }
    const { tcp, handoff, udp } = this;
    check(tcp.failures.length === 0 && tcp.wrong === 0 && tcp.answered === tcp.sent && tcp.answered >= MIN_ANSWERED, `TCP: ${brief(tcp)}`);
    // Hand-off connections carry on across every replacement: never a reconnect.
    check(handoff.failures.length === 0 && handoff.reconnects === 0 && handoff.answered === handoff.sent && handoff.answered >= MIN_ANSWERED, `TCP with handoff: ${brief(handoff)}`);
    for (const [flow, pids] of Object.entries(handoff.pidsByFlow)) {
      check(pids.length === handoffWorkers, `handoff flow ${flow} saw ${pids.length} workers, expected ${handoffWorkers} (one per replacement, on one connection)`);
    }
    check(udp.failures.length === 0 && udp.answered === udp.sent && udp.answered >= MIN_ANSWERED, `UDP: ${brief(udp)}`);
    // A flow stays on its slot: every worker that answered it belongs to one slot.
    for (const [flow, pids] of Object.entries(udp.pidsByFlow)) {
      const slots = new Set(pids.map((pid) => slotOf.get(pid)));
      check(slots.size === 1, `UDP flow ${flow} moved between slots ${[...slots].join(', ')}`);
    }
    return problems;
  }
}
