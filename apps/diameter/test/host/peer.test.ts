// DiameterPeer without SCTP: a fake link records what it sends. The
// capabilities exchange, the accounting answers, every error answer RFC 6733
// asks for, the watchdog (RFC 3539) with fake timers, the disconnect both
// ways, and the state that travels with a hand-off.
import {
  type Avp, Application, AvpCode, COMMAND_FLAG, Command, DIAMETER_PPID, type DiameterMessage, ResultCode,
  addressAvp, decodeMessage, encodeMessage, findAvp, findAvps, flags, groupedAvp, readAddress, readGrouped, readString, readU32, stringAvp, u32Avp,
} from '../../src/codec';
import { DiameterPeer, type PeerLink, type PeerObserver, validateDiameterNodeOptions } from '../../src/node';

const options = validateDiameterNodeOptions({ originHost: 'shoal.example.org', originRealm: 'example.org', hostIpAddresses: ['192.0.2.2', '192.0.2.3'], watchdogMs: 6_000, disconnectTimeoutMs: 1_000 });

class FakeLink implements PeerLink {
  sent: { message: DiameterMessage; stream: number; ppid: number }[] = [];
  closed = 0;
  outboundStreams = 8;
  open = true;
  send(data: Buffer, stream: number, ppid: number): boolean {
    if (!this.open) return false;
    this.sent.push({ message: decodeMessage(data), stream, ppid });
    return true;
  }
  close(): void {
    this.closed++;
  }
  take(): { message: DiameterMessage; stream: number; ppid: number } {
    const next = this.sent.shift();
    if (!next) throw new Error('nothing was sent');
    return next;
  }
}

class Recorder implements PeerObserver {
  events: { event: string; fields: Record<string, unknown> }[] = [];
  rejections: { reason: string; resultCode: number | null; closed: boolean }[] = [];
  received(): void {}
  sent(): void {}
  rejected(reason: string, resultCode: number | null, closed: boolean): void {
    this.rejections.push({ reason, resultCode, closed });
  }
  event(event: string, fields: Record<string, unknown>): void {
    this.events.push({ event, fields });
  }
}

let ids = 100;
function request(commandCode: number, applicationId: number, avps: Avp[], extra: Partial<DiameterMessage> = {}): Buffer {
  ids++;
  return encodeMessage({ flags: flags({ request: true, proxiable: commandCode === Command.Accounting }), commandCode, applicationId, hopByHop: ids, endToEnd: ids, avps, ...extra });
}

const origin = [stringAvp(AvpCode.OriginHost, 'fd.relay.test'), stringAvp(AvpCode.OriginRealm, 'relay.test')];
const cer = (avps: Avp[] = [u32Avp(AvpCode.AuthApplicationId, Application.Relay)]): Buffer =>
  request(Command.CapabilitiesExchange, 0, [...origin, addressAvp(AvpCode.HostIpAddress, '192.0.2.1'), u32Avp(AvpCode.VendorId, 0), stringAvp(AvpCode.ProductName, 'fD', { mandatory: false }), ...avps]);
const acr = (n: number, avps: Avp[] = [], realm = 'example.org'): Buffer =>
  request(Command.Accounting, Application.BaseAccounting, [
    stringAvp(AvpCode.SessionId, `s;${n}`), ...origin, stringAvp(AvpCode.DestinationRealm, realm), u32Avp(AvpCode.AccountingRecordType, 1), u32Avp(AvpCode.AccountingRecordNumber, n), ...avps,
  ]);
const result = (m: DiameterMessage): number => readU32(findAvp(m.avps, AvpCode.ResultCode)!);

function openPeer(): { peer: DiameterPeer; link: FakeLink; observer: Recorder } {
  const link = new FakeLink();
  const observer = new Recorder();
  // No jitter: Tw is exactly 6 s.
  const peer = new DiameterPeer(options, link, observer, undefined, () => 0.5);
  peer.receive(cer(), 0);
  link.take();
  return { peer, link, observer };
}

afterEach(() => jest.useRealTimers());

