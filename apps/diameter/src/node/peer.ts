// One Diameter peer connection (RFC 6733 section 5) on one SCTP association,
// independent of Shoal: the capabilities exchange (CER/CEA), the watchdog
// (DWR/DWA both ways, RFC 3539), the disconnect (DPR/DPA both ways), the
// accounting application (ACR/ACA) and the answers to malformed or
// unsupported requests. It sends through a PeerLink and reports through a
// PeerObserver. Its state (toJSON) is plain JSON so that it can travel with
// the association when Shoal hands it to another worker.
import {
  type Avp, Application, AvpCode, Command, DIAMETER_PPID, DiameterDecodeError, type DiameterHeader, type DiameterMessage, InbandSecurity, ResultCode,
  addressAvp, commandName, decodeHeader, decodeMessage, encodeMessage, findAvp, findAvps, flags, readGrouped, readString, readU32,
  stringAvp, u32Avp,
} from '../codec';
import { answerTo, errorAnswer, missingAvp, originAvps } from './answers';
import type { DiameterNodeOptions } from './options';
import { firstUnsupportedMandatory } from './understood-avps';
import { Watchdog, type WatchdogState } from './watchdog';

/** How a peer sends: one SCTP association. */
export interface PeerLink {
  /** Sends one message on `stream` with Diameter's PPID; false when it could not (closing or gone). */
  send(data: Buffer, stream: number, ppid: number): boolean;
  /** Outbound streams of the association. */
  readonly outboundStreams: number;
  /** Graceful SHUTDOWN once what was sent is delivered. */
  close(): void;
}

/** What a peer reports (metrics and logs). */
export interface PeerObserver {
  /** A message decoded and handled (`name`: CER, ACA, ...; "other" for the rest). */
  received(name: string, stream: number): void;
  sent(name: string, stream: number, resultCode?: number): void;
  /** A message this node could not serve: answered with `resultCode`, or dropped (null), and whether the association is closed for it. */
  rejected(reason: string, resultCode: number | null, closed: boolean, detail: string): void;
  /** A state change worth a log line: `event` is its stable name (diameter.*). */
  event(event: string, fields: Record<string, unknown>): void;
}

export type PeerPhase = 'wait-cer' | 'open' | 'closing';

/** What a peer knows, as JSON (PeerLink and timers stay behind). */
export interface PeerSnapshot {
  readonly phase: PeerPhase;
  readonly peerHost?: string;
  readonly peerRealm?: string;
  readonly nextHopByHop: number;
  readonly nextEndToEnd: number;
  /** Hop-by-hop id of our DWR still waiting for its DWA. */
  readonly pendingDwr?: number;
}

/** The base protocol's messages (CEA, DWR/DWA, DPR/DPA) go on stream 0; requests are answered on their own stream (RFC 6733 section 2.1.1). */
export const BASE_STREAM = 0;

const uint32 = (n: number): number => n >>> 0;

export class DiameterPeer {
  private phase: PeerPhase = 'wait-cer';
  private peerHost: string | undefined;
  private peerRealm: string | undefined;
  private nextHopByHop: number;
  private nextEndToEnd: number;
  private pendingDwr: number | undefined;
  private pendingDpr: { hopByHop: number; done: () => void } | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private readonly watchdog: Watchdog;
  private stopped = false;

  constructor(
    private readonly options: DiameterNodeOptions,
    private readonly link: PeerLink,
    private readonly observer: PeerObserver,
    snapshot?: PeerSnapshot,
    random: () => number = Math.random,
  ) {
    this.nextHopByHop = uint32(Math.floor(random() * 0x100000000));
    // RFC 6733 section 3: the high 12 bits from the clock, the low 20 random.
    this.nextEndToEnd = uint32(((Math.floor(Date.now() / 1000) & 0xfff) << 20) | Math.floor(random() * 0x100000));
    if (snapshot) {
      this.phase = snapshot.phase;
      this.peerHost = snapshot.peerHost;
      this.peerRealm = snapshot.peerRealm;
      this.nextHopByHop = snapshot.nextHopByHop;
      this.nextEndToEnd = snapshot.nextEndToEnd;
      this.pendingDwr = snapshot.pendingDwr;
    }
    this.watchdog = new Watchdog(options.watchdogMs, { sendDwr: () => this.sendDwr(), changed: (s) => this.watchdogChanged(s) }, random);
    if (this.phase === 'open') this.watchdog.start();
  }

