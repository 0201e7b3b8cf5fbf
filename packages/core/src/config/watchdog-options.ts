/**
 * Worker health: the `watchdog` section (every worker proves that its event
 * loop runs; a worker that stops proving it is reported and replaced) and the
 * memory limit (a worker that grows past it is replaced like a reload of its
 * slot). Both read the heartbeats workers send every `intervalMs`.
 */
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parseSection } from '@shoal/common';

export interface WatchdogOptions {
  /** How often a worker's event loop sends a heartbeat; default 1000. */
  intervalMs?: number;
  /** A worker whose heartbeat is this late is hung: reported, killed and replaced. Default 5000. */
  timeoutMs?: number;
  /** A worker whose loop was blocked this long within a beat (but still beats) is degraded. Default 1000. */
  degradedLagMs?: number;
  /**
   * A degraded worker recovers once every heartbeat for this long showed its loop under degradedLagMs.
   * Default 10000: long enough that a loop blocked now and then stays named between two scrapes or probes.
   */
  recoverAfterMs?: number;
  /** Write Node's diagnostic report (with the JavaScript stack) of a hung worker; costs a small thread per worker. Default true. */
  report?: boolean;
  /** Where reports are written; default `<tmp>/shoal-reports`. */
  reportDir?: string;
}

export interface ResolvedWatchdogOptions {
  /** False: hangs are not acted on (heartbeats still carry lag and memory). */
  readonly enabled: boolean;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly degradedLagMs: number;
  readonly recoverAfterMs: number;
  readonly report: boolean;
  readonly reportDir: string;
}

export type MemoryMeasure = 'rss' | 'heap';

export interface ResolvedMemoryLimit {
  /** Bytes; null: no limit. */
  readonly maxBytes: number | null;
  /** What is compared: the process's resident set, or the V8 heap in use. */
  readonly measure: MemoryMeasure;
}

export const DEFAULT_WATCHDOG = Object.freeze({ intervalMs: 1_000, timeoutMs: 5_000, degradedLagMs: 1_000, recoverAfterMs: 10_000, report: true });

export function defaultReportDir(): string {
  return join(tmpdir(), 'shoal-reports');
}

/** Validates the `watchdog` section (an object, or false to turn the hang check off). */
export function resolveWatchdogSection(input: unknown, problems: string[]): ResolvedWatchdogOptions {
  const { watchdogSchema } = require('./schema') as typeof import('./schema');
  const enabled = input !== false;
  const parsed = input === undefined || input === false ? {} : parseSection(watchdogSchema(), 'watchdog', input, problems) ?? {};
  const watchdog = { ...DEFAULT_WATCHDOG, ...parsed };
  if (watchdog.timeoutMs <= watchdog.intervalMs) {
    problems.push(`watchdog.timeoutMs (${watchdog.timeoutMs}) must be above watchdog.intervalMs (${watchdog.intervalMs}): a worker needs time for more than one heartbeat`);
  }
  const reportDir = parsed.reportDir === undefined ? defaultReportDir() : isAbsolute(parsed.reportDir) ? parsed.reportDir : resolve(parsed.reportDir);
  return Object.freeze({ enabled, ...watchdog, reportDir });
}

export function resolveMemoryLimit(maxBytes: number | undefined, measure: MemoryMeasure | undefined): ResolvedMemoryLimit {
  return Object.freeze({ maxBytes: maxBytes ?? null, measure: measure ?? 'rss' });
}
