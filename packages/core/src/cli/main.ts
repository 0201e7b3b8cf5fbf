/**
 * The `shoal` command. One line per error, saying what to do; exit codes in
 * usage.ts (EXIT) and docs/cli.md.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import {
  ERR_APP_LOAD,
  ERR_CONFIG_FILE,
  ERR_CONFIG_INVALID,
  ERR_CONTROL_NO_SUPERVISOR,
  ERR_CONTROL_PERMISSION,
  ERR_CONTROL_STALE_SOCKET,
  ERR_CONTROL_UNREACHABLE,
  ERR_NODE_VERSION,
  ERR_REDIS_NOT_INSTALLED,
  ERR_REDIS_PACKAGE_INVALID,
  ERR_TRANSPORT_UNKNOWN,
  ShoalError,
} from '../errors';
import { findConfigFile, loadConfig } from '../config';
import { renderDoctor, runDoctor } from './doctor';
import { COMMANDS, parseCommandLine } from './arguments';
import type { CommandLine } from './arguments';
import { sendCommand } from '../control';
import { findControlSocket } from './find-socket';
import { describeFleetProgress, renderFleet, summarizeFleetReload } from './fleet-view';
import { ReloadView } from './reload-view';
import { checkStart, startSupervisor } from './start';
import { renderStatus } from './status';
import { EXIT, HELP, UsageError } from './usage';
import { describeUpgradeProgress, summarizeUpgrade } from './upgrade-view';
import { reportUpgradeFailure } from '../upgrade';

const UNREACHABLE = new Set([ERR_CONTROL_NO_SUPERVISOR, ERR_CONTROL_STALE_SOCKET, ERR_CONTROL_PERMISSION, ERR_CONTROL_UNREACHABLE].map((e) => e.code));
const USAGE = new Set([ERR_CONFIG_INVALID, ERR_CONFIG_FILE, ERR_APP_LOAD, ERR_TRANSPORT_UNKNOWN, ERR_REDIS_NOT_INSTALLED, ERR_REDIS_PACKAGE_INVALID, ERR_NODE_VERSION].map((e) => e.code));

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

function wholeNumber(text: string | boolean | undefined, what: string, min: number): number {
  if (typeof text !== 'string' || !/^\d+$/.test(text) || Number(text) < min) {
    throw new UsageError(`${what} must be a whole number >= ${min}, got ${JSON.stringify(text ?? '')}`);
  }
  return Number(text);
}

async function socketOf(line: CommandLine): Promise<string> {
  return findControlSocket({ socket: line.flags.socket as string, name: line.flags.name as string, config: line.flags.config as string });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A process that exited but is not reaped yet (a zombie) no longer runs.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return true;
  }
}

async function run(command: string, line: CommandLine, argv: readonly string[]): Promise<number> {
  const { flags, positionals } = line;
  switch (command) {
    case 'start':
      if (positionals.length > 1) throw new UsageError(`start takes one application, got ${positionals.length} (${positionals.join(' ')})`);
      if (flags.check) {
        print(await checkStart(positionals[0], flags as never));
        return EXIT.ok;
      }
      await startSupervisor(positionals[0], flags as never, argv);
      // The supervisor runs until a signal or `shoal stop` ends the process.
      return new Promise<number>(() => undefined);
    case 'status': {
      if (flags.fleet) {
        const fleet = await sendCommand(await socketOf(line), 'fleet-status', {});
        print(flags.json ? JSON.stringify(fleet, null, 2) : renderFleet(fleet));
        return EXIT.ok;
      }
      const status = await sendCommand(await socketOf(line), 'status', {});
      print(flags.json ? JSON.stringify(status, null, 2) : renderStatus(status));
      return EXIT.ok;
    }
    case 'reload': {
      const socket = await socketOf(line);
      if (flags.fleet) {
        if (flags.surge !== undefined) throw new UsageError('--surge applies to one host; a fleet reload uses each host\'s reloadSurge');
        const quiet = flags.json === true;
        const report = await sendCommand(socket, 'fleet-reload', { resume: flags.resume === true }, undefined, (progress) => {
          if (!quiet) print(describeFleetProgress(progress));
        });
        print(quiet ? JSON.stringify(report, null, 2) : summarizeFleetReload(report));
        return report.ok ? EXIT.ok : EXIT.failed;
      }
      if (flags.resume) throw new UsageError('--resume goes with --fleet (shoal reload --fleet --resume)');
      const surge = flags.surge === undefined ? undefined : wholeNumber(flags.surge, '--surge', 1);
      const { workers } = await sendCommand(socket, 'status', {});
      const view = flags.json ? undefined : new ReloadView(process.stdout, workers);
      const report = await sendCommand(socket, 'reload', { surge }, (progress) => view?.update(progress));
      print(view ? view.finish(report) : JSON.stringify(report, null, 2));
      return report.ok ? EXIT.ok : EXIT.failed;
    }
    case 'scale': {
      if (positionals.length !== 1) throw new UsageError('scale takes the number of workers: shoal scale <n>');
      const workers = wholeNumber(positionals[0], 'the number of workers', 1);
      const report = await sendCommand(await socketOf(line), 'scale', { workers });
      if (!report.ok) {
        print(`scaling FAILED: ${report.error?.message ?? 'unknown error'} (now ${report.to === workers ? report.from : report.to} workers)`);
        return EXIT.failed;
      }
      const changes = [report.added.length ? `added slots ${report.added.join(', ')}` : '', report.removed.length ? `removed slots ${report.removed.join(', ')}` : '']
        .filter(Boolean)
        .join('; ');
      print(`scaled from ${report.from} to ${report.to} workers in ${(report.durationMs / 1000).toFixed(1)} s${changes ? `: ${changes}` : ' (no change)'}`);
      return EXIT.ok;
    }
    case 'upgrade': {
      const socket = await socketOf(line);
      const quiet = flags.json === true;
      const report = await sendCommand(socket, 'upgrade', {}, undefined, undefined, (progress) => {
        // A failure is printed once, in the summary.
        if (!quiet && progress.phase !== 'failed') print(describeUpgradeProgress(progress));
      });
      if (!report.ok) {
        print(quiet ? JSON.stringify(report, null, 2) : summarizeUpgrade(report));
        return EXIT.failed;
      }
      // The old supervisor drains before it exits: done once it is gone (as `shoal stop` waits); a keeper stays.
      if (report.keeper) {
        print(quiet ? JSON.stringify(report, null, 2) : `${summarizeUpgrade(report)}; the old process (pid ${report.oldPid}) stays as a keeper that relays signals`);
        return EXIT.ok;
      }
      const deadline = Date.now() + report.drainTimeoutMs + 15_000;
      while (isAlive(report.oldPid)) {
        if (Date.now() > deadline) {
          print(`the new supervisor ${report.newPid} serves, but the old one (${report.oldPid}) still runs after its drain; look at its log`);
          return EXIT.failed;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      print(quiet ? JSON.stringify(report, null, 2) : summarizeUpgrade(report));
      return EXIT.ok;
    }
    case 'stop': {
      const { pid, drainTimeoutMs, shutdownDelayMs = 0 } = await sendCommand(await socketOf(line), 'stop', {});
      const delay = shutdownDelayMs > 0 ? `serve ${Math.round(shutdownDelayMs / 1000)} s more (not ready), then ` : '';
      print(`stopping supervisor ${pid}: workers ${delay}drain (up to ${Math.round(drainTimeoutMs / 1000)} s)...`);
      const patienceMs = shutdownDelayMs + drainTimeoutMs + 15_000;
      const deadline = Date.now() + patienceMs;
      while (isAlive(pid)) {
        if (Date.now() > deadline) {
          print(`supervisor ${pid} is still running after ${Math.round(patienceMs / 1000)} s; look at its log`);
          return EXIT.failed;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      print('stopped');
      return EXIT.ok;
    }
    case 'metrics': {
      const { text } = await sendCommand(await socketOf(line), 'metrics', {});
      process.stdout.write(text);
      return EXIT.ok;
    }
    case 'doctor': {
      // The ports of a configuration, when one is named or found here (a host check needs none).
      const configFile = findConfigFile((flags.config as string | undefined) ?? process.env.SHOAL_CONFIG);
      const loaded = configFile === null ? undefined : await loadConfig({ config: configFile });
      const results = await runDoctor(loaded && { options: loaded.options, file: loaded.file });
      print(flags.json ? JSON.stringify(results, null, 2) : renderDoctor(results));
      return results.some((r) => r.status === 'FAIL') ? EXIT.failed : EXIT.ok;
    }
    default:
      throw new UsageError(`unknown command "${command}" (commands: ${COMMANDS.join(', ')}; see shoal --help)`);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' && rest[0] ? rest[0] : 'shoal';
    if (!HELP[topic]) throw new UsageError(`no help for "${topic}" (commands: ${COMMANDS.join(', ')})`);
    print(HELP[topic]);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command === '--version' || command === '-v') {
    print((require('../../package.json') as { version: string }).version);
    return EXIT.ok;
  }
  if (!COMMANDS.includes(command)) throw new UsageError(`unknown command "${command}" (commands: ${COMMANDS.join(', ')}; see shoal --help)`);
  const line = parseCommandLine(rest, command);
  if (line.flags.help) {
    print(HELP[command]);
    return EXIT.ok;
  }
  return run(command, line, rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`shoal: ${error.message}\n`);
      process.exitCode = EXIT.usage;
    } else if (error instanceof ShoalError) {
      reportUpgradeFailure(error);
      process.stderr.write(`shoal: ${error.code}: ${error.message}\n`);
      process.exitCode = UNREACHABLE.has(error.shoalCode) ? EXIT.unreachable : USAGE.has(error.shoalCode) ? EXIT.usage : EXIT.failed;
    } else {
      reportUpgradeFailure(error);
      process.stderr.write(`shoal: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = EXIT.failed;
    }
  },
);