  /**
   * An association handed over without its state (a transport that does not
   * carry it): it was served before, so it is taken as past its CER; the
   * peer's identity is learnt again from its next request.
   */
  static resumedWithoutState(options: DiameterNodeOptions, link: PeerLink, observer: PeerObserver): DiameterPeer {
    const peer = new DiameterPeer(options, link, observer);
    peer.phase = 'open';
    peer.watchdog.start();
    return peer;
  }

  get state(): PeerPhase {
    return this.phase;
  }

  get identity(): { host?: string; realm?: string } {
    return { host: this.peerHost, realm: this.peerRealm };
  }

  toJSON(): PeerSnapshot {
    return {
      phase: this.phase,
      ...(this.peerHost !== undefined && { peerHost: this.peerHost, peerRealm: this.peerRealm }),
      nextHopByHop: this.nextHopByHop,
      nextEndToEnd: this.nextEndToEnd,
      ...(this.pendingDwr !== undefined && { pendingDwr: this.pendingDwr }),
    };
  }

  /** The association is gone (or moved to another worker): no timer of this peer fires again. */
  stop(): void {
    this.stopped = true;
    this.watchdog.stop();
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = undefined;
    const dpr = this.pendingDpr;
    this.pendingDpr = undefined;
    dpr?.done();
  }

  /** One SCTP message from the peer. */
  receive(data: Buffer, stream: number): void {
    if (this.stopped) return;
    const header = decodeHeader(data);
    if (header === undefined) {
      // Nothing to answer to: no command code, no identifiers.
      this.reject('message-too-short', null, true, `${data.length} bytes are fewer than a Diameter header`);
      return;
    }
    let message: DiameterMessage;
    try {
      message = decodeMessage(data);
    } catch (err) {
      if (!(err instanceof DiameterDecodeError)) throw err;
      this.malformed(header, err, stream);
      return;
    }
    this.observer.received(commandName(message.commandCode, message.flags.request), stream);
    if (this.phase === 'open' || this.phase === 'closing') {
      this.watchdog.heard(!message.flags.request && message.commandCode === Command.DeviceWatchdog && message.hopByHop === this.pendingDwr);
    }
    if (message.flags.request) this.request(message, stream);
    else this.answer(message);
  }

