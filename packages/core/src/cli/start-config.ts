/**
 * What a `shoal start` command line means: its flags, its configuration and
 * application, and the listeners a reload must keep.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { loadConfig } from '../config';
import type { ConfigFlags, LoadedConfig } from '../config';
import type { ListenerSpec } from '../transport';
import { UsageError } from './usage';

export interface StartFlags extends ConfigFlags {
  check?: boolean;
}

export interface ResolvedStart {
  loaded: LoadedConfig;
  app: string;
  /** Where optional packages (@shoal/redis) are looked for: the app's directory first. */
  packageDirs: readonly string[];
}

/** The config and app a `shoal start` command line means. */
export async function resolveStart(appArgument: string | undefined, flags: StartFlags): Promise<ResolvedStart> {
  const loaded = await loadConfig(flags, process.env, process.cwd(), appArgument ? resolve(appArgument) : undefined);
  const app = appArgument ? resolve(appArgument) : loaded.app;
  if (!app) throw new UsageError('no application: give its compiled module (shoal start dist/app.module.js) or set "app" in the config file');
  // loadConfig looked from the app's directory first (the one named here, or the config's own).
  return { loaded, app, packageDirs: loaded.packageDirs };
}

/**
 * What identifies the listeners of a configuration, to tell whether another
 * reading of it declares the same: a SHA-256 digest of their names,
 * transports, addresses and options. A digest, because it travels in the
 * workers' environment, which their children inherit and /proc shows, and
 * options hold secrets (a TLS key's passphrase).
 */
export function listenersKey(listeners: readonly ListenerSpec[]): string {
  const json = JSON.stringify(listeners.map(({ name, transport, host, port, options }) => ({ name, transport, host, port, options })));
  return createHash('sha256').update(json).digest('hex');
}
