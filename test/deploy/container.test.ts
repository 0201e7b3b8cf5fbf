/**
 * The demo's container image and Kubernetes manifests, tested as processes:
 * the ENTRYPOINT and CMD of deploy/Dockerfile, read from the file, run from
 * the built demo (apps/demo, laid out as the image's WORKDIR is: the demo
 * package with node_modules/@shoal/core), with the image's ENV, in a network
 * namespace of the test's own (so that the image's fixed ports and its admin
 * endpoint on 0.0.0.0 belong to this test alone). No Docker engine is needed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Cluster, stopAllClusters, within } from '../helpers/cluster';
import { readDockerfile } from '../helpers/dockerfile';
import { NetworkNamespace } from '../helpers/netns';

const ROOT = join(__dirname, '..', '..');
const DEMO = join(ROOT, 'apps', 'demo');
const image = readDockerfile(join(ROOT, 'deploy', 'Dockerfile'));
const deployment = readFileSync(join(ROOT, 'deploy', 'kubernetes', 'deployment.yaml'), 'utf8');
const service = readFileSync(join(ROOT, 'deploy', 'kubernetes', 'service.yaml'), 'utf8');
/** What the supervisor adds past a drain deadline before it kills a worker (supervisor.ts). */
const KILL_GRACE_MS = 1_000;

/** The Deployment's plain `value:` environment variables. */
function deploymentEnv(): Record<string, string> {
  return Object.fromEntries([...deployment.matchAll(/- name: (\w+)\n\s+value: "([^"]*)"/g)].map(([, name, value]) => [name, value]));
}

function deploymentField(pattern: RegExp): string {
  const match = pattern.exec(deployment);
  if (!match) throw new Error(`deploy/kubernetes/deployment.yaml has no ${pattern}`);
  return match[1];
}

let ns: NetworkNamespace | undefined;
let runtimeDir: string | undefined;

afterEach(async () => {
  await stopAllClusters();
  ns?.destroy();
  ns = undefined;
  if (runtimeDir) rmSync(runtimeDir, { recursive: true, force: true });
});

/**
 * The process environment inside the container: the image's PATH (with the
 * Node that runs these tests first, as the image's node is first there) and
 * its ENV, plus `extra`. SHOAL_RUNTIME_DIR: the control socket goes to a
 * directory of this test's own instead of the container's private /tmp.
 */
function containerEnv(extra: Record<string, string> = {}): Record<string, string> {
  runtimeDir = mkdtempSync(join(tmpdir(), 'shoal-container-'));
  return {
    PATH: `${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    ...image.env,
    ...extra,
    SHOAL_RUNTIME_DIR: runtimeDir,
  };
}

/** Runs the image's ENTRYPOINT + CMD in the namespace, from the demo's directory; resolves once the service is up. */
async function runImage(env: Record<string, string>): Promise<{ service: Cluster; up: Record<string, unknown> }> {
  ns = NetworkNamespace.create();
  const proc = spawn('ip', ['netns', 'exec', ns.name, ...image.entrypoint, ...image.cmd], { cwd: DEMO, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const service = new Cluster(proc);
  const up = await Promise.race([
    service.waitForEvent('supervisor.up', undefined, 60_000),
    service.exited.then(({ code }) => {
      throw new Error(`the image's command exited with code ${code} before it was up:\n${service.stderr.join('\n')}`);
    }),
  ]);
  return { service, up };
}

/** Runs a command inside the namespace (as `docker exec` would): its exit code and output. */
async function inContainer(argv: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  const child = spawn('ip', ['netns', 'exec', ns!.name, ...argv], { cwd: DEMO, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk));
  const [code] = await once(child, 'close');
  return { code: code as number | null, stdout };
}

/** An HTTP GET from inside the namespace (node's fetch, as the HEALTHCHECK uses): the status. */
async function statusOf(url: string, env: Record<string, string>): Promise<number> {
  const { stdout } = await inContainer(['node', '-e', 'fetch(process.argv[1]).then((r) => console.log(r.status), () => console.log(0))', url], env);
  return Number(stdout.trim());
}

