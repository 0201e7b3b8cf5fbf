import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadRedisPackage, packageDirs } from '../../src/config/optional-packages';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shoal-optional-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs `body` (JavaScript, with `optional` = core's built optional-packages
 * module) in a fresh Node without NODE_PATH: pnpm's launcher of jest puts its
 * hoisted packages there, where every workspace package would be found, and
 * an installed service has no such path. Returns what the body returns, or
 * the error it throws ({ error: { code, message } }).
 */
function inCleanNode(body: string): any {
  const module = join(__dirname, '..', '..', 'dist', 'config', 'optional-packages.js');
  const script = `const optional = require(${JSON.stringify(module)});
    let out; try { out = { value: (() => { ${body} })() }; } catch (e) { out = { error: { code: e.code, message: e.message } }; }
    process.stdout.write(JSON.stringify(out));`;
  const { NODE_PATH: _nodePath, ...env } = process.env;
  const result = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

/** A fake @shoal/redis installed under `root`/node_modules, exporting `source`. */
function install(root: string, source: string): void {
  const pkg = join(root, 'node_modules', '@shoal', 'redis');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@shoal/redis', main: 'index.js' }));
  writeFileSync(join(pkg, 'index.js'), source);
}

describe('optional packages', () => {
  it('are looked for from the app, the config file and the working directory, each once', () => {
    expect(packageDirs('/srv/app/dist/main.js', '/etc/shoal/shoal.config.ts', '/srv/app')).toEqual(['/srv/app/dist', '/etc/shoal', '/srv/app']);
    expect(packageDirs(null, null, '/srv/app')).toEqual(['/srv/app']);
    expect(packageDirs('/srv/app/main.js', undefined, '/srv/app')).toEqual(['/srv/app']);
  });

  it('@shoal/redis missing: a clear error that names the package and where it was looked for', () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    // Core does not depend on it, so it is not found from core's own directory either.
    expect(inCleanNode(`return optional.resolvePackage(optional.REDIS_PACKAGE, [${JSON.stringify(empty)}]);`)).toEqual({ value: null });
    expect(inCleanNode(`return optional.loadRedisPackage([${JSON.stringify(empty)}], ['createFleet']);`)).toEqual({
      error: {
        code: 'SHOAL_ERR_REDIS_NOT_INSTALLED',
        message: expect.stringMatching(new RegExp(`redis section, but the package @shoal/redis is not installed \\(looked for it from ${empty}\\)\\. Install it next to the application \\(npm install @shoal/redis`)),
      },
    });
  });

  it('@shoal/redis that lacks what core calls: the versions do not match', () => {
    const old = join(dir, 'old');
    install(old, 'exports.createFleet = () => ({});');
    expect(() => loadRedisPackage([join(old, 'dist')], ['createFleet', 'createWorkerServices'])).toThrow(
      expect.objectContaining({ code: 'SHOAL_ERR_REDIS_PACKAGE_INVALID', message: expect.stringMatching(/does not export createWorkerServices, which this @shoal\/core needs/) }),
    );
  });

  it('@shoal/redis found from the first directory that has it, and loaded', () => {
    const app = join(dir, 'app');
    install(app, 'exports.createFleet = () => "fleet"; exports.createWorkerServices = () => "services";');
    const dirs = JSON.stringify([join(dir, 'empty'), app]);
    expect(inCleanNode(`return optional.loadRedisPackage(${dirs}, ['createFleet']).createFleet();`)).toEqual({ value: 'fleet' });
  });

  it('a failure inside @shoal/redis surfaces as it is (not as "not installed")', () => {
    const broken = join(dir, 'broken');
    install(broken, "require('ioredis-that-is-not-there');");
    expect(() => loadRedisPackage([broken], ['createFleet'])).toThrow(/Cannot find module 'ioredis-that-is-not-there'/);
  });
});
