/**
 * The control socket's protocol: a client connects, writes one request as a
 * JSON line, and reads JSON lines back (progress events, then one result);
 * the supervisor closes the connection after the result.
 */
import type { FleetMember, FleetReloadProgress, FleetReloadReport } from './fleet';
import type { ReloadProgress, ReloadReport } from './rolling-reload';
import type { ScaleReport } from './scaling';
import type { SupervisorStatus } from './supervisor';

export interface ControlCommands {
  ping: { args: Record<string, never>; result: { pid: number; name: string } };
  status: { args: Record<string, never>; result: SupervisorStatus };
  metrics: { args: Record<string, never>; result: { contentType: string; text: string } };
  reload: { args: { surge?: number }; result: ReloadReport };
  scale: { args: { workers: number }; result: ScaleReport };
  /** Answers at once; the supervisor then drains and exits (the client watches the pid). */
  stop: { args: Record<string, never>; result: { pid: number; drainTimeoutMs: number } };
  /** Every live host of the fleet (this host alone without a redis section). */
  'fleet-status': { args: Record<string, never>; result: { mode: 'embedded' | 'redis'; hostId: string; members: FleetMember[] } };
  /** Reloads the fleet's hosts one at a time; progress comes as 'fleet-progress' replies. */
  'fleet-reload': { args: { resume?: boolean }; result: FleetReloadReport };
}

export type ControlCommand = keyof ControlCommands;

export const CONTROL_COMMANDS: readonly ControlCommand[] = ['ping', 'status', 'metrics', 'reload', 'scale', 'stop', 'fleet-status', 'fleet-reload'];

export interface ControlRequest {
  command: string;
  args?: Record<string, unknown>;
}

export type ControlReply =
  | { type: 'progress'; progress: ReloadProgress }
  | { type: 'fleet-progress'; progress: FleetReloadProgress }
  | { type: 'result'; ok: true; result: unknown }
  | { type: 'result'; ok: false; error: { code: string; message: string } };

/** A request line longer than this is refused (requests are a few dozen bytes). */
export const MAX_CONTROL_REQUEST_BYTES = 64 * 1024;
