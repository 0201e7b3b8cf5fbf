/** Runs a Nest app of test/fixtures/nest under the real `shoal start`, with a config of the test's own. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, startCluster, testControlSocket } from './cluster';

export const SHOAL_BIN = require.resolve('@shoal/core/bin/shoal.js');
export const NEST_FIXTURES = join(__dirname, '..', 'dist', 'fixtures', 'nest');

/** `app`: a file of test/fixtures/nest (compiled); `prefix`: e.g. a network namespace's. */
export function startNestApp(
  app: string,
  listeners: Record<string, unknown>,
  overrides: Record<string, unknown> = {},
  prefix?: string[],
): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-nest-'));
  const config = {
    name: 'nesttest',
    workers: 2,
    admin: { host: '127.0.0.1', port: 0 },
    control: { path: testControlSocket() },
    logLevel: 'info',
    drainTimeoutMs: 5_000,
    listeners,
    ...overrides,
  };
  const file = join(dir, 'shoal.config.json');
  writeFileSync(file, JSON.stringify(config));
  return startCluster({
    config: {},
    entry: SHOAL_BIN,
    args: ['start', join(NEST_FIXTURES, app), '--config', file],
    env: { SHOAL_RUNTIME_DIR: dir },
    prefix,
  });
}
