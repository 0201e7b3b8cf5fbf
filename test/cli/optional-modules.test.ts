/**
 * What a process of `shoal start` loads, seen from inside it: a supervisor
 * and an idle worker of a service without `redis` and `offload` sections
 * never load ioredis or piscina; neither keeps the config compiler (jiti) or
 * the validator (zod), which run in a short-lived child; and the supervisor
 * never loads Nest.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpGet } from '../helpers/clients';
import { fixtureConfig, startCluster, stopAllClusters } from '../helpers/cluster';

const SHOAL_BIN = require.resolve('@shoal/core/bin/shoal.js');
const FIXTURE_APP = join(__dirname, '..', 'dist', 'fixtures', 'app.module.js');
const REPORTER = join(__dirname, '..', 'fixtures', 'report-modules.js');

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shoal-modules-'));
});

afterEach(async () => {
  await stopAllClusters();
  rmSync(dir, { recursive: true, force: true });
});

/** The packages process `pid` reported, once it wrote its list. */
async function packagesOf(role: string, pid: number): Promise<string[]> {
  const file = join(dir, `${role}-${pid}.json`);
  for (let tries = 0; !existsSync(file); tries++) {
    if (tries > 200) throw new Error(`${role} ${pid} never reported its modules`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return JSON.parse(readFileSync(file, 'utf8')) as string[];
}

it('keeps ioredis, piscina, jiti, zod and (in the supervisor) Nest out of a service that does not use them', async () => {
  const { control: _control, ...config } = fixtureConfig({ name: 'modules', workers: 1 });
  // A TypeScript config file, so that the compiler is needed to read it.
  const configFile = join(dir, 'shoal.config.ts');
  writeFileSync(configFile, `const config: Record<string, unknown> = ${JSON.stringify(config)};\nexport default config;\n`);
  const cluster = await startCluster({
    config: {},
    entry: SHOAL_BIN,
    args: ['start', FIXTURE_APP, '--config', configFile],
    env: { SHOAL_RUNTIME_DIR: join(dir, 'run'), SHOAL_TEST_MODULES_DIR: dir, NODE_OPTIONS: `--require ${REPORTER}` },
  });
  expect((await httpGet(cluster.ports.http, '/')).status).toBe(200);
  const [worker] = await cluster.workerPids();

  const supervisor = await packagesOf('supervisor', cluster.pid);
  const idleWorker = await packagesOf('worker', worker);
  // The config child did its work (it compiled the TypeScript file) and is gone.
  const configChild = readdirSync(dir).find((name) => name.startsWith('config-'));
  expect(configChild).toBeDefined();
  expect(JSON.parse(readFileSync(join(dir, configChild!), 'utf8'))).toEqual(expect.arrayContaining(['jiti', 'zod']));

  for (const absent of ['ioredis', 'piscina', 'jiti', 'zod', 'pino-pretty']) {
    expect({ process: 'supervisor', package: absent, loaded: supervisor.includes(absent) }).toEqual({ process: 'supervisor', package: absent, loaded: false });
    expect({ process: 'worker', package: absent, loaded: idleWorker.includes(absent) }).toEqual({ process: 'worker', package: absent, loaded: false });
  }
  expect(supervisor).not.toContain('@nestjs/core');
  expect(supervisor).toContain('prom-client');
  expect(idleWorker).toEqual(expect.arrayContaining(['@nestjs/core', 'prom-client']));
});
