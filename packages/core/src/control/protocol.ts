/**
 * The control socket's protocol: a client connects, writes one request as a
 * JSON line, and reads JSON lines back (progress events, then one result);
 * the supervisor closes the connection after the result.
 */
import type { DrainReport } from '../transport';

export interface SupervisorStatus {
  name: string;
  pid: number;
  startedAt: string;
  /** The supervisor this one took over from by an upgrade (`shoal upgrade`, SIGUSR2), and when; null when started fresh. */
  upgradedFrom: { pid: number; at: string } | null;
  state: 'starting' | 'running' | 'stopping' | 'stopped';
  workers: number;
  ready: number;
  admin: string | null;
  /** The control socket's path (null when turned off). */
  control: string | null;
  listeners: Record<string, number>;
  /** Sockets of other processes on the listeners' ports, as the last check found them (docs/port-ownership.md). */
  foreignListeners: ForeignListenerStatus[];
  slots: SlotStatus[];
}

/** A socket of another process on a listener's port. */
export interface ForeignListenerStatus {
  listener: string;
  protocol: string;
  address: string;
  uid: number;
  inode: number;
  processes: readonly { pid: number; command: string }[];
  shoal: readonly { pid: number; name: string | null; controlSocket: string | null; workers: readonly number[] }[];
}

export type SlotState = 'starting' | 'ready' | 'backoff' | 'crash-loop' | 'stopping' | 'stopped';

export interface SlotStatus {
  slot: number;
  state: SlotState;
  pid: number | null;
  generation: number;
  uptimeMs: number | null;
  restarts: number;
  recentCrashes: number;
  lastError: string | null;
  listeners: Record<string, number>;
  /** Sockets of slots that stopped restarting, which this slot's worker serves too. */
  inherited: { listener: string; fromSlot: number }[];
  /** Workers of this slot the watchdog found hung (and killed), and the last hang's report file. */
  hangs: number;
  lastHangReport: string | null;
  /** Workers of this slot replaced for passing maxMemoryBytes. */
  memoryReplacements: number;
  /** The worker's longest event-loop block within its last heartbeat interval (ms); null before the first beat. */
  lagMs: number | null;
  /** The loop was blocked past watchdog.degradedLagMs within the last watchdog.recoverAfterMs (the worker serves on; it is not killed). */
  degraded: boolean;
  /** While degraded: since when (ISO time) and the longest block since then, in ms; null otherwise. */
  degradedSince: string | null;
  worstLagMs: number | null;
  /** Filled in by `Supervisor.inspect()` from the worker itself (null when it does not answer). */
  version?: string | null;
  rssBytes?: number | null;
  activeConnections?: number | null;
}

export type ReloadPhase = 'starting' | 'ready' | 'draining' | 'done' | 'failed' | 'skipped';

export interface ReloadProgress {
  slot: number;
  phase: ReloadPhase;
  pid: number | null;
  error?: string;
}

export interface SlotReloadReport {
  slot: number;
  phase: 'done' | 'failed' | 'skipped';
  oldPid: number | null;
  newPid: number | null;
  /** From fork to ready. */
  readyMs: number | null;
  /** From "stop accepting" to the old worker's exit. */
  drainMs: number | null;
  drained: DrainReport | null;
  error?: string;
}

export interface ReloadReport {
  ok: boolean;
  startedAt: string;
  durationMs: number;
  slots: SlotReloadReport[];
  error?: { code: string; message: string };
}

export type UpgradePhase = 'starting' | 'slot-ready' | 'ready' | 'serving' | 'failed';

/** One step of an upgrade, as `shoal upgrade` shows it. `pid`: the new supervisor's. */
export interface UpgradeProgress {
  phase: UpgradePhase;
  pid: number | null;
  /** phase "slot-ready": the slot and its new worker. */
  slot?: number;
  workerPid?: number;
  error?: string;
}

export interface UpgradeReport {
  ok: boolean;
  /** The supervisor that was asked (it drains and exits when ok). */
  oldPid: number;
  /** The new supervisor (null when it could not be started). */
  newPid: number | null;
  startedAt: string;
  /** From the request until the new supervisor serves. */
  durationMs: number;
  /** How long the old supervisor's workers may take to drain before it exits. */
  drainTimeoutMs: number;
  /** The old supervisor stays as a thin keeper (it was PID 1 or in a terminal's foreground): it relays signals instead of exiting. */
  keeper: boolean;
  error?: { code: string; message: string };
}

