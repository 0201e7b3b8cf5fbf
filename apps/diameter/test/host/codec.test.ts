// The codec against RFC 6733's wire format: header fields and flags, AVP
// padding, the vendor flag, grouped AVPs, and every malformed input with the
// Result-Code it is answered with.
import {
  type Avp, AvpCode, COMMAND_FLAG, Command, DiameterDecodeError, ResultCode,
  addressAvp, decodeAvps, decodeHeader, decodeMessage, encodeAvps, encodeMessage, findAvp, flags, groupedAvp,
  readAddress, readGrouped, readString, readU32, readU64, stringAvp, u32Avp, u64Avp,
} from '../../src/codec';

const request = (avps: Avp[] = []) => ({
  flags: flags({ request: true, proxiable: true }),
  commandCode: Command.Accounting,
  applicationId: 3,
  hopByHop: 0x01020304,
  endToEnd: 0xa0b0c0d0,
  avps,
});

function decodeError(fn: () => unknown): DiameterDecodeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DiameterDecodeError) return err;
    throw err;
  }
  throw new Error('no DiameterDecodeError');
}

describe('Diameter header', () => {
  test('version, length, flags R/P/E/T, command code, application id, hop-by-hop and end-to-end ids on the wire', () => {
    const buf = encodeMessage({ ...request(), flags: flags({ request: true, proxiable: true, retransmit: true }) });
    expect(buf.length).toBe(20);
    expect(buf.toString('hex')).toBe('01000014' + 'd000010f' + '00000003' + '01020304' + 'a0b0c0d0');
    const h = decodeHeader(buf)!;
    expect(h).toMatchObject({ version: 1, length: 20, commandCode: 271, applicationId: 3, hopByHop: 0x01020304, endToEnd: 0xa0b0c0d0 });
    expect(h.flags).toEqual({ request: true, proxiable: true, error: false, retransmit: true });
    const answer = encodeMessage({ ...request(), flags: flags({ error: true }) });
    expect(answer[4]).toBe(COMMAND_FLAG.error);
    expect(decodeMessage(answer).flags).toEqual({ request: false, proxiable: false, error: true, retransmit: false });
  });

  test('round trip of a message with AVPs', () => {
    const m = request([stringAvp(AvpCode.SessionId, 'a;1;2'), u32Avp(AvpCode.AccountingRecordNumber, 7)]);
    const back = decodeMessage(encodeMessage(m));
    expect(back).toMatchObject({ commandCode: 271, applicationId: 3, hopByHop: 0x01020304, endToEnd: 0xa0b0c0d0 });
    expect(readString(findAvp(back.avps, AvpCode.SessionId)!)).toBe('a;1;2');
    expect(readU32(findAvp(back.avps, AvpCode.AccountingRecordNumber)!)).toBe(7);
  });

  test('malformed headers: too short (nothing to answer), version (5011), length (5015), reserved bits and E on a request (3008)', () => {
    const good = encodeMessage(request([u32Avp(AvpCode.AccountingRecordNumber, 1)]));
    expect(decodeHeader(good.subarray(0, 19))).toBeUndefined();
    expect(decodeError(() => decodeMessage(good.subarray(0, 19))).resultCode).toBe(ResultCode.InvalidMessageLength);
    const v2 = Buffer.from(good);
    v2[0] = 2;
    expect(decodeError(() => decodeMessage(v2)).resultCode).toBe(ResultCode.UnsupportedVersion);
    // The header says more than there is; less; not a multiple of 4.
    expect(decodeError(() => decodeMessage(good.subarray(0, good.length - 4))).resultCode).toBe(ResultCode.InvalidMessageLength);
    expect(decodeError(() => decodeMessage(Buffer.concat([good, Buffer.alloc(4)]))).resultCode).toBe(ResultCode.InvalidMessageLength);
    const odd = Buffer.concat([good, Buffer.alloc(2)]);
    odd.writeUIntBE(odd.length, 1, 3);
    expect(decodeError(() => decodeMessage(odd)).resultCode).toBe(ResultCode.InvalidMessageLength);
    const reserved = Buffer.from(good);
    reserved[4] |= 0x01;
    expect(decodeError(() => decodeMessage(reserved)).resultCode).toBe(ResultCode.InvalidHdrBits);
    const errorRequest = Buffer.from(good);
    errorRequest[4] |= COMMAND_FLAG.error;
    expect(decodeError(() => decodeMessage(errorRequest)).resultCode).toBe(ResultCode.InvalidHdrBits);
  });
});

