import pino from 'pino';
import type { PrettyOptions } from 'pino-pretty';

export type Logger = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** 'auto': pretty lines when stdout is a terminal, JSON lines otherwise (files, journald, collectors). */
export type LogFormat = 'auto' | 'json' | 'pretty';

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const LOG_FORMATS: readonly LogFormat[] = ['auto', 'json', 'pretty'];

/**
 * One logger per process, tagged with the role, the service name and (in
 * workers) the slot, so that interleaved worker output stays attributable.
 * `SHOAL_LOG_FORMAT` overrides the format (set by `shoal start --log-format`).
 */
export function createLogger(level: LogLevel, bindings: Record<string, unknown>, format: LogFormat = 'auto'): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { pid: process.pid, ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return pino(options, prettyWanted(format) ? prettyStream() : pino.destination({ fd: 1, sync: true }));
}

function prettyWanted(format: LogFormat): boolean {
  const chosen = (process.env.SHOAL_LOG_FORMAT as LogFormat | undefined) ?? format;
  if (chosen === 'pretty') return true;
  if (chosen === 'json') return false;
  return process.stdout.isTTY === true;
}

function prettyStream(): pino.DestinationStream {
  // Loaded only for terminals: a process logging JSON never pays for it.
  const pinoPretty = require('pino-pretty') as (options: PrettyOptions) => pino.DestinationStream;
  return pinoPretty({
    // Synchronous writes, as for JSON: a worker that exits right after logging keeps its last lines.
    sync: true,
    destination: 1,
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    messageFormat: (log, messageKey) => {
      const message = String(log[messageKey]);
      const slot = log.slot === undefined ? '' : String(log.slot);
      if (log.role === 'worker') return `worker ${slot} | ${message}`;
      return `${String(log.role ?? '')} | ${slot ? `slot ${slot}: ` : ''}${message}`;
    },
    // `event` is for machines (docs/cli.md, Logs): JSON lines carry it, pretty lines need not.
    ignore: 'hostname,role,slot,service,event',
  });
}
