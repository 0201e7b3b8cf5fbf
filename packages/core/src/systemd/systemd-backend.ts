/**
 * What core calls in @shoal/systemd (a native addon, loaded only under
 * systemd). Core does not depend on it: these are the shapes it relies on.
 */
import { loadSystemdPackage } from '../config';
import type { SystemdEnvironment } from './systemd-env';
import { systemdVariablesSet } from './systemd-env';

export interface PassedSocketInfo {
  readonly fd: number;
  readonly type: 'stream' | 'dgram' | 'seqpacket' | 'other';
  readonly family: 'IPv4' | 'IPv6' | 'unix' | 'other';
  readonly protocol: 'tcp' | 'udp' | 'sctp' | 'other';
  readonly listening: boolean;
  readonly reusePort: boolean;
  readonly v6only: boolean;
  readonly uid: number;
  readonly address?: string;
  readonly port?: number;
}

export interface SystemdBackend {
  notify(socket: string, fields: Readonly<Record<string, string | number>>): void;
  passedSocketInfo(fd: number): PassedSocketInfo;
  setCloseOnExec(fd: number): void;
}

/** @shoal/systemd when the environment asks for it (NOTIFY_SOCKET, or LISTEN_FDS for this process), else undefined. */
export function loadSystemdBackend(environment: SystemdEnvironment, dirs: readonly string[]): SystemdBackend | undefined {
  const variables = systemdVariablesSet(environment);
  if (variables.length === 0) return undefined;
  return loadSystemdPackage<SystemdBackend>(dirs, variables, ['notify', 'passedSocketInfo', 'setCloseOnExec']);
}
