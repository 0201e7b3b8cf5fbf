/**
 * The environment systemd gives a service (sd_notify(3), sd_listen_fds(3),
 * sd_watchdog_enabled(3)), read once where the supervisor is put together.
 */
import { ERR_SOCKET_ACTIVATION_ENV } from '../errors';

export const SYSTEMD_ENV = {
  notifySocket: 'NOTIFY_SOCKET',
  watchdogUsec: 'WATCHDOG_USEC',
  watchdogPid: 'WATCHDOG_PID',
  listenPid: 'LISTEN_PID',
  listenFds: 'LISTEN_FDS',
  listenFdNames: 'LISTEN_FDNAMES',
  /** Set by `shoal upgrade` for the new supervisor: the pid of the one it replaces. */
  upgradeFrom: 'SHOAL_UPGRADE_FROM',
} as const;

/** The first descriptor systemd passes (SD_LISTEN_FDS_START). */
export const LISTEN_FDS_START = 3;

/** A descriptor passed by socket activation, with its FileDescriptorName= (systemd's default when unnamed: the unit's name or "unknown"). */
export interface PassedDescriptor {
  readonly fd: number;
  readonly name: string;
}

export interface SystemdEnvironment {
  /** Where notifications go (a path, or '@' for an abstract name); null without Type=notify. */
  readonly notifySocket: string | null;
  /** The watchdog period in µs, when this process must ping (WATCHDOG_PID unset, ours, or the supervisor we upgrade). */
  readonly watchdogUsec: number | null;
  /** The descriptors passed to this process (LISTEN_PID is ours); empty without socket activation. */
  readonly passed: readonly PassedDescriptor[];
  /** The supervisor this one replaces (an in-place upgrade): systemd must follow this process from READY on. */
  readonly upgradeFrom: number | null;
}

function positiveInteger(env: NodeJS.ProcessEnv, variable: string, expected: string): number | null {
  const text = env[variable];
  if (text === undefined || text === '') return null;
  if (!/^\d+$/.test(text) || Number(text) <= 0 || !Number.isSafeInteger(Number(text))) throw new ERR_SOCKET_ACTIVATION_ENV(variable, expected, text);
  return Number(text);
}

export function readSystemdEnvironment(env: NodeJS.ProcessEnv = process.env, pid = process.pid): SystemdEnvironment {
  const upgradeFrom = Number(env[SYSTEMD_ENV.upgradeFrom]) > 0 ? Number(env[SYSTEMD_ENV.upgradeFrom]) : null;
  const watchdogPid = env[SYSTEMD_ENV.watchdogPid];
  const ours = watchdogPid === undefined || watchdogPid === '' || Number(watchdogPid) === pid || (upgradeFrom !== null && Number(watchdogPid) === upgradeFrom);
  const watchdogText = env[SYSTEMD_ENV.watchdogUsec];
  const watchdogUsec = ours && watchdogText !== undefined && /^\d+$/.test(watchdogText) && Number(watchdogText) > 0 ? Number(watchdogText) : null;
  return {
    notifySocket: env[SYSTEMD_ENV.notifySocket] || null,
    watchdogUsec,
    passed: passedDescriptors(env, pid),
    upgradeFrom,
  };
}

/** sd_listen_fds(3) with names: nothing unless LISTEN_PID is this process (the variables may be stale, inherited from a parent). */
function passedDescriptors(env: NodeJS.ProcessEnv, pid: number): PassedDescriptor[] {
  const listenPid = env[SYSTEMD_ENV.listenPid];
  if (listenPid === undefined || listenPid === '' || Number(listenPid) !== pid) return [];
  const count = positiveInteger(env, SYSTEMD_ENV.listenFds, 'the number of descriptors passed (a positive integer)');
  if (count === null) return [];
  const namesText = env[SYSTEMD_ENV.listenFdNames];
  const names = namesText === undefined || namesText === '' ? [] : namesText.split(':');
  if (names.length > 0 && names.length !== count) {
    throw new ERR_SOCKET_ACTIVATION_ENV(SYSTEMD_ENV.listenFdNames, `${count} names separated by ':' (one per descriptor of LISTEN_FDS)`, namesText ?? '');
  }
  return Array.from({ length: count }, (_, i) => ({ fd: LISTEN_FDS_START + i, name: names[i] ?? 'unknown' }));
}

/** Which systemd features this environment asks for (the variables, for messages); empty when none. */
export function systemdVariablesSet(environment: SystemdEnvironment): string[] {
  return [
    ...(environment.notifySocket !== null ? [SYSTEMD_ENV.notifySocket] : []),
    ...(environment.passed.length > 0 ? [SYSTEMD_ENV.listenFds] : []),
  ];
}

/** What a worker must not inherit: the passed descriptors are the supervisor's, and only the supervisor talks to systemd. */
const SUPERVISOR_ONLY = [
  SYSTEMD_ENV.notifySocket, SYSTEMD_ENV.watchdogUsec, SYSTEMD_ENV.watchdogPid,
  SYSTEMD_ENV.listenPid, SYSTEMD_ENV.listenFds, SYSTEMD_ENV.listenFdNames,
] as const;

export function workerEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const variable of SUPERVISOR_ONLY) delete copy[variable];
  return copy;
}
