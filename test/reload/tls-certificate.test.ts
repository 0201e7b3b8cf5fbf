/**
 * A TLS listener reads its certificate files in each worker, as the listener
 * opens: a certificate renewed on disk is served once `shoal reload` has
 * replaced the workers, and a connection opened before the reload is not
 * dropped (TLS connections drain; they are not handed off).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { TestCa } from '../helpers/certificates';
import { LineClient } from '../helpers/clients';
import { fixtureConfig, startCluster, stopAllClusters, testControlSocket } from '../helpers/cluster';

const SHOAL_BIN = require.resolve('@shoal/core/bin/shoal.js');
const FIXTURE_APP = join(__dirname, '..', 'dist', 'fixtures', 'app.module.js');

/** Runs `shoal <args>` to completion. */
function shoal(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SHOAL_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const fingerprintOf = (client: LineClient): string => (client.socket as TLSSocket).getPeerCertificate().fingerprint256;

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shoal-tls-reload-'));
});

afterEach(async () => {
  await stopAllClusters();
  rmSync(dir, { recursive: true, force: true });
});

/** `shoal start` of the fixture app, its tcp listener on TLS with the certificate files `cert` and `key`. */
async function startTls(cert: string, key: string) {
  const control = testControlSocket();
  const config = fixtureConfig({ control: { path: control }, drainTimeoutMs: 20_000 });
  const listeners = config.listeners as Record<string, Record<string, unknown>>;
  listeners.tcp = { ...listeners.tcp, options: { framing: 'lines', tls: { cert, key } } };
  const configFile = join(dir, 'shoal.json');
  writeFileSync(configFile, JSON.stringify(config));
  const cluster = await startCluster({ config: {}, entry: SHOAL_BIN, args: ['start', FIXTURE_APP, '--config', configFile] });
  return { cluster, control };
}

it('serves a certificate renewed on disk after shoal reload, and lets a connection opened before it finish', async () => {
  const ca = new TestCa(dir);
  const cert = join(dir, 'server.pem');
  const key = join(dir, 'server.key');
  const first = ca.issueServer(cert, key);
  const { cluster, control } = await startTls(cert, key);
  const trust = { ca: ca.pem, servername: 'localhost' };
  const oldPids = await cluster.workerPids();

  const early = await LineClient.openTls(cluster.ports.tcp, trust, '127.0.0.1', 60_000);
  const errors: Error[] = [];
  early.socket.on('error', (error) => errors.push(error));
  expect(fingerprintOf(early)).toBe(first);
  const earlyPid = Number(await early.ask('pid'));
  expect(oldPids).toContain(earlyPid);

  // Renewed in place: same paths, so the configuration (and its listeners) is unchanged.
  const renewed = ca.issueServer(cert, key);
  expect(renewed).not.toBe(first);
  // An exchange in flight as the reload starts.
  const inFlight = early.ask('sleep 3000');
  await cluster.waitForEvent('fixture.sleeping', (l) => l.pid === earlyPid);
  const reload = await shoal(['reload', '--socket', control]);
  expect(reload).toMatchObject({ code: 0, stderr: '' });
  expect(reload.stdout).toMatch(/reload done in [\d.]+ s: 2 of 2 slots replaced/);

  // The early connection got its answer and was ended by its old worker, not cut.
  expect(await inFlight).toBe(`slept ${earlyPid}`);
  await early.closed;
  expect(errors).toEqual([]);
  const report = (await cluster.waitForEvent('reload.finished')).slots as { oldPid: number; drained: { completed: number; forced: number } }[];
  expect(report.find((s) => s.oldPid === earlyPid)!.drained).toMatchObject({ completed: 1, forced: 0 });

  // New connections, on either new worker, get the renewed certificate.
  const newPids = await cluster.workerPids();
  for (const pid of newPids) expect(oldPids).not.toContain(pid);
  const seenBy = new Set<number>();
  for (let i = 0; i < 20 && seenBy.size < newPids.length; i++) {
    const fresh = await LineClient.openTls(cluster.ports.tcp, trust);
    expect(fingerprintOf(fresh)).toBe(renewed);
    seenBy.add(Number(await fresh.ask('pid')));
    fresh.close();
  }
  expect([...seenBy].sort()).toEqual([...newPids].sort());
});

it('stops the reload when a renewed file is not usable: the old workers serve on with the certificate they read', async () => {
  const ca = new TestCa(dir);
  const cert = join(dir, 'server.pem');
  const key = join(dir, 'server.key');
  const first = ca.issueServer(cert, key);
  const { cluster, control } = await startTls(cert, key);
  const oldPids = await cluster.workerPids();
  // A renewal half done: the new key is on disk, the certificate is still the old one.
  ca.issueServer(join(dir, 'next.pem'), key);
  const reload = await shoal(['reload', '--socket', control]);
  expect(reload.code).toBe(1);
  expect(reload.stdout).toMatch(/slot 0: failed: .*listeners\.tcp\.options\.tls\.key: .* is not the private key of the certificate in .*server\.pem/);
  expect(await cluster.workerPids()).toEqual(oldPids);
  const client = await LineClient.openTls(cluster.ports.tcp, { ca: ca.pem, servername: 'localhost' });
  expect(fingerprintOf(client)).toBe(first);
  expect(oldPids).toContain(Number(await client.ask('pid')));
  client.close();
});