describe('AVPs', () => {
  test('data is padded to 32 bits; the length field excludes the padding; padding is zero', () => {
    const buf = encodeAvps([stringAvp(AvpCode.OriginHost, 'abcde', { mandatory: true })]);
    expect(buf.length).toBe(16);
    expect(buf.readUInt32BE(0)).toBe(264);
    expect(buf[4]).toBe(0x40);
    expect(buf.readUIntBE(5, 3)).toBe(13);
    expect(buf.subarray(13)).toEqual(Buffer.alloc(3));
    const [back] = decodeAvps(buf);
    expect(readString(back)).toBe('abcde');
    expect(back.mandatory).toBe(true);
  });

  test('vendor flag: a 12-byte header with the Vendor-Id; V/M/P flags', () => {
    const avp: Avp = { code: 628, vendorId: 10415, mandatory: true, protected: true, data: Buffer.from([1, 2, 3, 4]) };
    const buf = encodeAvps([avp]);
    expect(buf.length).toBe(16);
    expect(buf[4]).toBe(0x80 | 0x40 | 0x20);
    expect(buf.readUIntBE(5, 3)).toBe(16);
    expect(buf.readUInt32BE(8)).toBe(10415);
    expect(decodeAvps(buf)).toEqual([avp]);
    expect(findAvp(decodeAvps(buf), 628)).toBeUndefined();
    expect(findAvp(decodeAvps(buf), 628, 10415)).toBeDefined();
  });

  test('grouped AVPs nest, with padding inside and out', () => {
    const g = groupedAvp(AvpCode.VendorSpecificApplicationId, [u32Avp(AvpCode.VendorId, 10415), stringAvp(AvpCode.ErrorMessage, 'x', { mandatory: false })]);
    const outer = decodeAvps(encodeAvps([g, u32Avp(AvpCode.ResultCode, 2001)]));
    expect(outer.map((a) => a.code)).toEqual([260, 268]);
    const inner = readGrouped(outer[0]);
    expect(readU32(inner[0])).toBe(10415);
    expect(readString(inner[1])).toBe('x');
    expect(inner[1].data.length).toBe(1);
  });

  test('value formats: Unsigned64, Address (IPv4, IPv6)', () => {
    expect(readU64(u64Avp(1, 2n ** 40n))).toBe(2n ** 40n);
    expect(addressAvp(257, '127.0.0.2').data).toEqual(Buffer.from([0, 1, 127, 0, 0, 2]));
    expect(readAddress(addressAvp(257, '10.1.2.3'))).toBe('10.1.2.3');
    expect(addressAvp(257, '::1').data).toEqual(Buffer.concat([Buffer.from([0, 2]), Buffer.alloc(15), Buffer.from([1])]));
    expect(readAddress(addressAvp(257, '2001:db8::1'))).toBe('2001:db8::1');
    expect(() => addressAvp(257, 'host')).toThrow(/not an IPv4 or IPv6/);
  });

  test('malformed AVPs: short header, length below the header or past the end, padding past the end (5014); reserved bits (3009); bad values', () => {
    const good = encodeAvps([u32Avp(AvpCode.ResultCode, 2001)]);
    expect(decodeError(() => decodeAvps(good.subarray(0, 6))).resultCode).toBe(ResultCode.InvalidAvpLength);
    const small = Buffer.from(good);
    small.writeUIntBE(7, 5, 3);
    const e = decodeError(() => decodeAvps(small));
    expect(e.resultCode).toBe(ResultCode.InvalidAvpLength);
    expect(e.failedAvp?.code).toBe(AvpCode.ResultCode);
    const long = Buffer.from(good);
    long.writeUIntBE(13, 5, 3);
    expect(decodeError(() => decodeAvps(long)).resultCode).toBe(ResultCode.InvalidAvpLength);
    // A 5-byte value whose padding (3 bytes) is missing.
    const unpadded = encodeAvps([stringAvp(1, 'abcde')]).subarray(0, 13);
    expect(decodeError(() => decodeAvps(unpadded)).resultCode).toBe(ResultCode.InvalidAvpLength);
    const vendorShort = Buffer.from(good);
    vendorShort[4] |= 0x80;
    vendorShort.writeUIntBE(10, 5, 3);
    expect(decodeError(() => decodeAvps(vendorShort)).resultCode).toBe(ResultCode.InvalidAvpLength);
    const reserved = Buffer.from(good);
    reserved[4] |= 0x01;
    expect(decodeError(() => decodeAvps(reserved)).resultCode).toBe(ResultCode.InvalidAvpBits);
    expect(decodeError(() => readU32(stringAvp(1, 'abc'))).resultCode).toBe(ResultCode.InvalidAvpLength);
    expect(decodeError(() => readString({ code: 1, mandatory: true, data: Buffer.from([0xff, 0xfe]) })).resultCode).toBe(ResultCode.InvalidAvpValue);
    expect(decodeError(() => readAddress({ code: 257, mandatory: true, data: Buffer.from([0, 9, 1, 2]) })).resultCode).toBe(ResultCode.InvalidAvpValue);
    // A grouped AVP whose member overruns it.
    const g = encodeAvps([groupedAvp(AvpCode.FailedAvp, [u32Avp(AvpCode.ResultCode, 1)])]);
    g.writeUIntBE(20, 8 + 5, 3);
    expect(decodeError(() => readGrouped(decodeAvps(g)[0])).resultCode).toBe(ResultCode.InvalidAvpLength);
  });

  test('a message whose AVP overruns it is 5014 with the AVP in failedAvp', () => {
    const buf = encodeMessage(request([u32Avp(AvpCode.AccountingRecordNumber, 1)]));
    buf.writeUIntBE(40, 20 + 5, 3);
    const e = decodeError(() => decodeMessage(buf));
    expect(e.resultCode).toBe(ResultCode.InvalidAvpLength);
    expect(e.failedAvp?.code).toBe(AvpCode.AccountingRecordNumber);
  });
});
