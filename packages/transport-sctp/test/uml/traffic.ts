// Steady multi-stream request/response traffic against an echo listener of
// the test service ("<pid> <message>" back on the same stream), checking that
// every message is answered, in order per stream, and that no association is
// aborted or restarted.
import { SctpSocket, type SctpMessage, type SctpNotification } from '@shoal/sctp';

export interface TrafficReport {
  associations: number;
  sent: number;
  answered: number;
  outOfOrder: number;
  /** Associations that ended, were aborted or restarted (COMM_LOST, RESTART, close, error). */
  broken: string[];
  /** Worker pids that answered, per association. */
  pids: Set<number>[];
}

interface Stream {
  next: number;
  expected: number;
  outstanding: number;
}

/** One association: each stream keeps `window` requests in flight. */
class Flow {
  readonly pids = new Set<number>();
  readonly streams: Stream[];
  sent = 0;
  answered = 0;
  outOfOrder = 0;
  broken: string | null = null;
  private running = true;
  private stopped: (() => void) | undefined;

  constructor(
    readonly sock: SctpSocket,
    readonly id: number,
    streams: number,
    private readonly window: number,
    private readonly paceMs: number,
    private readonly onAnswer: () => void,
  ) {
    this.streams = Array.from({ length: streams }, () => ({ next: 0, expected: 0, outstanding: 0 }));
    sock.on('message', (m: SctpMessage) => this.onMessage(m));
    sock.on('notification', (n: SctpNotification) => {
      if (n.type === 'assoc-change' && n.state !== 'COMM_UP') this.break(`assoc-change ${n.state}`);
    });
    sock.on('error', (e: Error) => this.break(`error ${(e as { code?: string }).code ?? e.message}`));
    sock.on('close', () => this.break('closed'));
    sock.on('end', () => this.break('ended by the server (SHUTDOWN)'));
  }

  private break(why: string): void {
    if (this.broken === null && this.running) this.broken = why;
    this.stopped?.();
  }

  start(): void {
    for (let s = 0; s < this.streams.length; s++) for (let i = 0; i < this.window; i++) this.sendOne(s);
  }

  private sendOne(s: number): void {
    const st = this.streams[s];
    if (!this.running || this.broken !== null) return;
    st.outstanding++;
    this.sent++;
    this.sock.send(`${this.id}:${s}:${st.next++}`, { stream: s, ppid: 1000 + s });
  }

  private onMessage(m: SctpMessage): void {
    const [pid, body] = m.data.toString().split(' ');
    const [, s, seq] = body.split(':').map(Number);
    this.pids.add(Number(pid));
    const st = this.streams[s];
    if (s !== m.stream || seq !== st.expected || m.ppid !== 1000 + s) this.outOfOrder++;
    st.expected = seq + 1;
    st.outstanding--;
    this.answered++;
    this.onAnswer();
    if (this.running) {
      // Paced, so that workers booting during a reload get CPU time (UML has one CPU).
      if (this.paceMs > 0) setTimeout(() => this.sendOne(s), this.paceMs);
      else this.sendOne(s);
    } else if (this.streams.every((x) => x.outstanding === 0)) this.stopped?.();
  }

  /** Stops sending and waits until every request is answered (or the association broke). */
  stop(ms: number): Promise<void> {
    this.running = false;
    if (this.broken !== null || this.streams.every((x) => x.outstanding === 0)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.stopped = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

export class Traffic {
  private readonly flows: Flow[] = [];
  private readonly waiters = new Set<{ count: number; resolve: () => void }>();

  /** Opens `associations` associations from 127.0.0.2, .3, ... to 127.0.0.1:port. */
  static async start(port: number, associations: number, streams: number, window = 1, paceMs = 0): Promise<Traffic> {
    const t = new Traffic();
    for (let i = 0; i < associations; i++) {
      const sock = SctpSocket.connect({ address: '127.0.0.1', port, localAddress: `127.0.0.${2 + (i % 28)}`, options: { initMsg: { outStreams: streams, maxInStreams: streams } } });
      await new Promise<void>((resolve, reject) => {
        sock.once('connect', resolve);
        sock.once('error', reject);
      });
      t.flows.push(new Flow(sock, i, streams, window, paceMs, () => t.answeredOne()));
    }
    for (const f of t.flows) f.start();
    return t;
  }

  get answered(): number {
    return this.flows.reduce((n, f) => n + f.answered, 0);
  }

  /** Resolves once `count` answers have arrived in all (rejects after `ms`, naming how many did). */
  untilAnswered(count: number, ms = 30_000): Promise<void> {
    if (this.answered >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        count,
        resolve: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`only ${this.answered} of ${count} answers within ${ms} ms`));
      }, ms);
      this.waiters.add(waiter);
    });
  }

  private answeredOne(): void {
    if (this.waiters.size === 0) return;
    const answered = this.answered;
    for (const waiter of [...this.waiters]) if (answered >= waiter.count) waiter.resolve();
  }

  async stop(ms = 20_000): Promise<TrafficReport> {
    await Promise.all(this.flows.map((f) => f.stop(ms)));
    const report: TrafficReport = {
      associations: this.flows.length,
      sent: this.flows.reduce((n, f) => n + f.sent, 0),
      answered: this.answered,
      outOfOrder: this.flows.reduce((n, f) => n + f.outOfOrder, 0),
      broken: this.flows.filter((f) => f.broken !== null).map((f) => `association ${f.id}: ${f.broken}`),
      pids: this.flows.map((f) => f.pids),
    };
    for (const f of this.flows) if (!f.sock.isClosed) f.sock.close();
    return report;
  }
}

/** One request on a fresh or given association: resolves with the answering pid. */
export async function askPid(sock: SctpSocket, text = 'pid', ms = 10_000): Promise<number> {
  const answer = new Promise<SctpMessage>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${text} within ${ms} ms`)), ms);
    sock.once('message', (m: SctpMessage) => {
      clearTimeout(timer);
      resolve(m);
    });
  });
  sock.send(text);
  return Number((await answer).data.toString().split(' ')[0]);
}
