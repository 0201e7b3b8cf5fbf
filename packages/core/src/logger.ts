import pino from 'pino';

export type Logger = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * Structured JSON lines on stdout, one logger per process, tagged with the
 * role and (in workers) the slot, so that interleaved worker output stays
 * attributable.
 */
export function createLogger(level: LogLevel, bindings: Record<string, unknown>): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid, ...bindings },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    // Synchronous writes: a worker that exits right after logging keeps its last lines.
    pino.destination({ fd: 1, sync: true }),
  );
}
