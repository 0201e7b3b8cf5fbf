/**
 * A worker thread of each worker process (when the watchdog writes reports):
 * on the supervisor's request, it pauses the main thread through the
 * inspector (whose messages interrupt even a loop that never yields), writes
 * Node's diagnostic report from the paused main thread, so that the report's
 * JavaScript stack is the stuck code's, and answers with the top frames.
 */
import { Session } from 'node:inspector';
import { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { parentPort, workerData } from 'node:worker_threads';
import type { HangReportAnswer, HangReportRequest, StackFrame } from '../ipc';

/** A main thread blocked outside JavaScript (a system call) never takes the inspector's interrupt. */
const PAUSE_TIMEOUT_MS = 1_500;
const FRAMES = 20;

interface CallFrame {
  callFrameId: string;
  functionName: string;
  location: { scriptId: string; lineNumber: number; columnNumber: number };
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))));
}

async function report(file: string): Promise<HangReportAnswer> {
  const session = new Session();
  session.connectToMainThread();
  let timer: NodeJS.Timeout | undefined;
  // A frame names its script by id; enabling the debugger announces every script with its URL.
  const scripts = new Map<string, string>();
  session.on('Debugger.scriptParsed', ({ params }) => scripts.set(params.scriptId, params.url));
  try {
    const paused = new Promise<CallFrame[]>((resolve, reject) => {
      session.once('Debugger.paused', ({ params }) => resolve((params as { callFrames: CallFrame[] }).callFrames));
      timer = setTimeout(() => reject(new Error(`the main thread did not pause within ${PAUSE_TIMEOUT_MS} ms (blocked outside JavaScript?)`)), PAUSE_TIMEOUT_MS);
    });
    await post(session, 'Debugger.enable');
    await post(session, 'Debugger.pause');
    const callFrames = await paused;
    const frames: StackFrame[] = callFrames.slice(0, FRAMES).map((f) => ({
      function: f.functionName || '(anonymous)',
      url: scripts.get(f.location.scriptId) ?? '',
      line: f.location.lineNumber + 1,
      column: f.location.columnNumber + 1,
    }));
    // Evaluated on the paused frame: the report's JavaScript stack is the stuck code's. No environment (secrets) in it.
    const expression = `(() => { const r = globalThis.process.report; r.excludeEnv = true; return r.writeReport(${JSON.stringify(file)}); })()`;
    const { result, exceptionDetails } = await post<{ result: { value?: unknown }; exceptionDetails?: { text: string } }>(session, 'Debugger.evaluateOnCallFrame', {
      callFrameId: callFrames[0].callFrameId,
      expression,
      silent: true,
      returnByValue: true,
    });
    await post(session, 'Debugger.resume').catch(() => undefined);
    if (exceptionDetails) return { ok: false, error: `writing the report failed: ${exceptionDetails.text}` };
    return { ok: true, file: String(result.value ?? file), frames };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
    session.disconnect();
  }
}

const socket = new Socket({ fd: (workerData as { fd: number }).fd, readable: true, writable: true });
socket.on('error', () => undefined);
createInterface({ input: socket }).on('line', (line) => {
  let request: HangReportRequest;
  try {
    request = JSON.parse(line) as HangReportRequest;
  } catch {
    socket.write(`${JSON.stringify({ ok: false, error: 'not a JSON request' } satisfies HangReportAnswer)}\n`);
    return;
  }
  void report(request.file).then((answer) => socket.write(`${JSON.stringify(answer)}\n`));
});
// Listening: the worker may take traffic now (hang-reporter.ts).
parentPort?.postMessage('started');
