// The messages of the exactly-once stress test (exactly-once.test.ts,
// bench/sctp-soak), shared by its client (stress.js) and its Shoal service
// (service.js). Plain CommonJS so that the soak script runs it without a build.
//
// A message is a 32-byte header and a body:
//   0 magic u32 'SHXO'     4 kind u8         5 flags u8 (1 unordered, 2 echo wanted)
//   6 stream u16           8 client u32     12 seq u32 (per client and stream)
//  16 body length u32     20 crc32 of the body
//  24 request: handler delay in ms / answer: pid of the worker that answered
//  28 answer: crc32 of the body as the server computed it
// The body is a pattern of 16-byte blocks [client u32, stream u16, 0xB10C,
// seq u32, block index u32], cut at the body's length: a piece of a message
// delivered on its own (a tail delivered as a whole message) still names the
// message it came from and its offset in it.
'use strict';
const { crc32 } = require('node:zlib');

const MAGIC = 0x5348584f;
const HEADER = 32;
const BLOCK_MARK = 0xb10c;
const KIND = Object.freeze({ request: 1, echo: 2, digest: 3, corrupt: 4 });
const FLAG = Object.freeze({ unordered: 1, echo: 2 });

/** A request: header + patterned body of `bodyLength` bytes. */
function buildRequest({ client, stream, seq, bodyLength, unordered, echo, delayMs }) {
  const buf = Buffer.allocUnsafe(HEADER + bodyLength);
  const body = buf.subarray(HEADER);
  const blocks = Math.ceil(bodyLength / 16);
  // Whole blocks written straight; the last one through a scratch block (cut at the length).
  const full = Math.floor(bodyLength / 16);
  for (let k = 0; k < full; k++) writeBlock(body, k * 16, client, stream, seq, k);
  if (blocks > full) {
    const last = Buffer.allocUnsafe(16);
    writeBlock(last, 0, client, stream, seq, full);
    last.copy(body, full * 16, 0, bodyLength - full * 16);
  }
  const crc = crc32(body);
  buf.writeUInt32BE(MAGIC, 0);
  buf.writeUInt8(KIND.request, 4);
  buf.writeUInt8((unordered ? FLAG.unordered : 0) | (echo ? FLAG.echo : 0), 5);
  buf.writeUInt16BE(stream, 6);
  buf.writeUInt32BE(client, 8);
  buf.writeUInt32BE(seq, 12);
  buf.writeUInt32BE(bodyLength, 16);
  buf.writeUInt32BE(crc, 20);
  buf.writeUInt32BE(delayMs, 24);
  buf.writeUInt32BE(0, 28);
  return { data: buf, crc };
}

function writeBlock(buf, at, client, stream, seq, index) {
  buf.writeUInt32BE(client, at);
  buf.writeUInt16BE(stream, at + 4);
  buf.writeUInt16BE(BLOCK_MARK, at + 6);
  buf.writeUInt32BE(seq, at + 8);
  buf.writeUInt32BE(index, at + 12);
}

/** The header's fields, or null when `buf` does not start with one. */
function parseHeader(buf) {
  if (buf.length < HEADER || buf.readUInt32BE(0) !== MAGIC) return null;
  return {
    kind: buf.readUInt8(4),
    unordered: (buf.readUInt8(5) & FLAG.unordered) !== 0,
    echo: (buf.readUInt8(5) & FLAG.echo) !== 0,
    stream: buf.readUInt16BE(6),
    client: buf.readUInt32BE(8),
    seq: buf.readUInt32BE(12),
    length: buf.readUInt32BE(16),
    crc: buf.readUInt32BE(20),
    word24: buf.readUInt32BE(24),
    word28: buf.readUInt32BE(28),
  };
}

/**
 * Which message a piece of bytes (without a valid header) came from: the
 * first whole pattern block found, as { client, stream, seq, offset } where
 * offset is where `buf` started in that message (header included); null if
 * no block is found in its first 64 bytes.
 */
function identifyPiece(buf) {
  for (let shift = 0; shift < 16 && shift + 16 <= buf.length; shift++) {
    if (buf.readUInt16BE(shift + 6) !== BLOCK_MARK) continue;
    const index = buf.readUInt32BE(shift + 12);
    return {
      client: buf.readUInt32BE(shift),
      stream: buf.readUInt16BE(shift + 4),
      seq: buf.readUInt32BE(shift + 8),
      offset: HEADER + index * 16 - shift,
    };
  }
  return null;
}

/**
 * The server's check of a request as it arrived (`stream`, `unordered` from
 * the kernel): { ok: true, header } or { ok: false, reason, ... } with what
 * is known of the bytes.
 */
function checkRequest(data, stream, unordered) {
  const header = parseHeader(data);
  const first = data.subarray(0, 16).toString('hex');
  if (header === null || header.kind !== KIND.request) {
    return { ok: false, reason: header === null ? 'no header' : `kind ${header.kind}`, bytes: data.length, first, piece: identifyPiece(data) };
  }
  const body = data.subarray(HEADER);
  const problems = [];
  if (body.length !== header.length) problems.push(`body ${body.length} bytes, header says ${header.length}`);
  const crc = crc32(body);
  if (crc !== header.crc) problems.push(`crc32 ${hex(crc)}, header says ${hex(header.crc)}`);
  if (stream !== header.stream) problems.push(`arrived on stream ${stream}, sent on ${header.stream}`);
  if (unordered !== header.unordered) problems.push(`arrived ${unordered ? 'unordered' : 'ordered'}, sent ${header.unordered ? 'unordered' : 'ordered'}`);
  if (problems.length > 0) {
    return { ok: false, reason: problems.join('; '), bytes: data.length, first, header, piece: body.length > 0 ? identifyPiece(body.subarray(0, 64)) : null };
  }
  return { ok: true, header, crc };
}

/** The answer to a checked request: its header echoed with the worker's pid and crc, plus the body if an echo was asked for. */
function buildAnswer(data, header, crc, pid) {
  const echo = header.echo;
  const out = Buffer.allocUnsafe(echo ? data.length : HEADER);
  data.copy(out, 0, 0, echo ? data.length : HEADER);
  out.writeUInt8(echo ? KIND.echo : KIND.digest, 4);
  out.writeUInt32BE(pid, 24);
  out.writeUInt32BE(crc, 28);
  return out;
}

/** A report of a request that failed the server's check: a header of kind corrupt, then the report as JSON. */
function buildCorruptReport(check, stream, pid) {
  const json = Buffer.from(JSON.stringify({ ...check, stream, pid }));
  const out = Buffer.alloc(HEADER + json.length);
  out.writeUInt32BE(MAGIC, 0);
  out.writeUInt8(KIND.corrupt, 4);
  out.writeUInt16BE(stream, 6);
  out.writeUInt32BE(check.header?.client ?? 0xffffffff, 8);
  out.writeUInt32BE(check.header?.seq ?? 0xffffffff, 12);
  out.writeUInt32BE(pid, 24);
  json.copy(out, HEADER);
  return out;
}

const hex = (n) => `0x${n.toString(16).padStart(8, '0')}`;

module.exports = { MAGIC, HEADER, KIND, FLAG, crc32, buildRequest, parseHeader, identifyPiece, checkRequest, buildAnswer, buildCorruptReport, hex };
