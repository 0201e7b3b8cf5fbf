// Types of stress.js (plain CommonJS, shared with bench/sctp-soak).
export type Style = 'one-to-one' | 'one-to-many';

export interface StressOptions {
  seed: number;
  styles: Style[];
  clientsPerStyle: number;
  window: number;
  paceMs: number;
  maxBodyBytes: number;
  unordered: number;
  echo: number;
  slowHandler: number;
  slowHandlerMs: [number, number];
  clientPause: number;
  clientPauseMs: [number, number];
  maxQueuedMessages: number;
  reloads: number;
  kills: number;
  durationMs: number;
  gapAnswers: [number, number];
  minimumPerStyle: { sent: number; aboveSlot: number; unordered: number } | null;
  reloadTimeoutMs: number;
  settleMs: number;
  guardMs: number;
  log: (line: string) => void;
}

export interface StressFailure {
  style: Style | '-';
  client: number;
  kind: string;
  detail: string;
  stream?: number;
  seq?: number;
  length?: number;
  bytes?: number;
  piece?: { client: number; stream: number; seq: number; offset: number } | null;
  at: number;
  context: string;
}

export interface StyleCounts {
  sent: number;
  answered: number;
  bytesSent: number;
  aboveSlot: number;
  unordered: number;
  excusedLost: number;
  reconnects: number;
  failures: number;
}

export interface StressReport {
  seed: number;
  durationMs: number;
  reloads: { n: number; ms: number; ok: boolean }[];
  kills: { n: number; pid: number; ms: number }[];
  perStyle: Record<Style, StyleCounts>;
  excusedAssociations: number;
  failures: StressFailure[];
}

export const DEFAULTS: Readonly<StressOptions>;
export function runStress(options?: Partial<StressOptions>): Promise<StressReport>;
export function formatReport(report: StressReport, limit?: number): string[];
export function seedFromEnv(env?: NodeJS.ProcessEnv): number;
