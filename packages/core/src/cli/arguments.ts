import { parseArgs } from 'node:util';
import { UsageError } from './usage';

type OptionSpec = { type: 'string' | 'boolean'; short?: string };

const SOCKET: Record<string, OptionSpec> = { socket: { type: 'string' }, name: { type: 'string' }, config: { type: 'string' } };

/** The options each command accepts (all take --help). */
const COMMAND_OPTIONS: Record<string, Record<string, OptionSpec>> = {
  start: {
    config: { type: 'string' },
    workers: { type: 'string' },
    admin: { type: 'string' },
    name: { type: 'string' },
    socket: { type: 'string' },
    'log-level': { type: 'string' },
    'log-format': { type: 'string' },
    'shutdown-delay-ms': { type: 'string' },
    check: { type: 'boolean' },
  },
  status: { ...SOCKET, json: { type: 'boolean' }, fleet: { type: 'boolean' } },
  reload: { ...SOCKET, surge: { type: 'string' }, fleet: { type: 'boolean' }, resume: { type: 'boolean' }, json: { type: 'boolean' } },
  scale: SOCKET,
  upgrade: { ...SOCKET, json: { type: 'boolean' } },
  stop: SOCKET,
  metrics: SOCKET,
  doctor: { json: { type: 'boolean' }, config: { type: 'string' } },
};

export const COMMANDS = Object.keys(COMMAND_OPTIONS);

export interface CommandLine {
  positionals: string[];
  /** camelCase keys: --log-level becomes logLevel. */
  flags: Record<string, string | boolean | undefined> & { help?: boolean };
}

/** Parses one command's arguments; an unknown option or a missing value is a UsageError naming it. */
export function parseCommandLine(args: readonly string[], command: string): CommandLine {
  const options = { ...COMMAND_OPTIONS[command], help: { type: 'boolean', short: 'h' } as OptionSpec };
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    const flags: CommandLine['flags'] = {};
    for (const [key, value] of Object.entries(values)) flags[key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = value as string | boolean;
    return { positionals, flags };
  } catch (error) {
    // parseArgs says e.g. "Unknown option '--wrokers'"; keep its words, add the way out.
    throw new UsageError(`${(error as Error).message.replace(/\. To specify a positional.*$/s, '')} (see shoal ${command} --help)`);
  }
}
