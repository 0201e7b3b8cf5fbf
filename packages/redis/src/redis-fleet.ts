/**
 * The fleet over Redis (core's FleetBackend): every host that heartbeats into
 * the same Redis and key prefix. Each registers itself with a TTL; a fleet
 * reload takes the hosts one at a time, each under a Redis lease with a
 * fencing token, so that never more than one host reloads (docs/fleet.md).
 */
import { randomUUID } from 'node:crypto';
import { Counter, Gauge } from 'prom-client';
import { ERR_FLEET_NOTHING_TO_RESUME, ERR_FLEET_RELOAD_FAILED, ERR_FLEET_RELOAD_IN_PROGRESS, ShoalError } from '@shoal/core';
import type {
  FleetContext,
  FleetHostReport,
  FleetMember,
  FleetPart,
  FleetReloadOptions,
  FleetReloadProgress,
  FleetReloadReport,
  Logger,
  ReloadProgress,
  ReloadReport,
  ResolvedRedisOptions,
  SlotReloadReport,
} from '@shoal/core';
import { connectRedis } from './redis-client';
import type { RedisConnection } from './redis-client';

const EXTEND_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
/** How long the record of the last fleet reload (for resume) is kept. */
const LAST_RELOAD_TTL_MS = 24 * 3600_000;

type HostCommand = { type: 'reload'; jobId: string; replyTo: string };
type HostReply =
  | { type: 'lease'; jobId: string; hostId: string; token: number }
  | { type: 'progress'; jobId: string; hostId: string; token: number; progress: ReloadProgress }
  | { type: 'done'; jobId: string; hostId: string; token: number | null; ok: boolean; slots: SlotReloadReport[]; error?: string };