describe('capabilities exchange', () => {
  test('a CER gets a CEA on stream 0: 2001, Origin-Host/Realm, a Host-IP-Address per local address, Vendor-Id, Product-Name (no M bit), Acct-Application-Id 3', () => {
    const link = new FakeLink();
    const observer = new Recorder();
    const peer = new DiameterPeer(options, link, observer);
    expect(peer.state).toBe('wait-cer');
    peer.receive(cer(), 4);
    const { message: cea, stream, ppid } = link.take();
    expect({ stream, ppid }).toEqual({ stream: 0, ppid: DIAMETER_PPID });
    expect(cea.flags).toEqual(flags({}));
    expect(cea.commandCode).toBe(Command.CapabilitiesExchange);
    expect(result(cea)).toBe(ResultCode.Success);
    expect(readString(findAvp(cea.avps, AvpCode.OriginHost)!)).toBe('shoal.example.org');
    expect(findAvps(cea.avps, AvpCode.HostIpAddress).map(readAddress)).toEqual(['192.0.2.2', '192.0.2.3']);
    expect(findAvp(cea.avps, AvpCode.ProductName)!.mandatory).toBe(false);
    expect(readU32(findAvp(cea.avps, AvpCode.AcctApplicationId)!)).toBe(3);
    expect(peer.state).toBe('open');
    expect(peer.identity).toEqual({ host: 'fd.relay.test', realm: 'relay.test' });
    expect(observer.events.map((e) => e.event)).toEqual(['diameter.peer-open']);
    peer.stop();
  });

  test('application 3 inside Vendor-Specific-Application-Id counts; Inband-Security-Id NO_INBAND_SECURITY is echoed', () => {
    const link = new FakeLink();
    const peer = new DiameterPeer(options, link, new Recorder());
    peer.receive(cer([groupedAvp(AvpCode.VendorSpecificApplicationId, [u32Avp(AvpCode.VendorId, 10415), u32Avp(AvpCode.AcctApplicationId, 3)]), u32Avp(AvpCode.InbandSecurityId, 0)]), 0);
    const cea = link.take().message;
    expect(result(cea)).toBe(ResultCode.Success);
    expect(readU32(findAvp(cea.avps, AvpCode.InbandSecurityId)!)).toBe(0);
    peer.stop();
  });

  test.each([
    ['no common application', [u32Avp(AvpCode.AuthApplicationId, 4)], ResultCode.NoCommonApplication],
    ['TLS only', [u32Avp(AvpCode.AcctApplicationId, 3), u32Avp(AvpCode.InbandSecurityId, 1)], ResultCode.NoCommonSecurity],
  ])('%s: an error CEA, then the association is closed', (_name, avps, code) => {
    const link = new FakeLink();
    const observer = new Recorder();
    const peer = new DiameterPeer(options, link, observer);
    peer.receive(cer(avps), 0);
    expect(result(link.take().message)).toBe(code);
    expect(link.closed).toBe(1);
    expect(observer.rejections[0]).toMatchObject({ resultCode: code, closed: true });
  });

  test('a CER without Host-IP-Address: 5005 with an example in Failed-AVP, closed', () => {
    const link = new FakeLink();
    const peer = new DiameterPeer(options, link, new Recorder());
    peer.receive(request(Command.CapabilitiesExchange, 0, [...origin, u32Avp(AvpCode.VendorId, 0), stringAvp(AvpCode.ProductName, 'x')]), 0);
    const cea = link.take().message;
    expect(result(cea)).toBe(ResultCode.MissingAvp);
    expect(readGrouped(findAvp(cea.avps, AvpCode.FailedAvp)!)[0].code).toBe(AvpCode.HostIpAddress);
    expect(link.closed).toBe(1);
  });

  test('a request before the CER: DIAMETER_UNABLE_TO_COMPLY, closed; a second CER: 5012, kept', () => {
    const link = new FakeLink();
    const peer = new DiameterPeer(options, link, new Recorder());
    peer.receive(acr(1), 2);
    expect(result(link.take().message)).toBe(ResultCode.UnableToComply);
    expect(link.closed).toBe(1);
    const o = openPeer();
    o.peer.receive(cer(), 0);
    expect(result(o.link.take().message)).toBe(ResultCode.UnableToComply);
    expect(o.link.closed).toBe(0);
    o.peer.stop();
  });
});

