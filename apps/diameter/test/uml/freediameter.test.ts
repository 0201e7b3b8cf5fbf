// The Diameter example against a real peer, inside User-Mode Linux (kernel
// SCTP): freeDiameter (Debian's freediameterd) connects to the Shoal node
// (1 worker: freeDiameter's one association lives in one worker, and each
// rolling reload moves it once; a second worker would only double the boots
// a reload takes in UML) over multi-homed SCTP, and relays to it the accounting requests
// of a test client that is connected to freeDiameter over TCP:
//
//   test client --TCP--> freeDiameter (relay, 192.0.2.1) --SCTP--> Shoal node (192.0.2.2 + 192.0.2.3)
//
// One cluster and one freeDiameter for the whole file; the tests run in order.
import { join } from 'node:path';
import { readSctpAssocs, readSctpSnmp } from '@shoal/sctp';
import {
  type Avp, Application, AvpCode, COMMAND_FLAG, Command, type DiameterMessage, ResultCode,
  encodeMessage, flags, readGrouped, stringAvp, u32Avp,
} from '../../src/codec';
import { type Cluster, type LogLine, startCluster, stopAllClusters, testControlSocket, within } from '../../../../test/helpers/cluster';
import { DiameterClient, resultCode, sctpWire, stringOf, tcpWire, u32Of } from './diameter-client';
import { FreeDiameter } from './freediameter';

const SHOAL = { identity: 'shoal.shoal.test', realm: 'shoal.test', addresses: ['192.0.2.2', '192.0.2.3'] };
const FD = { identity: 'fd.relay.test', realm: 'relay.test', address: '192.0.2.1', port: 3870 };
const CLIENT = { host: 'client.relay.test', realm: 'relay.test', address: FD.address };
/** The source address of the clients that talk to the node directly (a 127/8 source cannot reach 192.0.2.x). */
const DIRECT = '192.0.2.4';
/** 10 (the number); SHOAL_DIAMETER_TEST_RELOADS=2 for a quicker look while developing. */
const RELOADS = Number(process.env.SHOAL_DIAMETER_TEST_RELOADS ?? 10);
/** Tw on both sides (RFC 3539's minimum): short enough to see DWRs both ways in an idle moment. */
const TW_SECONDS = 6;

/** Progress as it happens (jest prints console output only at the end of the file): what to read when a guest times out. */
const progress = (line: string): boolean => process.stderr.write(`[diameter ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

let cluster: Cluster;
let fd: FreeDiameter;
let client: DiameterClient;

/** freeDiameter's state changes of its peer connection to the Shoal node ('STATE_A' -> 'STATE_B' 'shoal.shoal.test'). */
function fdTransitions(): string[] {
  return fd.matching(new RegExp(`'STATE_\\w+'\\s+-> '?STATE_\\w+.*${SHOAL.identity.replace(/\./g, '\\.')}`));
}

const appEvents = (event: string, where: (l: LogLine) => boolean = () => true): LogLine[] => cluster.logs.filter((l) => l.event === event && where(l));
const fromFd = (l: LogLine): boolean => l.peerHost === FD.identity;

