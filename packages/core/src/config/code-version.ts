import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Files looked at for the build fingerprint; a tree larger than this is fingerprinted by its first files. */
const MAX_FILES = 5_000;

/**
 * Which code a worker runs, so that `shoal status` shows old and new workers
 * apart during a reload: `SHOAL_APP_VERSION` when the deployment sets it
 * (a git commit, an image tag), otherwise `name@version` of the app's
 * package.json and a fingerprint of the build (names, sizes and modification
 * times of the .js files next to the entry, node_modules left out).
 */
export function codeVersion(entryFile: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (env.SHOAL_APP_VERSION) return env.SHOAL_APP_VERSION;
  if (!entryFile) return 'unknown';
  const pkg = nearestPackage(dirname(entryFile));
  const label = pkg ? `${pkg.name ?? 'app'}@${pkg.version ?? '0.0.0'}` : 'app';
  return `${label}+${buildFingerprint(dirname(entryFile))}`;
}

function nearestPackage(dir: string): { name?: string; version?: string } | undefined {
  for (let current = dir; ; current = dirname(current)) {
    const file = join(current, 'package.json');
    if (existsSync(file)) {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      } catch {
        return undefined;
      }
    }
    if (dirname(current) === current) return undefined;
  }
}

function buildFingerprint(dir: string): string {
  const hash = createHash('sha1');
  let seen = 0;
  const walk = (current: string): void => {
    let entries;
    try {
      entries = readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      return;
    }
    for (const entry of entries) {
      if (seen >= MAX_FILES) return;
      const path = join(current, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(path);
      else if (entry.isFile() && /\.(c|m)?js$/.test(entry.name)) {
        const stat = statSync(path, { throwIfNoEntry: false });
        if (!stat) continue;
        seen += 1;
        hash.update(`${path}\0${stat.size}\0${stat.mtimeMs}\n`);
      }
    }
  };
  walk(dir);
  return hash.digest('hex').slice(0, 8);
}