describe('accounting (ACR/ACA) and errors', () => {
  test('an ACR is answered on its own stream: 2001, Session-Id and the record echoed, P copied, Proxy-Info kept', () => {
    const { peer, link } = openPeer();
    const proxy = groupedAvp(AvpCode.ProxyInfo, [stringAvp(280, 'proxy.test'), stringAvp(33, 'state')]);
    const req = acr(7, [proxy]);
    peer.receive(req, 5);
    const { message: aca, stream } = link.take();
    expect(stream).toBe(5);
    expect(aca.flags).toEqual(flags({ proxiable: true }));
    expect({ hopByHop: aca.hopByHop, endToEnd: aca.endToEnd }).toEqual({ hopByHop: req.readUInt32BE(12), endToEnd: req.readUInt32BE(16) });
    expect(aca.avps[0].code).toBe(AvpCode.SessionId);
    expect(readString(aca.avps[0])).toBe('s;7');
    expect(result(aca)).toBe(ResultCode.Success);
    expect(readU32(findAvp(aca.avps, AvpCode.AccountingRecordNumber)!)).toBe(7);
    expect(findAvp(aca.avps, AvpCode.ProxyInfo)).toEqual(proxy);
    peer.stop();
  });

  test('a stream the association does not have: the answer goes on one it has', () => {
    const { peer, link } = openPeer();
    link.outboundStreams = 4;
    peer.receive(acr(1), 6);
    expect(link.take().stream).toBe(2);
    peer.stop();
  });

  test.each<[string, () => Buffer, number, number | undefined]>([
    ['unknown command of application 3: 3001 (E bit)', () => request(272, 3, [...origin]), ResultCode.CommandUnsupported, undefined],
    ['unknown command of the base protocol: 3001', () => request(999, 0, [...origin]), ResultCode.CommandUnsupported, undefined],
    ['unknown application: 3007', () => request(Command.Accounting, 16777216, [...origin]), ResultCode.ApplicationUnsupported, undefined],
    ['an unknown AVP with the M bit: 5001, in Failed-AVP', () => acr(1, [{ code: 4242, vendorId: 10415, mandatory: true, data: Buffer.alloc(4) }]), ResultCode.AvpUnsupported, 4242],
    ['no Accounting-Record-Number: 5005', () => request(Command.Accounting, 3, [stringAvp(AvpCode.SessionId, 's'), ...origin, stringAvp(AvpCode.DestinationRealm, 'example.org'), u32Avp(AvpCode.AccountingRecordType, 1)]), ResultCode.MissingAvp, AvpCode.AccountingRecordNumber],
    ['no Origin-Host: 5005', () => request(Command.Accounting, 3, [stringAvp(AvpCode.OriginRealm, 'r')]), ResultCode.MissingAvp, AvpCode.OriginHost],
    ['another realm: 3003', () => acr(1, [], 'elsewhere.org'), ResultCode.RealmNotServed, undefined],
    ['another Destination-Host: 3002', () => acr(1, [stringAvp(AvpCode.DestinationHost, 'other.example.org')]), ResultCode.UnableToDeliver, undefined],
    ['Accounting-Record-Type 9: 5004', () => request(Command.Accounting, 3, [stringAvp(AvpCode.SessionId, 's'), ...origin, stringAvp(AvpCode.DestinationRealm, 'example.org'), u32Avp(AvpCode.AccountingRecordType, 9), u32Avp(AvpCode.AccountingRecordNumber, 1)]), ResultCode.InvalidAvpValue, AvpCode.AccountingRecordType],
    ['an Unsigned32 of 3 bytes: 5014', () => request(Command.Accounting, 3, [stringAvp(AvpCode.SessionId, 's'), ...origin, stringAvp(AvpCode.DestinationRealm, 'example.org'), u32Avp(AvpCode.AccountingRecordType, 1), { code: AvpCode.AccountingRecordNumber, mandatory: true, data: Buffer.alloc(3) }]), ResultCode.InvalidAvpLength, AvpCode.AccountingRecordNumber],
  ])('%s', (_name, make, code, failed) => {
    const { peer, link, observer } = openPeer();
    const req = make();
    peer.receive(req, 3);
    const { message: answer, stream } = link.take();
    expect(stream).toBe(3);
    expect(result(answer)).toBe(code);
    expect(answer.flags.error).toBe(code >= 3000 && code < 4000);
    expect(answer.flags.request).toBe(false);
    expect(answer.hopByHop).toBe(req.readUInt32BE(12));
    expect(readString(findAvp(answer.avps, AvpCode.OriginHost)!)).toBe('shoal.example.org');
    expect(findAvp(answer.avps, AvpCode.ErrorMessage)?.mandatory).toBe(false);
    if (failed !== undefined) expect(readGrouped(findAvp(answer.avps, AvpCode.FailedAvp)!)[0].code).toBe(failed);
    expect(link.closed).toBe(0);
    expect(observer.rejections).toHaveLength(1);
    peer.stop();
  });

  test('malformed requests are answered from their header (5014, 5015, 5011, 3008); malformed answers are dropped; a runt closes the association', () => {
    const { peer, link, observer } = openPeer();
    const overrun = acr(1);
    overrun.writeUIntBE(0xfff, overrun.length - 12 + 5, 3);
    peer.receive(overrun, 1);
    const a = link.take().message;
    expect(result(a)).toBe(ResultCode.InvalidAvpLength);
    expect(readGrouped(findAvp(a.avps, AvpCode.FailedAvp)!)[0].code).toBe(AvpCode.AccountingRecordNumber);
    const longer = acr(2);
    longer.writeUIntBE(longer.length + 8, 1, 3);
    peer.receive(longer, 1);
    expect(result(link.take().message)).toBe(ResultCode.InvalidMessageLength);
    const v3 = acr(3);
    v3[0] = 3;
    peer.receive(v3, 1);
    expect(result(link.take().message)).toBe(ResultCode.UnsupportedVersion);
    const bits = acr(4);
    bits[4] |= COMMAND_FLAG.error;
    peer.receive(bits, 1);
    const e = link.take().message;
    expect(result(e)).toBe(ResultCode.InvalidHdrBits);
    expect(e.flags.error).toBe(true);
    const answer = encodeMessage({ ...decodeMessage(acr(5)), flags: flags({}) });
    answer.writeUIntBE(0xfff, answer.length - 12 + 5, 3);
    peer.receive(answer, 1);
    expect(link.sent).toEqual([]);
    expect(link.closed).toBe(0);
    peer.receive(Buffer.from('runt'), 1);
    expect(link.sent).toEqual([]);
    expect(link.closed).toBe(1);
    expect(observer.rejections.map((r) => [r.reason, r.resultCode, r.closed])).toEqual([
      ['malformed-5014', 5014, false],
      ['malformed-5015', 5015, false],
      ['malformed-5011', 5011, false],
      ['malformed-3008', 3008, false],
      ['malformed-5014', null, false],
      ['message-too-short', null, true],
    ]);
  });

  test('an answer to nothing of ours is dropped and counted', () => {
    const { peer, link, observer } = openPeer();
    peer.receive(encodeMessage({ ...decodeMessage(acr(1)), flags: flags({}) }), 0);
    expect(link.sent).toEqual([]);
    expect(observer.rejections).toEqual([{ reason: 'unexpected-answer', resultCode: null, closed: false }]);
    peer.stop();
  });
});