  /**
   * Sends a DPR (RFC 6733 section 5.4) and resolves once its DPA came and the
   * association was closed by this side (the initiator closes), or after
   * disconnectTimeoutMs. An association not past its CER is just closed.
   */
  disconnect(cause = this.options.disconnectCause): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.phase !== 'open') {
      this.link.close();
      return Promise.resolve();
    }
    this.phase = 'closing';
    this.watchdog.stop();
    const hopByHop = this.takeHopByHop();
    const dpr = this.request_(Command.DisconnectPeer, hopByHop, [...originAvps(this.options), u32Avp(AvpCode.DisconnectCause, cause)]);
    this.observer.event('diameter.dpr-sent', { peerHost: this.peerHost, cause });
    return new Promise<void>((resolve) => {
      const done = (): void => {
        if (this.closeTimer) clearTimeout(this.closeTimer);
        this.closeTimer = undefined;
        this.pendingDpr = undefined;
        this.link.close();
        resolve();
      };
      this.pendingDpr = { hopByHop, done };
      if (!this.send(dpr, BASE_STREAM)) {
        done();
        return;
      }
      this.closeTimer = setTimeout(() => {
        this.observer.event('diameter.dpa-timeout', { peerHost: this.peerHost, ms: this.options.disconnectTimeoutMs });
        done();
      }, this.options.disconnectTimeoutMs);
    });
  }

  // --- requests ---------------------------------------------------------------------------

  private request(m: DiameterMessage, stream: number): void {
    if (m.commandCode === Command.CapabilitiesExchange) {
      this.capabilitiesExchange(m);
      return;
    }
    if (this.phase === 'wait-cer') {
      // RFC 6733 section 5.3: nothing but a CER before the capabilities exchange.
      this.answerError(m, stream, ResultCode.UnableToComply, 'no capabilities exchange yet: a CER must come first (RFC 6733 section 5.3)', 'request-before-cer', true);
      return;
    }
    const unsupported = firstUnsupportedMandatory(m.avps);
    if (unsupported) {
      this.answerError(m, stream, ResultCode.AvpUnsupported, `AVP ${unsupported.code}${unsupported.vendorId !== undefined ? ` of vendor ${unsupported.vendorId}` : ''} has the M bit and is not supported`, 'avp-unsupported', false, {
        ...unsupported,
        data: unsupported.data,
      });
      return;
    }
    const origin = this.requiredOrigin(m, stream);
    if (origin === undefined) return;
    if (this.peerHost === undefined && m.applicationId === Application.Common) {
      // A resumed association whose state did not travel: the peer names itself in every request.
      this.peerHost = origin.host;
      this.peerRealm = origin.realm;
    }
    switch (m.applicationId) {
      case Application.Common:
        if (m.commandCode === Command.DeviceWatchdog) return this.watchdogRequest(m);
        if (m.commandCode === Command.DisconnectPeer) return this.disconnectRequest(m);
        return this.answerError(m, stream, ResultCode.CommandUnsupported, `command ${m.commandCode} is not a command of the base protocol`, 'command-unsupported');
      case Application.BaseAccounting:
        if (m.commandCode === Command.Accounting) return this.accounting(m, stream);
        return this.answerError(m, stream, ResultCode.CommandUnsupported, `command ${m.commandCode} is not a command of base accounting (application 3)`, 'command-unsupported');
      default:
        return this.answerError(m, stream, ResultCode.ApplicationUnsupported, `application ${m.applicationId} is not supported (this node serves base accounting, application 3)`, 'application-unsupported');
    }
  }

  /** Origin-Host and Origin-Realm, which every request carries; answered DIAMETER_MISSING_AVP (5005) without them. */
  private requiredOrigin(m: DiameterMessage, stream: number): { host: string; realm: string } | undefined {
    for (const code of [AvpCode.OriginHost, AvpCode.OriginRealm]) {
      if (!findAvp(m.avps, code)) {
        this.answerError(m, stream, ResultCode.MissingAvp, `AVP ${code} (${code === AvpCode.OriginHost ? 'Origin-Host' : 'Origin-Realm'}) is missing`, 'missing-avp', false, missingAvp(code));
        return undefined;
      }
    }
    const values = this.read(m, stream, () => ({ host: readString(findAvp(m.avps, AvpCode.OriginHost)!), realm: readString(findAvp(m.avps, AvpCode.OriginRealm)!) }));
    return values;
  }

  /** Runs a reader of AVP values; a value that does not fit its format is answered with the reader's Result-Code. */
  private read<T>(m: DiameterMessage, stream: number, reader: () => T, closeOnError = false): T | undefined {
    try {
      return reader();
    } catch (err) {
      if (!(err instanceof DiameterDecodeError)) throw err;
      this.answerError(m, stream, err.resultCode, err.message, 'invalid-avp', closeOnError, err.failedAvp);
      return undefined;
    }
  }

  private capabilitiesExchange(m: DiameterMessage): void {
    if (this.phase !== 'wait-cer') {
      this.answerError(m, BASE_STREAM, ResultCode.UnableToComply, 'the capabilities were exchanged already on this association', 'cer-again');
      return;
    }
    const required: [number, string][] = [
      [AvpCode.OriginHost, 'Origin-Host'],
      [AvpCode.OriginRealm, 'Origin-Realm'],
      [AvpCode.HostIpAddress, 'Host-IP-Address'],
      [AvpCode.VendorId, 'Vendor-Id'],
      [AvpCode.ProductName, 'Product-Name'],
    ];
    for (const [code, name] of required) {
      if (!findAvp(m.avps, code)) {
        this.answerError(m, BASE_STREAM, ResultCode.MissingAvp, `the CER has no ${name} (AVP ${code})`, 'missing-avp', true, missingAvp(code, code === AvpCode.HostIpAddress ? 6 : 4));
        return;
      }
    }
    const cer = this.read(
      m,
      BASE_STREAM,
      () => {
        const applications: number[] = [
          ...findAvps(m.avps, AvpCode.AuthApplicationId).map(readU32),
          ...findAvps(m.avps, AvpCode.AcctApplicationId).map(readU32),
        ];
        for (const vsa of findAvps(m.avps, AvpCode.VendorSpecificApplicationId)) {
          const inner = readGrouped(vsa);
          applications.push(...findAvps(inner, AvpCode.AuthApplicationId).map(readU32), ...findAvps(inner, AvpCode.AcctApplicationId).map(readU32));
        }
        return {
          host: readString(findAvp(m.avps, AvpCode.OriginHost)!),
          realm: readString(findAvp(m.avps, AvpCode.OriginRealm)!),
          applications,
          security: findAvps(m.avps, AvpCode.InbandSecurityId).map(readU32),
        };
      },
      true,
    );
    if (cer === undefined) return;
    if (!cer.applications.includes(Application.BaseAccounting) && !cer.applications.includes(Application.Relay)) {
      this.answerError(m, BASE_STREAM, ResultCode.NoCommonApplication, `no common application: the peer offers [${cer.applications.join(', ')}], this node base accounting (3)`, 'no-common-application', true);
      return;
    }
    if (cer.security.length > 0 && !cer.security.includes(InbandSecurity.NoInbandSecurity)) {
      this.answerError(m, BASE_STREAM, ResultCode.NoCommonSecurity, 'the peer asks for in-band TLS, which this node does not do (use TLS/DTLS on connect, RFC 6733 section 2.2)', 'no-common-security', true);
      return;
    }
    this.phase = 'open';
    this.peerHost = cer.host;
    this.peerRealm = cer.realm;
    const avps: Avp[] = [
      u32Avp(AvpCode.ResultCode, ResultCode.Success),
      ...originAvps(this.options),
      ...this.options.hostIpAddresses.map((ip) => addressAvp(AvpCode.HostIpAddress, ip)),
      u32Avp(AvpCode.VendorId, this.options.vendorId),
      stringAvp(AvpCode.ProductName, this.options.productName, { mandatory: false }),
      u32Avp(AvpCode.AcctApplicationId, Application.BaseAccounting),
      ...(cer.security.length > 0 ? [u32Avp(AvpCode.InbandSecurityId, InbandSecurity.NoInbandSecurity)] : []),
      u32Avp(AvpCode.FirmwareRevision, this.options.firmwareRevision, { mandatory: false }),
    ];
    this.send(answerTo(m, avps, ResultCode.Success), BASE_STREAM, ResultCode.Success);
    this.watchdog.start();
    this.observer.event('diameter.peer-open', { peerHost: cer.host, peerRealm: cer.realm, applications: cer.applications });
  }

  private watchdogRequest(m: DiameterMessage): void {
    this.observer.event('diameter.dwr-answered', { peerHost: this.peerHost });
    this.send(answerTo(m, [u32Avp(AvpCode.ResultCode, ResultCode.Success), ...originAvps(this.options)], ResultCode.Success), BASE_STREAM, ResultCode.Success);
  }

  private disconnectRequest(m: DiameterMessage): void {
    const cause = findAvp(m.avps, AvpCode.DisconnectCause);
    this.send(answerTo(m, [u32Avp(AvpCode.ResultCode, ResultCode.Success), ...originAvps(this.options)], ResultCode.Success), BASE_STREAM, ResultCode.Success);
    // RFC 6733 section 5.6: the receiver of a DPR answers and waits, in Closing, for the peer to close.
    this.phase = 'closing';
    this.watchdog.stop();
    this.observer.event('diameter.dpr-received', { peerHost: this.peerHost, cause: cause?.data.length === 4 ? readU32(cause) : null });
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = setTimeout(() => {
      this.observer.event('diameter.peer-did-not-close', { peerHost: this.peerHost, ms: this.options.disconnectTimeoutMs });
      this.link.close();
    }, this.options.disconnectTimeoutMs);
    this.closeTimer.unref();
  }

  /** ACR (RFC 6733 section 9.7.1): answered ACA with DIAMETER_SUCCESS, echoing Session-Id, the record type and number, and any Proxy-Info. */
  private accounting(m: DiameterMessage, stream: number): void {
    const required: [number, string][] = [
      [AvpCode.SessionId, 'Session-Id'],
      [AvpCode.DestinationRealm, 'Destination-Realm'],
      [AvpCode.AccountingRecordType, 'Accounting-Record-Type'],
      [AvpCode.AccountingRecordNumber, 'Accounting-Record-Number'],
    ];
    for (const [code, name] of required) {
      if (!findAvp(m.avps, code)) {
        this.answerError(m, stream, ResultCode.MissingAvp, `the ACR has no ${name} (AVP ${code})`, 'missing-avp', false, missingAvp(code));
        return;
      }
    }
    const sessionId = findAvp(m.avps, AvpCode.SessionId)!;
    const acr = this.read(m, stream, () => ({
      destinationRealm: readString(findAvp(m.avps, AvpCode.DestinationRealm)!),
      destinationHost: ((a) => (a ? readString(a) : undefined))(findAvp(m.avps, AvpCode.DestinationHost)),
      recordType: readU32(findAvp(m.avps, AvpCode.AccountingRecordType)!),
      recordNumber: readU32(findAvp(m.avps, AvpCode.AccountingRecordNumber)!),
    }));
    if (acr === undefined) return;
    if (acr.destinationRealm.toLowerCase() !== this.options.originRealm.toLowerCase()) {
      this.answerError(m, stream, ResultCode.RealmNotServed, `realm ${acr.destinationRealm} is not served here (${this.options.originRealm} is)`, 'realm-not-served', false, undefined, sessionId);
      return;
    }
    if (acr.destinationHost !== undefined && acr.destinationHost.toLowerCase() !== this.options.originHost.toLowerCase()) {
      this.answerError(m, stream, ResultCode.UnableToDeliver, `Destination-Host ${acr.destinationHost} is not this node (${this.options.originHost})`, 'unable-to-deliver', false, undefined, sessionId);
      return;
    }
    if (acr.recordType < 1 || acr.recordType > 4) {
      this.answerError(m, stream, ResultCode.InvalidAvpValue, `Accounting-Record-Type ${acr.recordType}: 1 (EVENT) to 4 (STOP) expected`, 'invalid-avp', false, findAvp(m.avps, AvpCode.AccountingRecordType), sessionId);
      return;
    }
    const avps: Avp[] = [
      sessionId,
      u32Avp(AvpCode.ResultCode, ResultCode.Success),
      ...originAvps(this.options),
      u32Avp(AvpCode.AccountingRecordType, acr.recordType),
      u32Avp(AvpCode.AccountingRecordNumber, acr.recordNumber),
      u32Avp(AvpCode.AcctApplicationId, Application.BaseAccounting),
      ...findAvps(m.avps, AvpCode.ProxyInfo),
    ];
    this.send(answerTo(m, avps, ResultCode.Success), stream, ResultCode.Success);
  }

  // --- answers ----------------------------------------------------------------------------

  private answer(m: DiameterMessage): void {
    if (m.commandCode === Command.DeviceWatchdog && m.hopByHop === this.pendingDwr) {
      this.pendingDwr = undefined;
      this.observer.event('diameter.dwa-received', { peerHost: this.peerHost, resultCode: this.resultCodeOf(m) });
      return;
    }
    if (m.commandCode === Command.DisconnectPeer && this.pendingDpr?.hopByHop === m.hopByHop) {
      this.observer.event('diameter.dpa-received', { peerHost: this.peerHost, resultCode: this.resultCodeOf(m) });
      this.pendingDpr.done();
      return;
    }
    // Nothing of ours is waiting for it (an answer is never answered).
    this.reject('unexpected-answer', null, false, `an answer (command ${m.commandCode}, hop-by-hop ${m.hopByHop}) to no request of this node`);
  }

  private resultCodeOf(m: DiameterMessage): number | null {
    const a = findAvp(m.avps, AvpCode.ResultCode);
    return a?.data.length === 4 ? readU32(a) : null;
  }

  // --- sending ----------------------------------------------------------------------------

  private sendDwr(): boolean {
    if (this.phase !== 'open' || this.stopped) return false;
    const hopByHop = this.takeHopByHop();
    this.pendingDwr = hopByHop;
    this.observer.event('diameter.dwr-sent', { peerHost: this.peerHost });
    return this.send(this.request_(Command.DeviceWatchdog, hopByHop, originAvps(this.options)), BASE_STREAM);
  }

  private watchdogChanged(state: WatchdogState): void {
    this.observer.event(`diameter.watchdog-${state}`, { peerHost: this.peerHost });
    if (state === 'down') this.link.close();
  }

  private request_(commandCode: number, hopByHop: number, avps: Avp[]): DiameterMessage {
    const endToEnd = this.nextEndToEnd;
    this.nextEndToEnd = uint32(this.nextEndToEnd + 1);
    return { flags: flags({ request: true }), commandCode, applicationId: Application.Common, hopByHop, endToEnd, avps };
  }

  private takeHopByHop(): number {
    const id = this.nextHopByHop;
    this.nextHopByHop = uint32(id + 1);
    return id;
  }

  private send(m: DiameterMessage, stream: number, resultCode?: number): boolean {
    const out = stream < this.link.outboundStreams ? stream : stream % Math.max(1, this.link.outboundStreams);
    const ok = this.link.send(encodeMessage(m), out, DIAMETER_PPID);
    if (ok) this.observer.sent(commandName(m.commandCode, m.flags.request), out, resultCode);
    return ok;
  }

  // --- errors -----------------------------------------------------------------------------

  /** A message that did not decode: a request is answered with the Result-Code RFC 6733 gives; an answer is dropped. */
  private malformed(header: DiameterHeader, err: DiameterDecodeError, stream: number): void {
    const reason = `malformed-${err.resultCode}`;
    if (!header.flags.request) {
      this.reject(reason, null, false, `a malformed answer was dropped: ${err.message}`);
      return;
    }
    // Before the capabilities exchange there is no peer to keep: answer, then close.
    const close = this.phase === 'wait-cer';
    const answer = errorAnswer(header, this.options, err.resultCode, {
      errorMessage: err.message,
      ...(err.failedAvp && { failedAvp: err.failedAvp }),
    });
    this.send(answer, header.commandCode === Command.CapabilitiesExchange ? BASE_STREAM : stream, err.resultCode);
    this.reject(reason, err.resultCode, close, err.message);
  }

  private answerError(m: DiameterMessage, stream: number, resultCode: number, message: string, reason: string, close = false, failedAvp?: Avp, sessionId?: Avp): void {
    const session = sessionId ?? findAvp(m.avps, AvpCode.SessionId);
    this.send(errorAnswer(m, this.options, resultCode, { errorMessage: message, ...(failedAvp && { failedAvp }), ...(session && { sessionId: session }) }), stream, resultCode);
    this.reject(reason, resultCode, close, message);
  }

  private reject(reason: string, resultCode: number | null, close: boolean, detail: string): void {
    this.observer.rejected(reason, resultCode, close, detail);
    if (close) {
      this.stop();
      this.link.close();
    }
  }
}
