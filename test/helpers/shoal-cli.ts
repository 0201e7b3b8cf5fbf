/** Runs the real `shoal` command, as an operator would, to completion (bounded). */
import { spawn } from 'node:child_process';

export const SHOAL_BIN = require.resolve('@shoal/core/bin/shoal.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `prefix`: a command to run it through (e.g. nsenter, to run it in the supervisor's PID namespace). */
/** `uid`: run it as that user (and group). */
export function shoalCli(args: string[], options: { env?: Record<string, string>; timeoutMs?: number; prefix?: string[]; uid?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const [command, ...rest] = [...(options.prefix ?? []), process.execPath, SHOAL_BIN, ...args];
    const child = spawn(command, rest, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], uid: options.uid, gid: options.uid });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
