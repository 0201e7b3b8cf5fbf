// Which queued messages flush() may hand to the kernel in one sendmmsg: the
// batch shares one SCTP_SNDINFO and one SCTP_PRINFO, so the send info and the
// PR-SCTP policy and value must be the same.
import { sameSpec, type SendSpec } from '../../src/message-socket';

const base: SendSpec = { hasInfo: true, sid: 1, ppid: 2, flags: 0, context: 0, prPolicy: 0, prValue: 0, assocId: 0, host: null, port: 0 };

describe('sendmmsg batching (sameSpec)', () => {
  test('the same send info and PR-SCTP policy batch', () => {
    expect(sameSpec(base, { ...base })).toBe(true);
    const prio = { ...base, prPolicy: 0x30, prValue: 5 };
    expect(sameSpec(prio, { ...prio })).toBe(true);
  });

  test.each([
    ['policy', { prPolicy: 0x20, prValue: 0 }],
    ['value', { prValue: 1 }],
    ['stream', { sid: 2 }],
    ['address', { host: '127.0.0.1', port: 9 }],
  ])('a different %s does not', (_, change) => {
    expect(sameSpec(base, { ...base, ...change } as SendSpec)).toBe(false);
  });
});
