/**
 * RedisFleet on a real redis-server, with hosts played by FleetContexts in
 * this process (the cross-package tests in test/fleet run real supervisors):
 * membership, a fleet reload one host at a time with growing fencing tokens,
 * a second one refused, resume, and leaving.
 */
import { Registry } from 'prom-client';
import type { FleetContext, FleetMember, FleetReloadProgress, FleetReloadResult, ReloadReport } from '@shoal/core';
import { createFleet } from '../src';
import type { RedisFleet } from '../src/redis-fleet';
import { RedisServer, eventually, logger, metricValue, redisOptions, stopAllRedis } from './helpers';

let redis: RedisServer;
const fleets: RedisFleet[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
});

afterEach(async () => {
  await Promise.all(fleets.splice(0).map((f) => f.close()));
});

afterAll(stopAllRedis);

interface TestHost extends FleetContext {
  counted: FleetReloadResult[];
  /** When each of its reloads ran: [start, end] (ms). */
  reloads: [number, number][];
  /** Makes its next reloads fail. */
  failing: boolean;
}

function host(hostId: string): TestHost {
  let reloading = false;
  const startedAt = new Date().toISOString();
  const self: TestHost = {
    hostId,
    registry: new Registry(),
    logger,
    counted: [],
    reloads: [],
    failing: false,
    member: (): FleetMember => ({
      hostId,
      pid: process.pid,
      version: 'test',
      shoalVersion: 'test',
      state: 'running',
      workers: 1,
      readyWorkers: 1,
      ready: true,
      reloading,
      slots: [{ slot: 0, state: 'ready', pid: process.pid }],
      listeners: {},
      admin: null,
      startedAt,
      heartbeatAt: new Date().toISOString(),
    }),
    async reloadHere(onSlot): Promise<ReloadReport> {
      reloading = true;
      const start = Date.now();
      onSlot({ slot: 0, phase: 'starting', pid: null });
      await new Promise((resolve) => setTimeout(resolve, 150));
      reloading = false;
      self.reloads.push([start, Date.now()]);
      if (self.failing) return { ok: false, startedAt: new Date(start).toISOString(), durationMs: 150, slots: [], error: { code: 'SHOAL_ERR_RELOAD_REPLACEMENT_FAILED', message: 'bad deploy' } };
      const slot = { slot: 0, phase: 'done' as const, oldPid: 1, newPid: 2, readyMs: 100, drainMs: 50, drained: null };
      return { ok: true, startedAt: new Date(start).toISOString(), durationMs: 150, slots: [slot] };
    },
    countReload: (result) => void self.counted.push(result),
  };
  return self;
}

async function join(hostId: string, keyPrefix: string): Promise<{ fleet: RedisFleet; host: TestHost }> {
  const context = host(hostId);
  const fleet = createFleet(redisOptions(redis.url, { keyPrefix, hostId }), context) as RedisFleet;
  fleets.push(fleet);
  await fleet.started();
  return { fleet, host: context };
}

describe('RedisFleet', () => {
  it('lists the hosts, reloads them one at a time, refuses a second fleet reload, resumes, and leaves', async () => {
    const prefix = `fleet${Date.now()}`;
    const a = await join('host-a', prefix);
    const b = await join('host-b', prefix);
    expect(a.fleet).toMatchObject({ mode: 'redis', hostId: 'host-a' });
    const listed = await eventually('both listed', async () => {
      const members = await b.fleet.members();
      return members.length === 2 ? members : undefined;
    });
    expect(listed.map((m) => m.hostId)).toEqual(['host-a', 'host-b']);
    expect(await metricValue(a.host.registry, 'shoal_fleet_members')).toBe(2);
    expect(await metricValue(a.host.registry, 'shoal_fleet_redis_up', { connection: 'commands' })).toBe(1);

    const progress: FleetReloadProgress[] = [];
    const running = b.fleet.reload((p) => progress.push(p));
    await eventually('running', async () => (progress.some((p) => p.phase === 'reloading') ? true : undefined));
    await expect(a.fleet.reload()).rejects.toMatchObject({ code: 'SHOAL_ERR_FLEET_RELOAD_IN_PROGRESS', message: expect.stringMatching(/started by host "host-b"/) });
    expect(a.host.counted).toEqual(['refused']);
    const report = await running;
    expect(report).toMatchObject({ ok: true, resumedFrom: null });
    expect(report.hosts.map((h) => [h.hostId, h.phase])).toEqual([['host-a', 'done'], ['host-b', 'done']]);
    expect(report.hosts[1].token!).toBeGreaterThan(report.hosts[0].token!);
    // One host at a time: host B started after host A finished.
    expect(b.host.reloads[0][0]).toBeGreaterThanOrEqual(a.host.reloads[0][1]);
    expect(progress.filter((p) => p.phase === 'slot').map((p) => p.hostId)).toEqual(['host-a', 'host-b']);
    expect(b.host.counted).toEqual(['ok']);

    // A failed host stops the fleet reload; resume carries on from it.
    a.host.failing = true;
    const failed = await b.fleet.reload();
    expect(failed.ok).toBe(false);
    expect(failed.error).toMatchObject({ code: 'SHOAL_ERR_FLEET_RELOAD_FAILED', message: expect.stringMatching(/host "host-a": bad deploy/) });
    expect(failed.hosts.map((h) => h.phase)).toEqual(['failed', 'skipped']);
    a.host.failing = false;
    const resumed = await a.fleet.reload(undefined, { resume: true });
    expect(resumed).toMatchObject({ ok: true, resumedFrom: failed.id });
    expect(resumed.hosts.map((h) => [h.hostId, h.phase])).toEqual([['host-a', 'done'], ['host-b', 'done']]);
    await expect(a.fleet.reload(undefined, { resume: true })).rejects.toMatchObject({ code: 'SHOAL_ERR_FLEET_NOTHING_TO_RESUME' });

    // Leaving is at once, not after memberTtlMs.
    await b.fleet.close();
    fleets.splice(fleets.indexOf(b.fleet), 1);
    expect((await a.fleet.members()).map((m) => m.hostId)).toEqual(['host-a']);
  });

  it('refuses fleet operations while Redis is unreachable', async () => {
    const server = await RedisServer.start();
    const context = host('host-z');
    const fleet = createFleet(redisOptions(server.url, { hostId: 'host-z' }), context) as RedisFleet;
    fleets.push(fleet);
    await fleet.started();
    await server.kill();
    await eventually('down', async () => ((await metricValue(context.registry, 'shoal_fleet_redis_up', { connection: 'commands' })) === 0 ? true : undefined));
    await expect(fleet.members()).rejects.toMatchObject({ code: 'SHOAL_ERR_REDIS_UNAVAILABLE', message: expect.stringMatching(/^fleet status needs Redis/) });
    await expect(fleet.reload()).rejects.toMatchObject({ code: 'SHOAL_ERR_REDIS_UNAVAILABLE' });
    expect(await metricValue(context.registry, 'shoal_fleet_members')).toBe(0);
  });
});
