/**
 * The protocol between an old supervisor (the predecessor) and the new
 * supervisor process it started from the code now on disk (the successor),
 * carried by the same IpcChannel as the supervisor/worker protocol. Handles
 * ride along as they do for workers; SCTP descriptors on a descriptor link.
 */
import type { SerializedError } from '../ipc';
import type { CarriedMetricsSnapshot } from '../metrics';

/** Set in the successor's environment: the predecessor's pid (a systemd unit reads it to learn the new MAINPID). */
export const UPGRADE_FROM_ENV = 'SHOAL_UPGRADE_FROM';
/** Set in the successor's environment when a descriptor link (SCTP sockets) is at stdio index FD_LINK_CHILD_FD. */
export const UPGRADE_FD_LINK_ENV = 'SHOAL_UPGRADE_FD_LINK';

type CarriedMetrics = CarriedMetricsSnapshot;

/** Where the admin endpoint and the control socket travel. */
export type EndpointName = 'admin' | 'control';

/** What the predecessor posts to its successor. */
export type PredecessorMessage =
  /** A listening socket a slot holds; `handle` rides along. `inherited`: one of `fromSlot`, served by `slot`. */
  | { type: 'held-listener'; slot: number; name: string; port: number; inherited: boolean; fromSlot: number }
  /** The admin endpoint's or the control socket's listening socket; `handle` rides along. */
  | { type: 'endpoint'; endpoint: EndpointName }
  /** After every socket: the resolved ports and the counters so far; the successor starts its slots. */
  | { type: 'take-over'; ports: Record<string, number>; slots: number; metrics: CarriedMetrics }
  /** The predecessor stopped accepting on the admin endpoint and the control socket: serve them. */
  | { type: 'serve'; metrics: CarriedMetrics }
  /** The predecessor's workers are gone: its final counters. */
  | { type: 'final-metrics'; metrics: CarriedMetrics }
  /** The predecessor's worker of `slot` released an exclusive listener (see Listener.exclusive). */
  | { type: 'listener-released'; slot: number; name: string; state: unknown }
  /** The predecessor's worker of `slot` exited. */
  | { type: 'predecessor-gone'; slot: number };

/** What the successor posts to its predecessor. */
export type SuccessorMessage =
  /** Listening on the channel: the predecessor may send. */
  | { type: 'hello'; pid: number }
  /** A slot of the successor has a ready worker. */
  | { type: 'slot-ready'; slot: number; workerPid: number }
  /** Every slot has a ready worker: the predecessor may stop accepting and drain. */
  | { type: 'ready' }
  /** The successor could not start; it exits. */
  | { type: 'failed'; error: SerializedError };

/** What the predecessor asks its successor (the rest are one-way messages). */
export interface PredecessorRequests {
  /** A live connection of the predecessor's draining worker of `slot` (its handle rides along), for the successor's worker of that slot. */
  'hand-off': { params: { slot: number; listener: string; unread: string; state?: unknown }; result: { accepted: boolean } };
}

/** The successor asks nothing. */
export type NoRequests = Record<string, never>;