describe('watchdog (RFC 3539) and disconnect', () => {
  test('DWR is answered with DWA on stream 0', () => {
    const { peer, link } = openPeer();
    peer.receive(request(Command.DeviceWatchdog, 0, [...origin]), 3);
    const { message, stream } = link.take();
    expect({ code: message.commandCode, request: message.flags.request, result: result(message), stream }).toEqual({ code: 280, request: false, result: 2001, stream: 0 });
    peer.stop();
  });

  test('after Tw of silence a DWR goes out; its DWA re-arms; a silent peer becomes SUSPECT, then DOWN (closed)', () => {
    jest.useFakeTimers();
    const { peer, link, observer } = openPeer();
    jest.advanceTimersByTime(8_001);
    const dwr = link.take();
    expect({ code: dwr.message.commandCode, request: dwr.message.flags.request, stream: dwr.stream, app: dwr.message.applicationId }).toEqual({ code: 280, request: true, stream: 0, app: 0 });
    expect(readString(findAvp(dwr.message.avps, AvpCode.OriginHost)!)).toBe('shoal.example.org');
    peer.receive(encodeMessage({ ...dwr.message, flags: flags({}), avps: [u32Avp(AvpCode.ResultCode, 2001), ...origin] }), 0);
    expect(observer.events.map((e) => e.event)).toContain('diameter.dwa-received');
    // Any message re-arms the timer: traffic keeps DWRs away.
    for (let i = 0; i < 5; i++) {
      jest.advanceTimersByTime(3_000);
      peer.receive(acr(i + 1), 1);
    }
    expect(link.sent.filter((s) => s.message.commandCode === Command.DeviceWatchdog)).toEqual([]);
    link.sent = [];
    jest.advanceTimersByTime(6_001);
    expect(link.take().message.commandCode).toBe(Command.DeviceWatchdog);
    jest.advanceTimersByTime(6_000);
    expect(observer.events.map((e) => e.event)).toContain('diameter.watchdog-suspect');
    expect(link.closed).toBe(0);
    jest.advanceTimersByTime(6_000);
    expect(observer.events.map((e) => e.event)).toContain('diameter.watchdog-down');
    expect(link.closed).toBe(1);
    peer.stop();
  });

  test('a DPR from the peer: DPA on stream 0, then the node waits for the peer to close (and closes itself after disconnectTimeoutMs)', () => {
    jest.useFakeTimers();
    const { peer, link } = openPeer();
    peer.receive(request(Command.DisconnectPeer, 0, [...origin, u32Avp(AvpCode.DisconnectCause, 0)]), 2);
    const { message, stream } = link.take();
    expect({ code: message.commandCode, result: result(message), stream }).toEqual({ code: 282, result: 2001, stream: 0 });
    expect(peer.state).toBe('closing');
    expect(link.closed).toBe(0);
    jest.advanceTimersByTime(1_001);
    expect(link.closed).toBe(1);
    peer.stop();
  });

  test('disconnect(): a DPR with Disconnect-Cause; the DPA closes the association and resolves', async () => {
    const { peer, link } = openPeer();
    const done = peer.disconnect(2);
    const dpr = link.take().message;
    expect({ code: dpr.commandCode, request: dpr.flags.request }).toEqual({ code: 282, request: true });
    expect(readU32(findAvp(dpr.avps, AvpCode.DisconnectCause)!)).toBe(2);
    expect(link.closed).toBe(0);
    peer.receive(encodeMessage({ ...dpr, flags: flags({}), avps: [u32Avp(AvpCode.ResultCode, 2001), ...origin] }), 0);
    await done;
    expect(link.closed).toBe(1);
  });

  test('disconnect() without a DPA closes after disconnectTimeoutMs; before the CER it just closes', async () => {
    jest.useFakeTimers();
    const { peer, link } = openPeer();
    const done = peer.disconnect();
    jest.advanceTimersByTime(1_001);
    await done;
    expect(link.closed).toBe(1);
    const fresh = new FakeLink();
    await new DiameterPeer(options, fresh, new Recorder()).disconnect();
    expect(fresh.sent).toEqual([]);
    expect(fresh.closed).toBe(1);
  });
});

