// A small Diameter client for the tests, over TCP (a byte stream: messages
// are cut by their header's length) or SCTP (one message per SCTP message,
// @shoal/sctp): capabilities exchange, requests matched to their answers by
// hop-by-hop id, raw bytes (malformed messages), and the peer's own DWR and
// DPR answered as RFC 6733 says.
import { connect, type Socket } from 'node:net';
import { SctpSocket, type SctpMessage } from '@shoal/sctp';
import {
  type Avp, Application, AvpCode, Command, DIAMETER_PPID, type DiameterMessage, ResultCode,
  addressAvp, decodeHeader, decodeMessage, encodeMessage, findAvp, flags, readString, readU32, stringAvp, u32Avp,
} from '../../src/codec';

export interface Wire {
  write(data: Buffer, stream: number): void;
  onMessage(fn: (data: Buffer, stream: number) => void): void;
  /** Resolves when the connection is closed, with how: 'end' (graceful) or the error code. */
  readonly closed: Promise<string>;
  end(): void;
}

export async function tcpWire(host: string, port: number): Promise<Wire> {
  const sock: Socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  let buffered = Buffer.alloc(0);
  let handler: (data: Buffer, stream: number) => void = () => undefined;
  sock.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const h = decodeHeader(buffered);
      if (h === undefined || buffered.length < h.length) return;
      const one = buffered.subarray(0, h.length);
      buffered = buffered.subarray(h.length);
      handler(one, 0);
    }
  });
  const closed = new Promise<string>((resolve) => {
    let how = 'end';
    sock.on('error', (err: NodeJS.ErrnoException) => (how = err.code ?? err.message));
    sock.on('close', () => resolve(how));
  });
  return {
    write: (data) => void sock.write(data),
    onMessage: (fn) => (handler = fn),
    closed,
    end: () => void sock.end(),
  };
}

export async function sctpWire(address: string | string[], port: number, localAddress?: string): Promise<Wire & { sock: SctpSocket }> {
  const sock = SctpSocket.connect({ address, port, ...(localAddress && { localAddress }) });
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  let handler: (data: Buffer, stream: number) => void = () => undefined;
  sock.on('message', (m: SctpMessage) => handler(m.data, m.stream));
  const closed = new Promise<string>((resolve) => {
    let how = 'end';
    sock.on('error', (err: NodeJS.ErrnoException) => (how = err.code ?? err.message));
    sock.on('close', () => resolve(how));
  });
  return {
    sock,
    write: (data, stream) => void sock.send(data, { stream, ppid: DIAMETER_PPID }),
    onMessage: (fn) => (handler = fn),
    closed,
    end: () => void sock.end(),
  };
}

export interface ClientIdentity {
  readonly host: string;
  readonly realm: string;
  readonly address: string;
}

