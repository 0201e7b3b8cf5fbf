/**
 * The `shoal` command against a real supervisor it started: start, status
 * (both forms), reload with progress, scale, metrics, stop, doctor, and the
 * error paths (no supervisor, stale socket, bad config, bad app, another uid).
 */
import { SHOAL_BIN, shoalCli } from '../helpers/shoal-cli';
import { execFileSync, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import type { SupervisorStatus } from '@shoal/core';
import { TestCa } from '../helpers/certificates';
import { httpGet, tcpAsk } from '../helpers/clients';
import { fixtureConfig, isAlive, startCluster, stopAllClusters } from '../helpers/cluster';
import type { Cluster } from '../helpers/cluster';

const FIXTURE_APP = join(__dirname, '..', 'dist', 'fixtures', 'app.module.js');
const NOBODY = 65534;

/** Runs `shoal <args>` to completion (bounded), as this user or as `uid`. */
const shoal = shoalCli;

let dir: string;
let runtimeDir: string;
let configFile: string;

function writeConfig(overrides: Record<string, unknown> = {}): string {
  // The control socket goes to the test's runtime directory unless a test places it.
  const { control: _control, ...config } = fixtureConfig({ name: 'clitest' });
  Object.assign(config, overrides);
  const file = join(dir, `shoal-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

async function startViaCli(extraEnv: Record<string, string> = {}): Promise<Cluster> {
  return startCluster({
    config: {},
    entry: SHOAL_BIN,
    args: ['start', FIXTURE_APP, '--config', configFile],
    env: { SHOAL_RUNTIME_DIR: runtimeDir, ...extraEnv },
  });
}

const env = (): Record<string, string> => ({ SHOAL_RUNTIME_DIR: runtimeDir });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shoal-cli-'));
  runtimeDir = join(dir, 'run');
  configFile = writeConfig();
});

afterEach(async () => {
  await stopAllClusters();
  rmSync(dir, { recursive: true, force: true });
});

describe('shoal CLI against a running supervisor', () => {
  it('starts, shows status in both forms, reloads with progress, scales, prints metrics and stops', async () => {
    const cluster = await startViaCli();
    const socket = join(runtimeDir, 'clitest.sock');
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(runtimeDir).mode & 0o777).toBe(0o700);
    const up = cluster.events('supervisor.up')[0];
    expect(up.control).toBe(socket);

    const human = await shoal(['status'], { env: env() });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^clitest \(supervisor pid \d+\) running, 2\/2 workers ready/);
    expect(human.stdout).toMatch(/SLOT\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+HUNG\/MEM\s+LAG\s+CONNS\s+RSS\s+VERSION/);
    expect(human.stdout).toMatch(/\n0\s+ready\s+\d+\s+\d+s\s+0\s+0\/0\s+(\d+ms|-)\s+\d+\s+[\d.]+ MiB\s+@shoal\/tests@0\.0\.0\+[0-9a-f]{8}/);

    // An open connection shows in its worker's row.
    const answer = await tcpAsk(cluster.ports.tcp, 'hello');
    expect(answer).toBeDefined();
    const json = await shoal(['status', '--json'], { env: env() });
    expect(json.code).toBe(0);
    const status = JSON.parse(json.stdout) as SupervisorStatus;
    expect(status).toMatchObject({ name: 'clitest', state: 'running', workers: 2, ready: 2, control: socket });
    expect(status.slots).toHaveLength(2);
    for (const slot of status.slots) {
      expect(slot).toMatchObject({ state: 'ready', restarts: 0 });
      expect(typeof slot.rssBytes).toBe('number');
      expect(typeof slot.activeConnections).toBe('number');
      expect(slot.version).toMatch(/^@shoal\/tests@0\.0\.0\+/);
    }
    const oldPids = status.slots.map((s) => s.pid);

    const reload = await shoal(['reload'], { env: env() });
    expect(reload.stderr).toBe('');
    expect(reload.code).toBe(0);
    for (const slot of [0, 1]) {
      expect(reload.stdout).toMatch(new RegExp(`slot ${slot}: starting a new worker`));
      expect(reload.stdout).toMatch(new RegExp(`slot ${slot}: draining the old worker \\(pid ${oldPids[slot]}\\)`));
      expect(reload.stdout).toMatch(new RegExp(`slot ${slot}: replaced \\(now pid \\d+\\)`));
    }
    expect(reload.stdout).toMatch(/reload done in [\d.]+ s: 2 of 2 slots replaced/);
    const after = JSON.parse((await shoal(['status', '--json'], { env: env() })).stdout) as SupervisorStatus;
    expect(after.slots.map((s) => s.pid)).not.toEqual(expect.arrayContaining(oldPids));

    const fleet = await shoal(['status', '--fleet'], { env: env() });
    expect(fleet.code).toBe(0);
    expect(fleet.stdout).toMatch(/^one host, no redis section \(embedded\); this host: /);
    expect(fleet.stdout).toMatch(/HOST\s+STATE\s+READY\s+RELOADING\s+VERSION\s+PID\s+HEARTBEAT\n\S+\s+running\s+2\/2\s+no\s/);

    const up3 = await shoal(['scale', '3'], { env: env() });
    expect(up3).toMatchObject({ code: 0 });
    expect(up3.stdout).toMatch(/scaled from 2 to 3 workers .*added slots 2/);
    const down = await shoal(['scale', '2'], { env: env() });
    expect(down.stdout).toMatch(/scaled from 3 to 2 workers .*removed slots 2/);

    const metrics = await shoal(['metrics'], { env: env() });
    expect(metrics.code).toBe(0);
    expect(metrics.stdout).toMatch(/^shoal_workers_configured 2$/m);
    expect(metrics.stdout).toMatch(/^shoal_reloads_total\{result="ok"\} 1$/m);

    const stop = await shoal(['stop'], { env: env() });
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(/stopping supervisor \d+.*\n.*stopped/s);
    expect((await cluster.exited).code).toBe(0);
    expect(isAlive(cluster.pid)).toBe(false);
    expect(existsSync(socket)).toBe(false);
  });

  it('says a reload failed, with exit code 1, when a new worker cannot boot; the old workers keep serving', async () => {
    const flag = join(dir, 'refuse-boot');
    const cluster = await startViaCli({ SHOAL_TEST_BOOT_FAIL_FILE: flag });
    const before = await cluster.workerPids();
    writeFileSync(flag, '1');
    const reload = await shoal(['reload'], { env: env() });
    expect(reload.code).toBe(1);
    expect(reload.stdout).toMatch(/slot 0: failed: .*fixture refuses to boot/);
    expect(reload.stdout).toMatch(/reload FAILED after [\d.]+ s: .*0 of 2 slots were replaced/);
    expect(await cluster.workerPids()).toEqual(before);
  });

  it("keeps a TLS key's passphrase out of the workers' environment, the logs, `shoal status` and the admin endpoint", async () => {
    const passphrase = `pass-${Math.random().toString(36).slice(2)}`;
    const ca = new TestCa(dir);
    const cert = join(dir, 'server.pem');
    const plainKey = join(dir, 'server.key');
    ca.issueServer(cert, plainKey);
    const key = join(dir, 'server-encrypted.key');
    execFileSync('openssl', ['pkey', '-in', plainKey, '-aes256', '-passout', `pass:${passphrase}`, '-out', key]);
    const { listeners } = fixtureConfig() as { listeners: Record<string, unknown> };
    const secure = { transport: 'tcp', host: '127.0.0.1', port: 0, options: { framing: 'lines', tls: { cert, key, passphrase } } };
    configFile = writeConfig({ listeners: { ...listeners, secure } });
    const cluster = await startViaCli();
    // The workers decrypted the key: the listener completes handshakes.
    const client = connectTls({ host: '127.0.0.1', port: cluster.ports.secure, ca: ca.pem, servername: 'localhost' });
    await once(client, 'secureConnect');
    client.destroy();

    const seen: Record<string, string> = {};
    for (const pid of [cluster.pid, ...(await cluster.workerPids())]) seen[`environment of ${pid}`] = readFileSync(`/proc/${pid}/environ`, 'latin1');
    seen['shoal status'] = (await shoal(['status'], { env: env() })).stdout;
    seen['shoal status --json'] = (await shoal(['status', '--json'], { env: env() })).stdout;
    seen['admin /status'] = (await httpGet(cluster.adminPort, '/status')).body;
    await shoal(['reload'], { env: env() });
    for (const pid of await cluster.workerPids()) seen[`environment of ${pid} (after a reload)`] = readFileSync(`/proc/${pid}/environ`, 'latin1');
    await shoal(['stop'], { env: env() });
    await cluster.exited;
    seen.logs = cluster.logs.map((line) => JSON.stringify(line)).join('\n') + cluster.stderr.join('\n');
    expect(Object.keys(seen).filter((where) => seen[where].includes(passphrase))).toEqual([]);
    expect(Object.keys(seen)).toHaveLength(9);
  });

  it('refuses a second supervisor on the same control socket', async () => {
    await startViaCli();
    const second = await shoal(['start', FIXTURE_APP, '--config', writeConfig()], { env: env() });
    expect(second.code).toBe(1);
    expect(second.stdout + second.stderr).toMatch(/SHOAL_ERR_CONTROL_SOCKET_IN_USE|another supervisor is already running with the control socket/);
  });
});

describe('shoal CLI error paths', () => {
  it('says plainly that no supervisor runs, with exit code 3', async () => {
    const result = await shoal(['status'], { env: env() });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/SHOAL_ERR_CONTROL_NO_SUPERVISOR: no Shoal supervisor is running here: there is no control socket at .*shoal\.sock/);
  });

  it('recognises the stale socket of a killed supervisor, and a new start replaces it', async () => {
    const cluster = await startViaCli();
    cluster.killGroup();
    await cluster.exited;
    const stale = await shoal(['status'], { env: env() });
    expect(stale.code).toBe(3);
    expect(stale.stderr).toMatch(/SHOAL_ERR_CONTROL_STALE_SOCKET: the control socket .*clitest\.sock is stale/);
    await startViaCli();
    expect((await shoal(['status'], { env: env() })).code).toBe(0);
  });

  it('names the wrong field and who set it, with exit code 2, and starts nothing', async () => {
    configFile = writeConfig({ workers: 'two', listeners: { tcp: { transport: 'tcp', port: 99999 } } });
    const result = await shoal(['start', FIXTURE_APP, '--config', configFile, '--admin', 'localhost'], { env: { ...env(), SHOAL_LOG_LEVEL: 'chatty', SHOAL_SHUTDOWN_DELAY_MS: 'soon' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/workers must be an integer from 1 to 1024, got "two"/);
    expect(result.stderr).toMatch(/listeners\.tcp\.port must be an integer from 0 to 65535, got 99999/);
    expect(result.stderr).toMatch(/admin must be .* got "localhost" \(set by --admin\)/);
    expect(result.stderr).toMatch(/logLevel must be one of .* got "chatty" \(set by SHOAL_LOG_LEVEL\)/);
    expect(result.stderr).toMatch(/shutdownDelayMs must be an integer >= 0, got "soon" \(set by SHOAL_SHUTDOWN_DELAY_MS\)/);
    expect(existsSync(runtimeDir)).toBe(false);
  });

  it('checks a configuration and the app without starting (--check), and refuses an app that is not one', async () => {
    const ok = await shoal(['start', FIXTURE_APP, '--config', configFile, '--check'], { env: env() });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/configuration OK/);
    expect(ok.stdout).toMatch(/module FixtureModule/);
    expect(ok.stdout).toMatch(/control: +.*clitest\.sock/);
    const notAnApp = join(dir, 'not-an-app.js');
    writeFileSync(notAnApp, 'module.exports = { answer: 42 };');
    const bad = await shoal(['start', notAnApp, '--config', configFile, '--check'], { env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/SHOAL_ERR_APP_LOAD: .*exports no defineApp\(\) definition and no class with @Module\(\); export defineApp/);
    const missing = await shoal(['start', '--config', join(dir, 'nope.json')], { env: env() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/SHOAL_ERR_CONFIG_FILE: could not read the configuration file .*nope\.json: no such file/);
  });

  it('answers unknown commands and options in one line with exit code 2, and --help everywhere with 0', async () => {
    const unknown = await shoal(['relaod']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^shoal: unknown command "relaod" \(commands: start, status, reload, scale, upgrade, stop, metrics, doctor; see shoal --help\)\n$/);
    const option = await shoal(['status', '--jsno']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/Unknown option '--jsno' \(see shoal status --help\)/);
    const scale = await shoal(['scale', 'many'], { env: env() });
    expect(scale.code).toBe(2);
    expect(scale.stderr).toMatch(/the number of workers must be a whole number >= 1, got "many"/);
    for (const command of ['start', 'status', 'reload', 'scale', 'stop', 'metrics', 'doctor']) {
      const help = await shoal([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: shoal ${command}`));
    }
  });

  it('lets only the supervisor user and root use the control socket', async () => {
    // The other uid must be able to run node and read the CLI, or the test proves nothing.
    const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(SHOAL_BIN.replace(/bin\/shoal\.js$/, 'package.json'))})`], { uid: NOBODY, gid: NOBODY });
    expect({ status: probe.status, stderr: probe.stderr?.toString() }).toEqual({ status: 0, stderr: '' });

    await startViaCli();
    // Default layout: the runtime directory is 0700, so another user cannot even reach the socket.
    const denied = await shoal(['status', '--name', 'clitest'], { env: env(), uid: NOBODY });
    expect(denied.code).toBe(3);
    expect(denied.stderr).toMatch(/SHOAL_ERR_CONTROL_PERMISSION: permission denied on the control socket .*clitest\.sock: only the user that runs the supervisor/);
    await stopAllClusters();

    // A socket in a directory everyone can enter: the socket's own 0600 still refuses.
    chmodSync(dir, 0o755);
    const openDir = join(dir, 'open');
    mkdirSync(openDir, { mode: 0o755 });
    chmodSync(openDir, 0o755);
    configFile = writeConfig({ control: { path: join(openDir, 'svc.sock') } });
    await startViaCli();
    const socketDenied = await shoal(['status', '--socket', join(openDir, 'svc.sock')], { uid: NOBODY });
    expect(socketDenied.code).toBe(3);
    expect(socketDenied.stderr).toMatch(/permission denied on the control socket .*svc\.sock: only the user that runs the supervisor \(uid 0\) and root/);
    const root = await shoal(['status', '--socket', join(openDir, 'svc.sock')]);
    expect(root.code).toBe(0);
  });

  it('doctor checks the host, one line per check, OK or what to change', async () => {
    const result = await shoal(['doctor']);
    expect(result.code).toBe(0);
    for (const check of ['node', 'reuseport-tcp', 'reuseport-udp', 'tcp_migrate_req', 'sctp', 'somaxconn', 'open-files', 'systemd']) {
      expect(result.stdout).toMatch(new RegExp(`^(OK|WARN|FAIL) +${check} +\\S`, 'm'));
    }
    expect(result.stdout).toMatch(/^OK +reuseport-tcp +two TCP listeners share/m);
    const json = JSON.parse((await shoal(['doctor', '--json'])).stdout) as { check: string; status: string; fix?: string }[];
    expect(json.map((r) => r.check)).toEqual(['node', 'reuseport-tcp', 'reuseport-udp', 'tcp_migrate_req', 'sctp', 'somaxconn', 'open-files', 'systemd']);
    for (const r of json) if (r.status !== 'OK') expect(r.fix).toEqual(expect.any(String));
  });
});