export interface ScaleReport {
  ok: boolean;
  from: number;
  to: number;
  durationMs: number;
  added: number[];
  removed: number[];
  /** Sockets closed because the kernel migrates their queue (tcp_migrate_req=1). */
  closed: { listener: string; fromSlot: number }[];
  /** Sockets another slot serves from now on. */
  handedOver: { listener: string; fromSlot: number; toSlot: number }[];
  error?: { code: string; message: string };
}

/** One live host, as `shoal status --fleet` lists it (docs/fleet.md). */
export interface FleetMember {
  hostId: string;
  /** The supervisor's pid on that host. */
  pid: number;
  /** The application's version, as `shoal status` shows it (SHOAL_APP_VERSION, else name@version+build). */
  version: string;
  shoalVersion: string;
  state: SupervisorStatus['state'];
  workers: number;
  readyWorkers: number;
  /** True when every worker is ready. */
  ready: boolean;
  /** True while this host runs a rolling reload. */
  reloading: boolean;
  slots: { slot: number; state: string; pid: number | null }[];
  listeners: Record<string, number>;
  admin: string | null;
  startedAt: string;
  /** When this entry was last renewed. */
  heartbeatAt: string;
}

export type FleetHostPhase = 'waiting' | 'reloading' | 'slot' | 'done' | 'failed' | 'lost' | 'skipped';

/** One line of a fleet reload's progress. */
export interface FleetReloadProgress {
  id: string;
  hostId: string;
  phase: FleetHostPhase;
  /** The fencing token of the host's lease, once it holds it. */
  token?: number;
  /** phase "slot": the host's own rolling-reload progress. */
  slot?: ReloadProgress;
  error?: string;
}

export interface FleetHostReport {
  hostId: string;
  phase: 'done' | 'failed' | 'lost' | 'skipped';
  token: number | null;
  durationMs: number;
  slots: SlotReloadReport[];
  error?: string;
}

export interface FleetReloadReport {
  ok: boolean;
  id: string;
  /** The id of the unfinished fleet reload this one resumed, if any. */
  resumedFrom: string | null;
  startedAt: string;
  durationMs: number;
  hosts: FleetHostReport[];
  error?: { code: string; message: string };
}

export interface ControlCommands {
  ping: { args: Record<string, never>; result: { pid: number; name: string } };
  status: { args: Record<string, never>; result: SupervisorStatus };
  metrics: { args: Record<string, never>; result: { contentType: string; text: string } };
  reload: { args: { surge?: number }; result: ReloadReport };
  scale: { args: { workers: number }; result: ScaleReport };
  /** A new supervisor from the code on disk takes the sockets over; progress comes as 'upgrade-progress' replies. */
  upgrade: { args: Record<string, never>; result: UpgradeReport };
  /** Answers at once; the supervisor then drains and exits (the client watches the pid). */
  stop: { args: Record<string, never>; result: { pid: number; drainTimeoutMs: number; shutdownDelayMs: number } };
  /** Every live host of the fleet (this host alone without a redis section). */
  'fleet-status': { args: Record<string, never>; result: { mode: 'embedded' | 'redis'; hostId: string; members: FleetMember[] } };
  /** Reloads the fleet's hosts one at a time; progress comes as 'fleet-progress' replies. */
  'fleet-reload': { args: { resume?: boolean }; result: FleetReloadReport };
}

export type ControlCommand = keyof ControlCommands;

export const CONTROL_COMMANDS: readonly ControlCommand[] = ['ping', 'status', 'metrics', 'reload', 'scale', 'upgrade', 'stop', 'fleet-status', 'fleet-reload'];

export interface ControlRequest {
  command: string;
  args?: Record<string, unknown>;
}

export type ControlReply =
  | { type: 'progress'; progress: ReloadProgress }
  | { type: 'fleet-progress'; progress: FleetReloadProgress }
  | { type: 'upgrade-progress'; progress: UpgradeProgress }
  | { type: 'result'; ok: true; result: unknown }
  | { type: 'result'; ok: false; error: { code: string; message: string } };

/** A request line longer than this is refused (requests are a few dozen bytes). */
export const MAX_CONTROL_REQUEST_BYTES = 64 * 1024;