interface LastReload {
  id: string;
  owner: string;
  startedAt: string;
  hosts: string[];
  done: { hostId: string; phase: FleetHostReport['phase']; token: number | null }[];
  finished: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class RedisFleet implements FleetPart {
  readonly mode = 'redis' as const;
  readonly hostId: string;
  private readonly logger: Logger;
  private readonly commands: RedisConnection;
  private readonly subscriber: RedisConnection;
  private readonly errors: Counter<'op'>;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly replyHandlers = new Set<(reply: HostReply) => void>();
  private heartbeatFailing = false;
  private closed = false;
  private readonly keys: {
    member: (host: string) => string;
    job: string;
    lease: string;
    fence: string;
    last: string;
    result: (id: string, host: string) => string;
    host: (host: string) => string;
    reply: (id: string) => string;
  };

  constructor(
    private readonly options: ResolvedRedisOptions,
    private readonly local: FleetContext,
  ) {
    const { registry, logger } = local;
    this.hostId = local.hostId;
    this.logger = logger;
    const p = options.keyPrefix;
    this.keys = {
      member: (host) => `${p}:member:${host}`,
      job: `${p}:reload:job`,
      lease: `${p}:reload:lease`,
      fence: `${p}:reload:fence`,
      last: `${p}:reload:last`,
      result: (id, host) => `${p}:reload:result:${id}:${host}`,
      host: (host) => `${p}:host:${host}`,
      reply: (id) => `${p}:reply:${id}`,
    };
    const up = new Gauge({ name: 'shoal_fleet_redis_up', help: '1 when the supervisor\'s connection to Redis is ready.', labelNames: ['connection'], registers: [registry] });
    this.errors = new Counter({ name: 'shoal_fleet_redis_errors_total', help: 'Redis operations of the supervisor that failed, by operation.', labelNames: ['op'], registers: [registry] });
    for (const op of ['heartbeat', 'members', 'reload']) this.errors.inc({ op }, 0);
    up.set({ connection: 'commands' }, 0);
    up.set({ connection: 'subscriber' }, 0);
    this.commands = connectRedis(options, 'shoal-supervisor', logger, { onStateChange: (value) => {
      up.set({ connection: 'commands' }, value ? 1 : 0);
      if (value) void this.beat();
    } });
    this.subscriber = connectRedis(options, 'shoal-supervisor-sub', logger, { subscriber: true, onStateChange: (value) => up.set({ connection: 'subscriber' }, value ? 1 : 0) });
    const countMembers = (): Promise<number> => this.members().then((m) => m.length, () => 0);
    new Gauge({
      name: 'shoal_fleet_members',
      help: 'Hosts in the fleet (live members); 0 while Redis is unreachable.',
      registers: [registry],
      async collect() {
        this.set(await countMembers());
      },
    });
    this.subscriber.client.on('message', (channel: string, text: string) => this.onMessage(channel, text));
  }

  /** Joins the fleet once the workers are ready (without waiting for Redis: the host serves either way). */
  async started(): Promise<void> {
    void this.subscriber.client.subscribe(this.keys.host(this.hostId)).catch((error: unknown) => this.logger.error({ err: error }, 'could not subscribe to the fleet channel'));
    this.heartbeat = setInterval(() => void this.beat(), this.options.heartbeatMs);
    this.heartbeat.unref();
    if (await this.commands.waitUntilUp(this.options.commandTimeoutMs)) await this.beat();
    else this.logger.warn({ hostId: this.hostId }, 'redis is not reachable; this host serves, and joins the fleet once it is');
  }

  /** Leaves the fleet at once (rather than after memberTtlMs). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    if (this.commands.isUp()) await this.commands.client.del(this.keys.member(this.hostId)).catch(() => undefined);
    await Promise.all([this.commands.close(), this.subscriber.close()]);
  }

  private async beat(): Promise<void> {
    if (this.closed || !this.commands.isUp()) return;
    try {
      await this.commands.client.set(this.keys.member(this.hostId), JSON.stringify(this.local.member()), 'PX', this.options.memberTtlMs);
      if (this.heartbeatFailing) this.logger.info({ hostId: this.hostId }, 'fleet heartbeat works again');
      this.heartbeatFailing = false;
    } catch (error) {
      this.errors.inc({ op: 'heartbeat' });
      if (!this.heartbeatFailing) this.logger.warn({ err: error, hostId: this.hostId }, 'fleet heartbeat failed');
      this.heartbeatFailing = true;
    }
  }

  async members(): Promise<FleetMember[]> {
    this.commands.requireUp('fleet status');
    try {
      const client = this.commands.client;
      const keys = new Set<string>();
      let cursor = '0';
      do {
        const [next, batch] = await client.scan(cursor, 'MATCH', this.keys.member('*'), 'COUNT', 200);
        for (const key of batch) keys.add(key);
        cursor = next;
      } while (cursor !== '0');
      if (keys.size === 0) return [];
      const values = await client.mget(...keys);
      return values
        .filter((v): v is string => v !== null)
        .map((v) => JSON.parse(v) as FleetMember)
        .sort((a, b) => a.hostId.localeCompare(b.hostId));
    } catch (error) {
      this.errors.inc({ op: 'members' });
      throw error;
    }
  }

  async reload(onProgress: (progress: FleetReloadProgress) => void = () => undefined, options: FleetReloadOptions = {}): Promise<FleetReloadReport> {
    this.commands.requireUp('fleet reload');
    const client = this.commands.client;
    const id = randomUUID();
    const started = Date.now();
    const startedAt = new Date(started).toISOString();
    const job = JSON.stringify({ id, owner: this.hostId, startedAt });
    const taken = await client.set(this.keys.job, job, 'PX', this.options.leaseTtlMs, 'NX');
    if (taken !== 'OK') {
      const current = JSON.parse((await client.get(this.keys.job)) ?? '{}') as { owner?: string; startedAt?: string };
      this.local.countReload('refused');
      throw new ERR_FLEET_RELOAD_IN_PROGRESS(current.owner ?? 'unknown', current.startedAt ?? 'unknown');
    }
    const renewJob = setInterval(() => {
      client.eval(EXTEND_SCRIPT, 1, this.keys.job, job, this.options.leaseTtlMs).catch(() => this.errors.inc({ op: 'reload' }));
    }, Math.floor(this.options.leaseTtlMs / 3));
    const replyTo = this.keys.reply(id);
    const reports: FleetHostReport[] = [];
    let failure: ShoalError | undefined;
    let resumedFrom: string | null = null;
    try {
      await this.subscriber.client.subscribe(replyTo);
      let hosts: string[];
      if (options.resume) {
        const last = JSON.parse((await client.get(this.keys.last)) ?? 'null') as LastReload | null;
        if (!last || last.finished) throw new ERR_FLEET_NOTHING_TO_RESUME();
        resumedFrom = last.id;
        const done = new Set(last.done.filter((d) => d.phase === 'done').map((d) => d.hostId));
        hosts = last.hosts.filter((h) => !done.has(h));
      } else {
        hosts = (await this.members()).map((m) => m.hostId);
      }
      const record: LastReload = { id, owner: this.hostId, startedAt, hosts, done: [], finished: false };
      const save = (): Promise<unknown> => client.set(this.keys.last, JSON.stringify(record), 'PX', LAST_RELOAD_TTL_MS).catch(() => this.errors.inc({ op: 'reload' }));
      await save();
      this.logger.info({ id, hosts, resumedFrom }, 'fleet reload started');
      for (const hostId of hosts) {
        if (failure) {
          reports.push({ hostId, phase: 'skipped', token: null, durationMs: 0, slots: [] });
          onProgress({ id, hostId, phase: 'skipped' });
          continue;
        }
        const report = await this.reloadHost(id, hostId, replyTo, onProgress);
        reports.push(report);
        record.done.push({ hostId, phase: report.phase, token: report.token });
        onProgress({ id, hostId, phase: report.phase, ...(report.token !== null && { token: report.token }), ...(report.error && { error: report.error }) });
        this.logger[report.phase === 'done' ? 'info' : 'error']({ id, hostId, phase: report.phase, token: report.token, error: report.error }, `fleet reload: host ${hostId} ${report.phase}`);
        if (report.phase === 'failed') failure = new ERR_FLEET_RELOAD_FAILED(hostId, report.error ?? 'its rolling reload failed');
        await save();
      }
      // Hosts that vanished mid-way are not a failure: the reload went on past them.
      record.finished = failure === undefined;
      await save();
    } catch (error) {
      if (error instanceof ShoalError && error.code === ERR_FLEET_NOTHING_TO_RESUME.code) {
        this.local.countReload('refused');
        throw error;
      }
      failure = error instanceof ShoalError ? error : new ERR_FLEET_RELOAD_FAILED(this.hostId, error instanceof Error ? error.message : String(error), { cause: error });
    } finally {
      clearInterval(renewJob);
      await client.eval(RELEASE_SCRIPT, 1, this.keys.job, job).catch(() => undefined);
      await this.subscriber.client.unsubscribe(replyTo).catch(() => undefined);
    }
    this.local.countReload(failure ? 'failed' : 'ok');
    return {
      ok: failure === undefined,
      id,
      resumedFrom,
      startedAt,
      durationMs: Date.now() - started,
      hosts: reports,
      ...(failure && { error: { code: failure.code, message: failure.message } }),
    };
  }

  /** Asks one host to reload and follows it until it answers, drops out of the fleet, or times out. */
  private reloadHost(id: string, hostId: string, replyTo: string, onProgress: (progress: FleetReloadProgress) => void): Promise<FleetHostReport> {
    const started = Date.now();
    return new Promise((resolve) => {
      let token: number | null = null;
      let settled = false;
      const finish = (phase: FleetHostReport['phase'], slots: SlotReloadReport[], error?: string): void => {
        if (settled) return;
        settled = true;
        clearInterval(watchdog);
        this.replyHandlers.delete(onReply);
        resolve({ hostId, phase, token, durationMs: Date.now() - started, slots, ...(error !== undefined && { error }) });
      };
      const onReply = (reply: HostReply): void => {
        if (reply.jobId !== id || reply.hostId !== hostId) return;
        if (reply.type === 'lease') {
          token = reply.token;
          onProgress({ id, hostId, phase: 'reloading', token: reply.token });
        } else if (reply.type === 'progress') {
          if (reply.token === token) onProgress({ id, hostId, phase: 'slot', token: reply.token, slot: reply.progress });
        } else if (reply.token === token) {
          // Fencing: only the answer of the lease this host was granted counts.
          finish(reply.ok ? 'done' : 'failed', reply.slots, reply.error);
        }
      };
      this.replyHandlers.add(onReply);
      const watchdog = setInterval(() => {
        if (Date.now() - started > this.options.hostReloadTimeoutMs) {
          finish('failed', [], `no answer within redis.hostReloadTimeoutMs (${this.options.hostReloadTimeoutMs} ms)`);
          return;
        }
        if (!this.commands.isUp()) return;
        // The answer is also kept in a key, in case its message was published while this host was cut off from Redis.
        this.commands.client.get(this.keys.result(id, hostId)).then(
          (text) => {
            const done = text ? (JSON.parse(text) as Extract<HostReply, { type: 'done' }>) : undefined;
            if (done && (token === null || done.token === token)) {
              token = done.token;
              finish(done.ok ? 'done' : 'failed', done.slots, done.error);
            }
          },
          () => undefined,
        );
        this.commands.client.exists(this.keys.member(hostId)).then(
          (alive) => {
            if (alive === 0) finish('lost', [], 'the host stopped heartbeating (it died or lost Redis); its lease expires on its own');
          },
          () => undefined,
        );
      }, this.options.heartbeatMs);
      onProgress({ id, hostId, phase: 'waiting' });
      const command: HostCommand = { type: 'reload', jobId: id, replyTo };
      this.commands.client.publish(this.keys.host(hostId), JSON.stringify(command)).then(
        (receivers) => {
          if (receivers === 0) finish('lost', [], 'the host does not listen on its fleet channel (it left the fleet)');
        },
        (error: Error) => finish('failed', [], `could not reach the host: ${error.message}`),
      );
    });
  }

  private onMessage(channel: string, text: string): void {
    let message: HostCommand | HostReply;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (channel === this.keys.host(this.hostId) && message.type === 'reload') void this.serveReload(message);
    else for (const handler of [...this.replyHandlers]) handler(message as HostReply);
  }

  /** This host's turn in a fleet reload: take the lease, reload, release it. */
  private async serveReload(command: HostCommand): Promise<void> {
    const client = this.commands.client;
    type Outgoing = HostReply extends infer R ? (R extends HostReply ? Omit<R, 'jobId' | 'hostId'> : never) : never;
    const reply = (message: Outgoing): Promise<unknown> =>
      client.publish(command.replyTo, JSON.stringify({ ...message, jobId: command.jobId, hostId: this.hostId })).catch(() => this.errors.inc({ op: 'reload' }));
    const owner = `${this.hostId}/${randomUUID()}`;
    const deadline = Date.now() + this.options.hostReloadTimeoutMs;
    // The previous host's lease may still run (it died mid-reload): wait until it expires.
    for (;;) {
      const taken = await client.set(this.keys.lease, owner, 'PX', this.options.leaseTtlMs, 'NX').catch(() => null);
      if (taken === 'OK') break;
      if (Date.now() > deadline || this.closed) {
        await reply({ type: 'done', token: null, ok: false, slots: [], error: 'the fleet reload lease did not become free in time' });
        return;
      }
      await sleep(100);
    }
    let token: number;
    try {
      token = await client.incr(this.keys.fence);
    } catch (error) {
      await client.eval(RELEASE_SCRIPT, 1, this.keys.lease, owner).catch(() => undefined);
      await reply({ type: 'done', token: null, ok: false, slots: [], error: `could not take a fencing token: ${(error as Error).message}` });
      return;
    }
    this.logger.info({ event: 'fleet.lease-acquired', jobId: command.jobId, token }, 'fleet reload: this host holds the lease');
    await reply({ type: 'lease', token });
    let leaseLost = false;
    let renewedAt = Date.now();
    const renew = setInterval(() => {
      client.eval(EXTEND_SCRIPT, 1, this.keys.lease, owner, this.options.leaseTtlMs).then(
        (extended) => {
          if (Number(extended) === 1) renewedAt = Date.now();
          else if (!leaseLost) {
            leaseLost = true;
            this.logger.error({ event: 'fleet.lease-lost', token }, 'fleet reload: this host lost its lease; it replaces no further slot');
          }
        },
        () => {
          this.errors.inc({ op: 'reload' });
          if (!leaseLost && Date.now() - renewedAt > this.options.leaseTtlMs) {
            leaseLost = true;
            this.logger.error({ event: 'fleet.lease-lost', token, expired: true }, 'fleet reload: the lease could not be renewed before it expired; this host replaces no further slot');
          }
        },
      );
    }, Math.floor(this.options.leaseTtlMs / 3));
    let report: ReloadReport | undefined;
    let error: string | undefined;
    try {
      report = await this.local.reloadHere((progress) => void reply({ type: 'progress', token, progress }), () => !leaseLost);
      if (!report.ok) error = report.error?.message;
      else if (leaseLost) error = 'the lease was lost during the reload (Redis unreachable for longer than redis.leaseTtlMs)';
    } catch (failure) {
      error = failure instanceof Error ? failure.message : String(failure);
    } finally {
      clearInterval(renew);
      await client.eval(RELEASE_SCRIPT, 1, this.keys.lease, owner).catch(() => undefined);
    }
    const done = { type: 'done' as const, token, ok: error === undefined, slots: report?.slots ?? [], ...(error !== undefined && { error }) };
    // Kept in a key as well, retried while Redis is away (until the fleet reload would give up on this host).
    const result = JSON.stringify({ ...done, jobId: command.jobId, hostId: this.hostId });
    while (!this.closed) {
      const saved = await client.set(this.keys.result(command.jobId, this.hostId), result, 'PX', this.options.hostReloadTimeoutMs).then(() => true, () => false);
      if (saved || Date.now() > deadline) break;
      await sleep(200);
    }
    await reply(done);
  }
}
