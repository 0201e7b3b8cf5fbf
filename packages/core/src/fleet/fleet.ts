/**
 * The fleet: every supervisor that shares one coordination backend. Without
 * a `redis` section the fleet is this host alone (EmbeddedFleet, here); with
 * it, @shoal/redis makes the fleet (a FleetBackend), loaded only then, with
 * the same API. What a fleet needs of this host it gets as a FleetContext.
 */
import type { Registry } from 'prom-client';
import type { ResolvedRedisOptions } from '../config';
import type { FleetMember, FleetReloadProgress, FleetReloadReport, ReloadProgress, ReloadReport, SupervisorStatus } from '../control';
import type { Logger } from '../logger';

export interface FleetReloadOptions {
  /** Reload only the hosts an interrupted fleet reload (its initiator died or it failed) did not finish. */
  resume?: boolean;
}

/** What a fleet needs from this host's supervisor (wired where the process starts). */
export interface FleetHost {
  status(): SupervisorStatus;
  isReloading(): boolean;
  /** This host's rolling reload; `shouldContinue` is asked before each slot. */
  reload(options: { shouldContinue?: () => boolean }): Promise<ReloadReport>;
  /** Calls `listener` with the progress of any reload of this host; returns the function that stops it. */
  onReloadProgress(listener: (progress: ReloadProgress) => void): () => void;
  /** Calls `listener` after every reload of this host (the code on disk may be new). */
  onReloadDone(listener: () => void): void;
}

/** What the CLI's `status --fleet` and `reload --fleet` call. */
export interface Fleet {
  readonly mode: 'embedded' | 'redis';
  readonly hostId: string;
  members(): Promise<FleetMember[]>;
  reload(onProgress?: (progress: FleetReloadProgress) => void, options?: FleetReloadOptions): Promise<FleetReloadReport>;
}

/** A fleet as a part of the supervisor: it joins once every slot is ready, and leaves when the supervisor stops. */
export interface FleetPart extends Fleet {
  started?(): Promise<void>;
  close?(): Promise<void>;
}

/** The result a fleet reload asked of this host is counted under (shoal_fleet_reloads_total{result}). */
export type FleetReloadResult = 'ok' | 'failed' | 'refused';

/** This host as a fleet sees it (core's LocalHost): its name, the record it publishes, its own reload, its metrics. */
export interface FleetContext {
  /** `redis.hostId`, or `<hostname>:<supervisor pid>`. */
  readonly hostId: string;
  /** The supervisor's registry: the fleet's metrics go there. */
  readonly registry: Registry;
  readonly logger: Logger;
  /** This host's membership record now (`heartbeatAt` is now). */
  member(): FleetMember;
  /**
   * This host's rolling reload on behalf of a fleet reload (`member().reloading`
   * is true meanwhile). `onSlot` gets its progress; `shouldContinue` is asked
   * before each slot.
   */
  reloadHere(onSlot: (progress: ReloadProgress) => void, shouldContinue: () => boolean): Promise<ReloadReport>;
  /** Counts a fleet reload asked of this host. */
  countReload(result: FleetReloadResult): void;
}

/** The supervisor's side of a package that spreads the fleet over hosts (@shoal/redis exports `createFleet`). */
export interface FleetBackend {
  createFleet(options: ResolvedRedisOptions, context: FleetContext): FleetPart;
}