describe('the demo image (deploy/Dockerfile)', () => {
  it('runs shoal start as a non-root user behind tini, with the admin endpoint on every address, and a HEALTHCHECK on /healthz', () => {
    expect(image.user).toBe('node');
    expect(image.workdir).toBe('/app');
    // tini as PID 1 passes SIGTERM to the supervisor alone (not -g: the supervisor decides how workers stop).
    expect(image.entrypoint).toEqual(['/usr/bin/tini', '--']);
    expect(image.cmd).toEqual(['node', 'node_modules/@shoal/core/bin/shoal.js', 'start']);
    expect(image.env).toMatchObject({ NODE_ENV: 'production', SHOAL_ADMIN: '0.0.0.0:9464', SHOAL_LOG_FORMAT: 'json' });
    expect(image.healthcheck?.cmd.slice(0, 2)).toEqual(['node', '-e']);
    expect(image.healthcheck?.cmd[2]).toMatch(/\/healthz/);
    expect(image.expose).toContainEqual({ port: 9464, protocol: 'tcp' });
  });

  it('runs as its ENTRYPOINT and CMD say: healthy by its HEALTHCHECK, serving, and exits 0 on SIGTERM within the drain timeout', async () => {
    const env = containerEnv();
    const { service, up } = await runImage(env);
    // Every listener the demo opened is EXPOSEd with its protocol (SCTP ones, where the kernel has SCTP, are checked below).
    const protocolOf: Record<string, string> = { http: 'tcp', https: 'tcp', echo: 'tcp', kv: 'tcp', udp: 'udp', 'kv-udp': 'udp' };
    for (const [name, port] of Object.entries(up.listeners as Record<string, number>)) expect(image.expose).toContainEqual({ port, protocol: protocolOf[name] });
    const { sctpDemoListeners } = require(join(DEMO, 'dist', 'sctp-listeners.js'));
    for (const listener of Object.values(sctpDemoListeners({}, () => true).listeners) as { port: number }[]) expect(image.expose).toContainEqual({ port: listener.port, protocol: 'sctp' });
    expect(up.admin).toBe('http://0.0.0.0:9464');

    expect(await inContainer(image.healthcheck!.cmd, env)).toMatchObject({ code: 0 });
    expect(await statusOf('http://127.0.0.1:8080/', env)).toBe(200);
    expect(await statusOf('http://127.0.0.1:9464/readyz', env)).toBe(200);

    process.kill(service.pid, 'SIGTERM');
    const stopping = await service.waitForEvent('supervisor.stopping');
    const limitMs = (stopping.shutdownDelayMs as number) + (stopping.drainTimeoutMs as number) + KILL_GRACE_MS;
    expect(await within(service.exited, limitMs, 'exit after SIGTERM')).toEqual({ code: 0, signal: null });
    expect(service.events('supervisor.kill-workers')).toEqual([]);
    // The same HEALTHCHECK fails once nothing answers: it checks something.
    expect((await inContainer(image.healthcheck!.cmd, env)).code).not.toBe(0);
  });
});

describe('the Kubernetes manifests (deploy/kubernetes)', () => {
  it('probe /readyz and /healthz on the admin port, and give a stop more time than the delay and the drain take', () => {
    const adminPort = Number(deploymentField(/name: admin, containerPort: (\d+)/));
    expect(image.env.SHOAL_ADMIN).toBe(`0.0.0.0:${adminPort}`);
    expect(deploymentField(/readinessProbe:\n\s+httpGet: \{ path: (\S+), port: admin \}/)).toBe('/readyz');
    expect(deploymentField(/livenessProbe:\n\s+httpGet: \{ path: (\S+), port: admin \}/)).toBe('/healthz');
    // The image's command runs unchanged.
    expect(deployment).not.toMatch(/^\s+(command|args):/m);
    const env = deploymentEnv();
    const graceMs = Number(deploymentField(/terminationGracePeriodSeconds: (\d+)/)) * 1000;
    expect(Number(env.SHOAL_SHUTDOWN_DELAY_MS)).toBeGreaterThan(0);
    expect(graceMs).toBeGreaterThan(Number(env.SHOAL_SHUTDOWN_DELAY_MS) + Number(env.SHOAL_DRAIN_TIMEOUT_MS) + KILL_GRACE_MS);
    // The Service's ports are the container's, by name.
    for (const [, name, port, protocol] of service.matchAll(/name: ([\w-]+), port: (\d+), targetPort: [\w-]+, protocol: (\w+)/g)) {
      expect(deployment).toContain(`{ name: ${name}, containerPort: ${port}, protocol: ${protocol} }`);
      expect(image.expose).toContainEqual({ port: Number(port), protocol: protocol.toLowerCase() });
    }
  });

  it('in the pod as the Deployment configures it: SIGTERM turns /readyz 503 while /healthz and the app still answer 200, then it exits 0 within the grace period', async () => {
    const cpus = deploymentField(/limits: \{ cpu: "(\d+)"/);
    // SHOAL_WORKERS comes from the CPU limit (resourceFieldRef) in the pod.
    const env = containerEnv({ ...deploymentEnv(), SHOAL_WORKERS: cpus });
    const { service } = await runImage(env);
    expect(await statusOf('http://127.0.0.1:9464/readyz', env)).toBe(200);

    process.kill(service.pid, 'SIGTERM');
    expect(await service.waitForEvent('supervisor.stopping')).toMatchObject({ shutdownDelayMs: Number(deploymentEnv().SHOAL_SHUTDOWN_DELAY_MS) });
    // These fall into the manifest's shutdown delay (5 s, which the supervisor waits at least):
    // the pod leaves the Service's endpoints, the kubelet keeps it alive, clients are still served.
    // shutdown-order.test.ts proves the same order with no delay to race against.
    const [readyz, healthcheck, app] = await Promise.all([
      statusOf('http://127.0.0.1:9464/readyz', env),
      inContainer(image.healthcheck!.cmd, env),
      statusOf('http://127.0.0.1:8080/', env),
    ]);
    expect({ readyz, healthcheck: healthcheck.code, app }).toEqual({ readyz: 503, healthcheck: 0, app: 200 });
    expect(service.events('supervisor.draining')).toEqual([]);

    const graceMs = Number(deploymentField(/terminationGracePeriodSeconds: (\d+)/)) * 1000;
    expect(await within(service.exited, graceMs, 'exit within terminationGracePeriodSeconds')).toEqual({ code: 0, signal: null });
    expect(await service.waitForEvent('supervisor.draining')).toMatchObject({ shutdownDelay: 'elapsed', drainTimeoutMs: Number(deploymentEnv().SHOAL_DRAIN_TIMEOUT_MS) });
    expect(service.events('worker.drained')).toHaveLength(Number(cpus));
  });
});