describe('state across a hand-off', () => {
  test('the snapshot is JSON; a peer built from it is open, knows the peer, continues the ids and recognises the DWA of a DWR sent before', () => {
    jest.useFakeTimers();
    const { peer, link } = openPeer();
    jest.advanceTimersByTime(8_001);
    const dwr = link.take().message;
    const snapshot = JSON.parse(JSON.stringify(peer));
    peer.stop();
    expect(snapshot).toMatchObject({ phase: 'open', peerHost: 'fd.relay.test', peerRealm: 'relay.test', pendingDwr: dwr.hopByHop });
    const next = new FakeLink();
    const observer = new Recorder();
    const resumed = new DiameterPeer(options, next, observer, snapshot);
    expect(resumed.state).toBe('open');
    resumed.receive(encodeMessage({ ...dwr, flags: flags({}), avps: [u32Avp(AvpCode.ResultCode, 2001), ...origin] }), 0);
    expect(observer.rejections).toEqual([]);
    resumed.receive(acr(1), 1);
    expect(result(next.take().message)).toBe(ResultCode.Success);
    jest.advanceTimersByTime(8_001);
    expect(next.take().message.hopByHop).toBe((dwr.hopByHop + 1) >>> 0);
    resumed.stop();
  });

  test('resumed without state: taken as past CER, the peer learnt from its next base request', () => {
    const link = new FakeLink();
    const peer = DiameterPeer.resumedWithoutState(options, link, new Recorder());
    peer.receive(request(Command.DeviceWatchdog, 0, [...origin]), 0);
    expect(result(link.take().message)).toBe(ResultCode.Success);
    expect(peer.identity.host).toBe('fd.relay.test');
    peer.stop();
  });
});
