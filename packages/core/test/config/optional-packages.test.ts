import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDIS_PACKAGE, loadRedisPackage, packageDirs, resolvePackage } from '../../src/config/optional-packages';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shoal-optional-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
    expect(resolvePackage(REDIS_PACKAGE, [empty])).toBeNull();
    expect(() => loadRedisPackage([empty], ['createFleet'])).toThrow(
      expect.objectContaining({
        code: 'SHOAL_ERR_REDIS_NOT_INSTALLED',
        message: expect.stringMatching(new RegExp(`redis section, but the package @shoal/redis is not installed \\(looked for it from ${empty}\\)\\. Install it next to the application \\(npm install @shoal/redis`)),
      }),
    );
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
    const loaded = loadRedisPackage<{ createFleet: () => string }>([join(dir, 'empty'), app], ['createFleet']);
    expect(loaded.createFleet()).toBe('fleet');
  });

  it('a failure inside @shoal/redis surfaces as it is (not as "not installed")', () => {
    const broken = join(dir, 'broken');
    install(broken, "require('ioredis-that-is-not-there');");
    expect(() => loadRedisPackage([broken], ['createFleet'])).toThrow(/Cannot find module 'ioredis-that-is-not-there'/);
  });
});
