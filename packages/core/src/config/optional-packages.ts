/**
 * Packages core loads only when the configuration asks for them, looked for
 * from the application's directories first (then from core's own): the
 * transports the listeners name (config-file.ts), and @shoal/redis, which
 * gives the `redis` section its meaning. A host without a `redis` section
 * loads neither @shoal/redis nor ioredis. @shoal/systemd (a native addon) is
 * loaded only when systemd started the process (NOTIFY_SOCKET, LISTEN_FDS).
 */
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { ERR_REDIS_NOT_INSTALLED, ERR_REDIS_PACKAGE_INVALID, ERR_SYSTEMD_NOT_INSTALLED, ERR_SYSTEMD_PACKAGE_INVALID } from '../errors';

export const REDIS_PACKAGE = '@shoal/redis';
export const SYSTEMD_PACKAGE = '@shoal/systemd';

/** Where optional packages are looked for: the app's directory, the config file's, the working directory (each once). */
export function packageDirs(appFile: string | null | undefined, configFile: string | null | undefined, cwd = process.cwd()): string[] {
  return [...new Set([appFile ? dirname(appFile) : cwd, configFile ? dirname(configFile) : cwd, cwd])];
}

/** The file `pkg` resolves to from the first of `dirs` (then core's own directory) that has it; null when none has. */
export function resolvePackage(pkg: string, dirs: readonly string[]): string | null {
  for (const dir of [...dirs, __dirname]) {
    try {
      return createRequire(resolve(dir, 'noop.js')).resolve(pkg);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  return null;
}

/**
 * Loads @shoal/redis, for a configuration with a `redis` section; `needs` are
 * the functions the caller calls. Throws SHOAL_ERR_REDIS_NOT_INSTALLED when
 * it is not installed, SHOAL_ERR_REDIS_PACKAGE_INVALID when it lacks one of them.
 */
export function loadRedisPackage<T extends object>(dirs: readonly string[], needs: readonly (keyof T & string)[]): T {
  const file = resolvePackage(REDIS_PACKAGE, dirs);
  if (file === null) throw new ERR_REDIS_NOT_INSTALLED(REDIS_PACKAGE, dirs);
  // Errors while loading it (a dependency of its own missing, say) are its own: they surface as they are.
  const loaded = require(file) as Record<string, unknown>;
  const missing = needs.filter((name) => typeof loaded?.[name] !== 'function');
  if (missing.length > 0) throw new ERR_REDIS_PACKAGE_INVALID(REDIS_PACKAGE, file, missing);
  return loaded as T;
}

/**
 * Loads @shoal/systemd, for a process systemd started (`variables`: the
 * environment variables that say so). Throws SHOAL_ERR_SYSTEMD_NOT_INSTALLED
 * when it is not installed, SHOAL_ERR_SYSTEMD_PACKAGE_INVALID when it lacks one of `needs`.
 */
export function loadSystemdPackage<T extends object>(dirs: readonly string[], variables: readonly string[], needs: readonly (keyof T & string)[]): T {
  const file = resolvePackage(SYSTEMD_PACKAGE, dirs);
  if (file === null) throw new ERR_SYSTEMD_NOT_INSTALLED(SYSTEMD_PACKAGE, variables, dirs);
  const loaded = require(file) as Record<string, unknown>;
  const missing = needs.filter((name) => typeof loaded?.[name] !== 'function');
  if (missing.length > 0) throw new ERR_SYSTEMD_PACKAGE_INVALID(SYSTEMD_PACKAGE, file, missing);
  return loaded as T;
}
