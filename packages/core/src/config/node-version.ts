import { ERR_NODE_VERSION } from '../errors';

export const MIN_NODE_VERSION = '22.12.0';

/** SO_REUSEPORT for net and dgram came in Node 22.12 and 23.1. */
export function nodeSupportsReusePort(version: string = process.versions.node): boolean {
  const [major, minor] = version.split('.').map(Number);
  if (major === 22) return minor >= 12;
  if (major === 23) return minor >= 1;
  return major > 23;
}

export function assertNodeVersion(version: string = process.versions.node): void {
  if (!nodeSupportsReusePort(version)) throw new ERR_NODE_VERSION(version, MIN_NODE_VERSION);
}