interface Pending {
  resolve: (m: DiameterMessage) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class DiameterClient {
  private hopByHop = Math.floor(Math.random() * 0x7fffffff);
  private endToEnd = Math.floor(Math.random() * 0x7fffffff);
  private readonly pending = new Map<number, Pending>();
  /** Requests the peer sent us, by name (DWR, DPR), in order. */
  readonly peerRequests: string[] = [];
  /** Answers that matched no request (there must be none: every request is answered exactly once). */
  readonly unmatched: DiameterMessage[] = [];
  private dprWaiters: (() => void)[] = [];

  constructor(readonly wire: Wire, readonly identity: ClientIdentity) {
    wire.onMessage((data, stream) => this.onMessage(data, stream));
    void wire.closed.then(() => {
      for (const [, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new Error('the connection closed before the answer'));
      }
      this.pending.clear();
    });
  }

  origin(): Avp[] {
    return [stringAvp(AvpCode.OriginHost, this.identity.host), stringAvp(AvpCode.OriginRealm, this.identity.realm)];
  }

  nextIds(): { hopByHop: number; endToEnd: number } {
    this.hopByHop = (this.hopByHop + 1) >>> 0;
    this.endToEnd = (this.endToEnd + 1) >>> 0;
    return { hopByHop: this.hopByHop, endToEnd: this.endToEnd };
  }

  /** CER offering base accounting (or `applications`); resolves with the CEA. */
  capabilities(applications: Avp[] = [u32Avp(AvpCode.AcctApplicationId, Application.BaseAccounting)], extra: Avp[] = []): Promise<DiameterMessage> {
    return this.request(Command.CapabilitiesExchange, Application.Common, [
      ...this.origin(),
      addressAvp(AvpCode.HostIpAddress, this.identity.address),
      u32Avp(AvpCode.VendorId, 0),
      stringAvp(AvpCode.ProductName, 'shoal-diameter-test', { mandatory: false }),
      ...applications,
      ...extra,
    ]);
  }

  /** An ACR of base accounting (EVENT_RECORD) numbered `n` in session `sessionId`, for `realm`. */
  accounting(sessionId: string, n: number, realm: string, stream = 0, extra: Avp[] = []): Promise<DiameterMessage> {
    return this.request(Command.Accounting, Application.BaseAccounting, [
      stringAvp(AvpCode.SessionId, sessionId),
      ...this.origin(),
      stringAvp(AvpCode.DestinationRealm, realm),
      u32Avp(AvpCode.AccountingRecordType, 1),
      u32Avp(AvpCode.AccountingRecordNumber, n),
      ...extra,
    ], { stream, proxiable: true });
  }

  request(commandCode: number, applicationId: number, avps: Avp[], o: { stream?: number; proxiable?: boolean; timeoutMs?: number } = {}): Promise<DiameterMessage> {
    const ids = this.nextIds();
    const data = encodeMessage({ flags: flags({ request: true, proxiable: o.proxiable ?? false }), commandCode, applicationId, ...ids, avps });
    return this.raw(data, o.stream ?? 0, o.timeoutMs);
  }

  /** Sends bytes as they are; resolves with the answer of the hop-by-hop id they carry. */
  raw(data: Buffer, stream = 0, timeoutMs = 20_000): Promise<DiameterMessage> {
    const hopByHop = data.length >= 16 ? data.readUInt32BE(12) : -1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(hopByHop);
        reject(new Error(`no answer to hop-by-hop ${hopByHop} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(hopByHop, { resolve, reject, timer });
      this.wire.write(data, stream);
    });
  }

  /** Sends a DPR and resolves with its DPA (the caller closes then, as the initiator). */
  disconnect(cause = 0): Promise<DiameterMessage> {
    return this.request(Command.DisconnectPeer, Application.Common, [...this.origin(), u32Avp(AvpCode.DisconnectCause, cause)]);
  }

  /** Resolves when the peer sent a DPR (answered already). */
  dprReceived(): Promise<void> {
    if (this.peerRequests.includes('DPR')) return Promise.resolve();
    return new Promise((resolve) => this.dprWaiters.push(resolve));
  }

  private onMessage(data: Buffer, stream: number): void {
    const m = decodeMessage(data);
    if (m.flags.request) {
      const answerAvps = [u32Avp(AvpCode.ResultCode, ResultCode.Success), ...this.origin()];
      const answer = (): void => this.wire.write(encodeMessage({ ...m, flags: flags({}), avps: answerAvps }), stream);
      if (m.commandCode === Command.DeviceWatchdog) {
        this.peerRequests.push('DWR');
        answer();
      } else if (m.commandCode === Command.DisconnectPeer) {
        this.peerRequests.push('DPR');
        answer();
        for (const w of this.dprWaiters.splice(0)) w();
      } else {
        this.peerRequests.push(`request ${m.commandCode}`);
      }
      return;
    }
    const p = this.pending.get(m.hopByHop);
    if (!p) {
      this.unmatched.push(m);
      return;
    }
    this.pending.delete(m.hopByHop);
    clearTimeout(p.timer);
    p.resolve(m);
  }
}

export function resultCode(m: DiameterMessage): number | undefined {
  const a = findAvp(m.avps, AvpCode.ResultCode);
  return a ? readU32(a) : undefined;
}

export function stringOf(m: DiameterMessage, code: number): string | undefined {
  const a = findAvp(m.avps, code);
  return a ? readString(a) : undefined;
}

export function u32Of(m: DiameterMessage, code: number): number | undefined {
  const a = findAvp(m.avps, code);
  return a ? readU32(a) : undefined;
}
