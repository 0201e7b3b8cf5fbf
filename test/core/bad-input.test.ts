import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { LineClient, httpGet, metricValue } from '../helpers/clients';
import { FIXTURE_MAIN, fixtureConfig, startCluster, stopAllClusters } from '../helpers/cluster';

afterEach(stopAllClusters);

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

/** The fixture's configuration with its TCP listener on a given port. */
function withTcpPort(port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const config = fixtureConfig({ workers: 1 });
  const listeners = config.listeners as Record<string, object>;
  return { ...config, listeners: { ...listeners, tcp: { ...listeners.tcp, port, ...extra } } };
}

describe('bad input costs nothing else', () => {
  it('refuses a wrong configuration with one line per problem, each naming its field', async () => {
    const cluster = await startCluster({
      config: {
        workers: 0,
        admin: { port: 'x' },
        listeners: { tcp: { transport: 'tcp', port: 70000, options: { framing: 'xml' } }, web: { transport: 'smtp', port: 80 } },
      },
      noWait: true,
    });
    const exit = await cluster.exited;
    expect(exit.code).toBe(1);
    const text = cluster.stderr.join('\n');
    expect(text).toMatch(/SHOAL_ERR_CONFIG_INVALID/);
    expect(text).toMatch(/workers must be an integer from 1 to 1024, got 0/);
    expect(text).toMatch(/admin\.port must be an integer from 0 to 65535, got "x"/);
    expect(text).toMatch(/listeners\.tcp\.port must be an integer from 0 to 65535, got 70000/);
    expect(text).toMatch(/listeners\.tcp\.options\.framing/);
    expect(text).toMatch(/listeners\.web\.transport: no transport named "smtp"/);
  });

  it('closes only the connection that sent an oversized frame, with an error code and a metric', async () => {
    const cluster = await startCluster({ config: fixtureConfig({ workers: 1 }) });
    const bystander = await LineClient.open(cluster.ports.tcp);
    const offender = await LineClient.open(cluster.ports.tcp);
    const answer = await offender.ask('x'.repeat(5_000));
    expect(answer).toMatch(/^ERR SHOAL_ERR_TCP_FRAME_TOO_LARGE/);
    await offender.closed;
    expect(await bystander.ask('still here')).toMatch(/ still here$/);
    bystander.close();
    const metrics = await cluster.metrics();
    expect(metricValue(metrics, 'shoal_protocol_errors_total', { listener: 'tcp', code: 'SHOAL_ERR_TCP_FRAME_TOO_LARGE' })).toBe(1);
  });

  it('counts and answers a throwing handler, and the worker lives on', async () => {
    const cluster = await startCluster({ config: fixtureConfig({ workers: 1 }) });
    const [worker] = await cluster.workerPids();
    const client = await LineClient.open(cluster.ports.tcp);
    expect(await client.ask('boom')).toBe('ERR SHOAL_ERR_HANDLER_FAILED');
    expect(Number(await client.ask('pid'))).toBe(worker);
    client.close();
    const failed = await httpGet(cluster.ports.http, '/boom');
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body)).toEqual({ error: { code: 'SHOAL_ERR_HANDLER_FAILED' } });
    expect(failed.body).not.toMatch(/boom/);
    expect(await cluster.workerPids()).toEqual([worker]);
    const metrics = await cluster.metrics();
    expect(metricValue(metrics, 'shoal_handler_errors_total', { listener: 'tcp', code: 'SHOAL_ERR_HANDLER_FAILED' })).toBe(1);
    expect(metricValue(metrics, 'shoal_handler_errors_total', { listener: 'http', code: 'SHOAL_ERR_HANDLER_FAILED' })).toBe(1);
    expect(metricValue(metrics, 'shoal_worker_restarts_total')).toBe(0);
  });

  it('names a port held by a socket without SO_REUSEPORT: its holder before anything binds, the cause when the bind fails', async () => {
    const blocker = createServer();
    const port = await listen(blocker);
    try {
      // The start check names the process (this test's) before any worker binds.
      const refused = await startCluster({ config: withTcpPort(port), noWait: true });
      expect((await refused.exited).code).toBe(1);
      const [named] = refused.events('supervisor.start-failed');
      expect(named.msg).toContain(`listener "tcp" (tcp 127.0.0.1:${port}): other processes already listen on this port: tcp 127.0.0.1:${port} held by pid ${process.pid} (`);
      expect(named.msg).toContain('(without it, the bind fails)');
      // Told to share, it binds, and the bind's EADDRINUSE says why.
      const cluster = await startCluster({ config: withTcpPort(port, { shareWithOthers: true }), noWait: true });
      expect((await cluster.exited).code).toBe(1);
      const [fatal] = cluster.events('supervisor.start-failed');
      expect(fatal.msg).toMatch(new RegExp(`listener "tcp" cannot bind tcp://127\\.0\\.0\\.1:${port}`));
      expect(fatal.msg).toMatch(/opened without SO_REUSEPORT/);
    } finally {
      blocker.close();
    }
  });

  it("names another user's reuseport group as the cause (the kernel's same-uid rule)", async () => {
    expect(process.getuid?.()).toBe(0); // the test runs as root so it can start a listener as another user
    const nobody = 65534;
    const script = `
      const s = require('net').createServer().listen({ host: '127.0.0.1', port: 0, reusePort: true }, () => console.log(s.address().port));
      process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`;
    const foreign = spawn(process.execPath, ['-e', script], { uid: nobody, gid: nobody, stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const [chunk] = (await once(foreign.stdout!, 'data')) as [Buffer];
      const port = Number(chunk.toString().trim());
      const cluster = await startCluster({ config: withTcpPort(port), noWait: true });
      expect((await cluster.exited).code).toBe(1);
      const [fatal] = cluster.events('supervisor.start-failed');
      expect(fatal.msg).toMatch(new RegExp(`held by a socket of uid ${nobody}`));
      expect(fatal.msg).toMatch(/same user/);
    } finally {
      foreign.stdin!.end();
      await once(foreign, 'exit');
    }
  });

  it('refuses to start on a Node.js without reusePort, naming the version it needs', () => {
    const old = ['/usr/bin/node', '/usr/local/bin/node']
      .map((path) => ({ path, version: spawnSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout?.trim() }))
      .find(({ version }) => version && /^(1\d|20|21|22\.(\d|1[01]))\./.test(version));
    if (!old) {
      // No old Node on this machine: check the gate itself.
      const { nodeSupportsReusePort } = require('@shoal/core');
      expect([nodeSupportsReusePort('20.20.2'), nodeSupportsReusePort('22.11.0'), nodeSupportsReusePort('22.12.0'), nodeSupportsReusePort('24.1.0')]).toEqual([false, false, true, true]);
      return;
    }
    const result = spawnSync(old.path, [FIXTURE_MAIN], { encoding: 'utf8', env: { ...process.env, SHOAL_TEST_CONFIG: JSON.stringify(fixtureConfig()) } });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/SHOAL_ERR_NODE_VERSION: Shoal needs Node\.js >= 22\.12\.0/);
    expect(result.stderr).toContain(`this is Node ${old.version}`);
  });
});
