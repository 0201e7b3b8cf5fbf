// The "stranger": another process of the same user that joins a port's
// reuseport group with its own socket (python3, as an unrelated program
// would), counts what it receives, and prints the count when asked or when its
// stdin closes. For @shoal/reuseport's tests and the port-ownership tests.
import { spawn, type ChildProcess } from 'node:child_process';

const PROGRAM = String.raw`
import os, select, socket, sys
kind, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
family = socket.AF_INET6 if ':' in host else socket.AF_INET
s = socket.socket(family, socket.SOCK_STREAM if kind == 'tcp' else socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.bind((host, port))
if kind == 'tcp':
    s.listen(1024)
count = 0
def take():
    global count
    if kind == 'tcp':
        c, _ = s.accept()
        c.close()
    else:
        s.recv(2048)
    count += 1
def drain():
    # Whatever is still queued was delivered to this socket: count it too.
    s.setblocking(False)
    try:
        while True:
            take()
    except (BlockingIOError, InterruptedError):
        pass
    s.setblocking(True)
print('ready', flush=True)
while True:
    ready, _, _ = select.select([s, sys.stdin], [], [])
    if s in ready:
        take()
    if sys.stdin in ready:
        line = sys.stdin.readline()
        drain()
        print(count, flush=True)
        count = 0
        if not line:
            break
`;

export interface Stranger {
  /** Its process id (python3 itself, spawned directly). */
  readonly pid: number;
  /** The number of connections or datagrams it received since the last count, which starts a new one. */
  count(): Promise<number>;
  /** Closes its stdin; resolves with its last count (the same for every call). */
  stop(): Promise<number>;
  kill(): void;
}

/** Starts the stranger and resolves once its socket is in the group. */
export function startStranger(kind: 'tcp' | 'udp', host: string, port: number): Promise<Stranger> {
  const child: ChildProcess = spawn('python3', ['-c', PROGRAM, kind, host, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const lines: Array<(line: string) => void> = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    let at: number;
    while ((at = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, at);
      out = out.slice(at + 1);
      lines.shift()?.(line);
    }
  });
  const nextLine = (): Promise<string> =>
    new Promise((resolve, reject) => {
      lines.push(resolve);
      child.once('exit', (code) => reject(new Error(`the stranger exited (${code}) before it answered`)));
    });
  let stopped: Promise<number> | undefined;
  return nextLine().then((line) => {
    if (line !== 'ready') throw new Error(`the stranger said ${line}`);
    return {
      pid: child.pid!,
      count: async () => {
        const answer = nextLine();
        child.stdin!.write('count\n');
        return Number(await answer);
      },
      // Once: a test's own stop and its clean-up's both get the last count.
      stop: () =>
        (stopped ??= (async () => {
          const answer = nextLine();
          child.stdin!.end();
          return Number(await answer);
        })()),
      kill: () => {
        if (child.exitCode === null) child.kill();
      },
    };
  });
}
