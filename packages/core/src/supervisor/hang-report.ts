/**
 * What the supervisor writes when the watchdog finds a worker hung: its own
 * record (slot, how long silent, the process's state as the kernel sees it)
 * and, when the worker's hang reporter could pause the stuck main thread,
 * Node's diagnostic report with the stuck code's JavaScript stack.
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StackFrame } from '../ipc';
import type { WorkerProcess } from './worker-process';

/** How long the worker's reporter may take to pause the main thread and write Node's report. */
const REPORT_TIMEOUT_MS = 2_000;

export interface HangReport {
  /** The supervisor's record (JSON). */
  readonly file: string;
  /** Node's diagnostic report of the hung worker, when one could be written. */
  readonly nodeReport: string | null;
  /** The top of the stuck main thread's JavaScript stack (empty when none could be taken). */
  readonly frames: readonly StackFrame[];
  /** The kernel's state letter of the main thread (R running, S sleeping, D disk, T stopped...). */
  readonly processState: string | null;
  /** Why there is no JavaScript stack, when there is none. */
  readonly stackMissing: string | null;
}

interface ThreadState {
  tid: number;
  name: string;
  state: string;
}

/** The kernel's view of a process's threads: /proc/<pid>/task/<tid>/stat ("tid (comm) S ..."). */
async function threadStates(pid: number): Promise<ThreadState[]> {
  const tids = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const states = await Promise.all(
    tids.map(async (tid) => {
      const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => null);
      const match = stat ? /^\d+ \((.*)\) (\S)/s.exec(stat) : null;
      return match ? { tid: Number(tid), name: match[1], state: match[2] } : null;
    }),
  );
  return states.filter((s): s is ThreadState => s !== null);
}

export async function writeHangReport(
  worker: WorkerProcess,
  details: { service: string; slot: number; silentMs: number; timeoutMs: number; reportDir: string; askWorker: boolean },
): Promise<HangReport> {
  const pid = worker.pid ?? 0;
  await mkdir(details.reportDir, { recursive: true, mode: 0o700 });
  const stem = join(details.reportDir, `${details.service}-slot${details.slot}-pid${pid}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const threads = await threadStates(pid);
  const processState = threads.find((t) => t.tid === pid)?.state ?? null;

  let nodeReport: string | null = null;
  let frames: StackFrame[] = [];
  let stackMissing: string | null = null;
  if (processState === 'T' || processState === 't') {
    // Every thread is stopped (SIGSTOP, a debugger): none can answer, and no JavaScript runs to be seen.
    stackMissing = 'the process is stopped (SIGSTOP or a tracer): no JavaScript was running';
  } else if (!details.askWorker) {
    stackMissing = 'watchdog.report is off';
  } else {
    try {
      const answer = await worker.requestHangReport(`${stem}.node-report.json`, REPORT_TIMEOUT_MS);
      if (answer.ok) {
        nodeReport = answer.file;
        frames = answer.frames;
      } else {
        stackMissing = answer.error;
      }
    } catch (error) {
      stackMissing = error instanceof Error ? error.message : String(error);
    }
  }
  const wchan = await readFile(`/proc/${pid}/wchan`, 'utf8').catch(() => null);
  const file = `${stem}.hang.json`;
  const record = {
    kind: 'shoal-hang-report',
    service: details.service,
    slot: details.slot,
    pid,
    generation: worker.generation,
    detectedAt: new Date().toISOString(),
    silentMs: details.silentMs,
    timeoutMs: details.timeoutMs,
    processState,
    waitChannel: wchan && wchan !== '0' ? wchan : null,
    threads,
    nodeReport,
    javascriptStack: frames,
    stackMissing,
  };
  await writeFile(file, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  return { file, nodeReport, frames, processState, stackMissing };
}
