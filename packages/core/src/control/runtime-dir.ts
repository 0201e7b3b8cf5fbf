import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where control sockets live when their path is not configured:
 * `SHOAL_RUNTIME_DIR`, else /run/shoal for root (as systemd's RuntimeDirectory),
 * else `$XDG_RUNTIME_DIR/shoal`, else `<tmp>/shoal-<uid>`. Per user, so that a
 * user's commands find that user's supervisors.
 */
export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SHOAL_RUNTIME_DIR) return env.SHOAL_RUNTIME_DIR;
  const uid = process.getuid?.() ?? 0;
  if (uid === 0) return '/run/shoal';
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'shoal');
  return join(tmpdir(), `shoal-${uid}`);
}

/** The control socket of a service: its configured path, else `<runtime dir>/<name>.sock`. */
export function controlSocketPath(name: string, configuredPath: string | null | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return configuredPath ?? join(runtimeDir(env), `${name}.sock`);
}