/** The value of one series of the cluster's /metrics (0 when absent). */
async function metric(series: RegExp): Promise<number> {
  const text = await cluster.metrics();
  return text.split('\n').filter((l) => series.test(l)).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

beforeAll(async () => {
  cluster = await startCluster({
    entry: join(__dirname, 'service.js'),
    config: {
      workers: 1,
      admin: { host: '127.0.0.1', port: 0 },
      control: { path: testControlSocket() },
      logLevel: 'info',
      drainTimeoutMs: 10_000,
      // UML on a shared host boots a Nest worker slowly: these tests are about Diameter, not boot time.
      readyTimeoutMs: 120_000,
      watchdog: { timeoutMs: 60_000, report: false },
    },
    env: {
      SHOAL_DIAMETER_ADDRESSES: SHOAL.addresses.join(','),
      SHOAL_DIAMETER_ORIGIN_HOST: SHOAL.identity,
      SHOAL_DIAMETER_ORIGIN_REALM: SHOAL.realm,
      SHOAL_DIAMETER_WATCHDOG_MS: String(TW_SECONDS * 1000),
      // Workers boot at every reload: V8's code cache, kept in the guest's /tmp, spares each boot after the first
      // the compilation of every module, which UML's trapped system calls make slow.
      NODE_COMPILE_CACHE: '/tmp/shoal-diameter-compile-cache',
    },
  });
  progress(`cluster up (port ${cluster.ports.diameter}); starting freeDiameter`);
  fd = FreeDiameter.start({
    identity: FD.identity,
    realm: FD.realm,
    listenOn: [FD.address],
    port: FD.port,
    shoal: { identity: SHOAL.identity, realm: SHOAL.realm, addresses: SHOAL.addresses, port: cluster.ports.diameter, twSeconds: TW_SECONDS },
    clients: [CLIENT.host],
  });
}, 300_000);

beforeEach(() => void progress(`test: ${expect.getState().currentTestName}`));

afterAll(async () => {
  fd?.kill();
  await stopAllClusters();
});

describe('the Diameter node on Shoal, with freeDiameter as its peer', () => {
  test('capabilities exchange: freeDiameter connects over multi-homed SCTP and gets a CEA with both Host-IP-Addresses; the client connects to freeDiameter', async () => {
    const open = await cluster.waitForEvent('diameter.peer-open', fromFd, 60_000);
    // freeDiameter is a relay: it offers the relay application.
    expect(open.applications).toEqual([Application.Relay]);
    await fd.waitFor(new RegExp(`'STATE_WAITCEA'\\s+-> 'STATE_OPEN'\\s+'${SHOAL.identity}'`), 30_000);
    const cea = await fd.waitFor(/Capabilities-Exchange-Answer/, 1_000);
    expect(cea).toContain("Result-Code(268)[-M]='DIAMETER_SUCCESS'");
    for (const a of SHOAL.addresses) expect(cea).toContain(`Host-IP-Address(257)[-M]=${a}`);
    expect(cea).toContain('Acct-Application-Id(259)[-M]=3');
    // Multi-homed: the kernel's association on the Shoal node's port has both local addresses.
    const assoc = readSctpAssocs().find((a) => a.localPort === cluster.ports.diameter);
    expect(assoc?.localAddresses.slice().sort()).toEqual(SHOAL.addresses);
    expect(assoc?.remoteAddresses).toContain(FD.address);

    client = new DiameterClient(await tcpWire(FD.address, FD.port), CLIENT);
    const answer = await client.capabilities();
    expect(resultCode(answer)).toBe(ResultCode.Success);
    expect(stringOf(answer, AvpCode.OriginHost)).toBe(FD.identity);
  }, 120_000);

  test('watchdog: the node answers freeDiameter\'s DWR, and sends its own DWR after Tw of silence, which freeDiameter answers', async () => {
    // Both sides re-arm Tw (jittered) on every message: whichever fires first sends; within 20 Tw each side has fired.
    const limit = 20 * TW_SECONDS * 1000;
    await within(Promise.all([cluster.waitForEvent('diameter.dwa-received', fromFd, limit), cluster.waitForEvent('diameter.dwr-answered', fromFd, limit)]), limit + 1_000, 'DWR/DWA both ways');
    expect(appEvents('diameter.dwa-received', fromFd)[0].resultCode).toBe(ResultCode.Success);
    expect(appEvents('diameter.watchdog-suspect')).toEqual([]);
  }, 180_000);

  test(`a stream of accounting requests through freeDiameter across ${RELOADS} rolling reloads: the SCTP association moves with its Diameter state and is never lost; every request answered exactly once`, async () => {
    const snmpBefore = readSctpSnmp();
    const firstPids = await cluster.workerPids();
    const answered = new Map<string, number>();
    const problems: string[] = [];
    let sent = 0;
    let stop = false;
    // 4 sessions at a time, each a sequence of EVENT records, paced (250 ms after each answer) to leave the guest's one CPU
    // to the reloads: unpaced, requests only slowed each reload's worker boots.
    const lane = async (laneId: number): Promise<void> => {
      for (let n = 1; !stop; n++) {
        const session = `${CLIENT.host};${laneId};${Date.now()}`;
        sent++;
        let a: DiameterMessage;
        try {
          a = await client.accounting(session, n, SHOAL.realm, 0);
        } catch (err) {
          problems.push(`${session}/${n}: ${(err as Error).message}`);
          return;
        }
        const key = `${stringOf(a, AvpCode.SessionId)}/${u32Of(a, AvpCode.AccountingRecordNumber)}`;
        if (key !== `${session}/${n}`) problems.push(`${session}/${n} answered as ${key}`);
        if (resultCode(a) !== ResultCode.Success) problems.push(`${key}: Result-Code ${resultCode(a)}`);
        if (stringOf(a, AvpCode.OriginHost) !== SHOAL.identity) problems.push(`${key}: answered by ${stringOf(a, AvpCode.OriginHost)}`);
        answered.set(key, (answered.get(key) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    const lanes = [1, 2, 3, 4].map(lane);
    const t0 = Date.now();
    const reloads: LogLine[] = [];
    for (let i = 1; i <= RELOADS; i++) {
      reloads.push(...(await cluster.reloads(1, 240_000)));
      progress(`reload ${i}: ${reloads.at(-1)?.event} after ${Date.now() - t0} ms; ${sent} requests sent, ${answered.size} answered, ${problems.length} problems`);
    }
    expect(reloads.map((l) => l.event)).toEqual(Array(RELOADS).fill('reload.finished'));
    // A few more requests to the last generation of workers, then the lanes stop.
    const atEnd = sent;
    while (sent < atEnd + 20 && problems.length === 0) await new Promise((r) => setTimeout(r, 50));
    stop = true;
    await within(Promise.all(lanes), 120_000, 'the last requests');
    console.log(`${RELOADS} reloads in ${Date.now() - t0} ms; ${sent} requests sent through freeDiameter, ${answered.size} answered`);

    expect(problems).toEqual([]);
    expect(client.unmatched).toEqual([]);
    expect(answered.size).toBe(sent);
    expect([...answered.values()].every((count) => count === 1)).toBe(true);
    expect(sent).toBeGreaterThanOrEqual(300);

    const lastPids = await cluster.workerPids();
    expect(lastPids.some((p) => firstPids.includes(p))).toBe(false);
    // The association moved to the next worker at every reload, its state with it (past CER, the peer's identity).
    const ups = appEvents('diameter.association-up', fromFd);
    const resumed = ups.filter((l) => l.resumed === true);
    expect(ups.filter((l) => l.resumed === false)).toHaveLength(0);
    expect(resumed.length).toBeGreaterThanOrEqual(RELOADS);
    expect(resumed.every((l) => l.stateCarried === true && l.phase === 'open')).toBe(true);
    expect(await metric(/^shoal_sctp_associations_handed_off_total\{listener="diameter"/)).toBeGreaterThanOrEqual(RELOADS);
    // Never lost: no association-down on the Shoal side, no state change on freeDiameter's since OPEN, no ABORT in the kernel.
    expect(appEvents('diameter.association-down', (l) => l.peerHost === FD.identity || l.peerHost === undefined)).toEqual([]);
    expect(fdTransitions()).toEqual([expect.stringMatching(/'STATE_WAITCEA'\s+-> 'STATE_OPEN'/)]);
    expect(readSctpSnmp().SctpAborteds).toBe(snmpBefore.SctpAborteds);
    // Multi-stream: freeDiameter spreads requests over streams; each is answered on its own stream.
    const streams = (await cluster.metrics()).split('\n').filter((l) => /^shoal_sctp_messages_received_total\{listener="diameter"/.test(l) && !l.endsWith(' 0'));
    console.log(streams.join('\n'));
    expect(streams.length).toBeGreaterThan(1);
    expect(await metric(/^diameter_messages_sent_total\{command="ACA",result_code="2001"\}/)).toBeGreaterThanOrEqual(sent);
  }, 1_800_000);

  test('malformed and unsupported messages straight over SCTP: answered per RFC 6733 (5014, 5015, 5011, 3008, 3001, 3007, 5001, 5005, 3003) or the association closed, each counted', async () => {
    const direct = new DiameterClient(await sctpWire(SHOAL.addresses, cluster.ports.diameter, DIRECT), { host: 'direct.shoal.test', realm: SHOAL.realm, address: DIRECT });
    expect(resultCode(await direct.capabilities())).toBe(ResultCode.Success);
    const acr = (avps: Avp[] = [], o: { commandCode?: number; applicationId?: number; flags?: number } = {}): Buffer => {
      const buf = encodeMessage({
        flags: flags({ request: true, proxiable: true }),
        commandCode: o.commandCode ?? Command.Accounting,
        applicationId: o.applicationId ?? Application.BaseAccounting,
        ...direct.nextIds(),
        avps: [stringAvp(AvpCode.SessionId, 'direct;1'), ...direct.origin(), stringAvp(AvpCode.DestinationRealm, SHOAL.realm), u32Avp(AvpCode.AccountingRecordType, 1), u32Avp(AvpCode.AccountingRecordNumber, 1), ...avps],
      });
      if (o.flags !== undefined) buf[4] = o.flags;
      return buf;
    };
    const expectAnswer = async (data: Buffer, code: number, failedAvp?: number, stream = 3): Promise<DiameterMessage> => {
      const a = await direct.raw(data, stream);
      expect({ code: resultCode(a), error: a.flags.error }).toEqual({ code, error: code >= 3000 && code < 4000 });
      expect(a.flags.request).toBe(false);
      if (failedAvp !== undefined) expect(readGrouped(a.avps.find((x) => x.code === AvpCode.FailedAvp)!)[0].code).toBe(failedAvp);
      return a;
    };
    // The valid request first: 2001, echoing the Session-Id and the record number.
    const ok = await expectAnswer(acr(), ResultCode.Success);
    expect(stringOf(ok, AvpCode.SessionId)).toBe('direct;1');
    // An AVP whose length runs past the message: DIAMETER_INVALID_AVP_LENGTH, with the AVP in Failed-AVP.
    const badAvp = acr();
    badAvp.writeUIntBE(0xffff, badAvp.length - 12 + 5, 3);
    await expectAnswer(badAvp, ResultCode.InvalidAvpLength, AvpCode.AccountingRecordNumber);
    const badLength = acr();
    badLength.writeUIntBE(badLength.length + 4, 1, 3);
    await expectAnswer(badLength, ResultCode.InvalidMessageLength);
    const v2 = acr();
    v2[0] = 2;
    await expectAnswer(v2, ResultCode.UnsupportedVersion);
    await expectAnswer(acr([], { flags: COMMAND_FLAG.request | 0x01 }), ResultCode.InvalidHdrBits);
    await expectAnswer(acr([], { commandCode: 272 }), ResultCode.CommandUnsupported);
    await expectAnswer(acr([], { applicationId: 16777216 }), ResultCode.ApplicationUnsupported);
    await expectAnswer(acr([{ code: 4242, vendorId: 10415, mandatory: true, data: Buffer.alloc(4) }]), ResultCode.AvpUnsupported, 4242);
    const noNumber = encodeMessage({ ...acrMessage(direct), avps: acrMessage(direct).avps.filter((a) => a.code !== AvpCode.AccountingRecordNumber) });
    await expectAnswer(noNumber, ResultCode.MissingAvp, AvpCode.AccountingRecordNumber);
    const otherRealm = encodeMessage({ ...acrMessage(direct), avps: acrMessage(direct).avps.map((a) => (a.code === AvpCode.DestinationRealm ? stringAvp(AvpCode.DestinationRealm, 'elsewhere.test') : a)) });
    await expectAnswer(otherRealm, ResultCode.RealmNotServed);
    // The association survived all of that.
    expect(resultCode(await direct.accounting('direct;2', 2, SHOAL.realm, 5))).toBe(ResultCode.Success);

    // The peer disconnects (RFC 6733 section 5.4): DPA, then the node lets the peer close.
    const dpa = await direct.disconnect(2);
    expect(resultCode(dpa)).toBe(ResultCode.Success);
    direct.wire.end();
    expect(await within(direct.wire.closed, 30_000, 'the direct association closing')).toBe('end');
    const down = await cluster.waitForEvent('diameter.association-down', (l) => l.peerHost === 'direct.shoal.test', 30_000);
    expect(down.reason).toBe('shutdown');

    // Fewer bytes than a header: nothing to answer, the association is closed.
    const short = await sctpWire(SHOAL.addresses, cluster.ports.diameter, DIRECT);
    short.write(Buffer.from('hello'), 0);
    expect(await within(short.closed, 30_000, 'the association of a runt message closing')).toBe('end');
    // A request before the capabilities exchange: DIAMETER_UNABLE_TO_COMPLY, then closed.
    const early = new DiameterClient(await sctpWire(SHOAL.addresses, cluster.ports.diameter, DIRECT), { host: 'early.shoal.test', realm: SHOAL.realm, address: DIRECT });
    expect(resultCode(await early.accounting('early;1', 1, SHOAL.realm))).toBe(ResultCode.UnableToComply);
    expect(await within(early.wire.closed, 30_000, 'the association of a request before CER closing')).toBe('end');
    // Larger than the listener's maxMessageBytes (64 KiB): Shoal aborts that one association, counted as a protocol error.
    const huge = new DiameterClient(await sctpWire(SHOAL.addresses, cluster.ports.diameter, DIRECT), { host: 'huge.shoal.test', realm: SHOAL.realm, address: DIRECT });
    expect(resultCode(await huge.capabilities())).toBe(ResultCode.Success);
    huge.wire.write(acr([stringAvp(AvpCode.UserName, 'x'.repeat(70 * 1024))]), 1);
    expect(await within(huge.wire.closed, 30_000, 'the association of an oversized message ending')).not.toBe('end');

    expect(await metric(/^diameter_rejected_total\{reason="malformed-5014",result_code="5014",closed="false"\}/)).toBe(1);
    expect(await metric(/^diameter_rejected_total\{reason="malformed-5015",result_code="5015",closed="false"\}/)).toBe(1);
    expect(await metric(/^diameter_rejected_total\{reason="command-unsupported",result_code="3001",closed="false"\}/)).toBe(1);
    expect(await metric(/^diameter_rejected_total\{reason="message-too-short",result_code="",closed="true"\}/)).toBe(1);
    expect(await metric(/^diameter_rejected_total\{reason="request-before-cer",result_code="5012",closed="true"\}/)).toBe(1);
    expect(await metric(/^shoal_protocol_errors_total\{listener="diameter".*SHOAL_ERR_SCTP_MESSAGE_TOO_LARGE/)).toBe(1);
    // freeDiameter's connection was not disturbed.
    expect(fdTransitions()).toHaveLength(1);
  }, 180_000);

  test('graceful stop: the node sends DPR, freeDiameter answers DPA, the node closes with SHUTDOWN (no ABORT)', async () => {
    const snmpBefore = readSctpSnmp();
    const stopped = await within(cluster.stop(), 120_000, 'the cluster stop');
    expect(stopped.code).toBe(0);
    const dpr = appEvents('diameter.dpr-sent', fromFd);
    expect(dpr).toHaveLength(1);
    expect(appEvents('diameter.dpa-received', fromFd)).toEqual([expect.objectContaining({ resultCode: ResultCode.Success })]);
    expect(appEvents('diameter.association-down', fromFd)).toEqual([expect.objectContaining({ reason: 'closed' })]);
    await fd.waitFor(new RegExp(`Peer '${SHOAL.identity}' sent a DPR with cause: REBOOTING`), 10_000);
    await fd.waitFor(new RegExp(`'STATE_OPEN'\\s+-> 'STATE_CLOSING'\\s+'${SHOAL.identity}'`), 10_000);
    // (freeDiameter 1.2.1 prints nothing more when the DPR's sender closes: it stays in Closing until its own timer.)
    const snmp = readSctpSnmp();
    expect(snmp.SctpAborteds).toBe(snmpBefore.SctpAborteds);
    expect(snmp.SctpShutdowns).toBeGreaterThan(snmpBefore.SctpShutdowns);
    console.log(`freeDiameter's view of the Shoal node:\n${fdTransitions().join('\n')}`);
  }, 180_000);
});

/** A valid ACR of the direct client, as a message to edit. */
function acrMessage(c: DiameterClient): DiameterMessage {
  return {
    flags: flags({ request: true, proxiable: true }),
    commandCode: Command.Accounting,
    applicationId: Application.BaseAccounting,
    ...c.nextIds(),
    avps: [stringAvp(AvpCode.SessionId, 'direct;3'), ...c.origin(), stringAvp(AvpCode.DestinationRealm, SHOAL.realm), u32Avp(AvpCode.AccountingRecordType, 1), u32Avp(AvpCode.AccountingRecordNumber, 3)],
  };
}
