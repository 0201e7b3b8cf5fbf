/**
 * A WebSocket handed off mid-stream: whatever byte of a frame ws's receiver
 * stopped at, the bytes Shoal passes on (the frame's head rebuilt, then what
 * the receiver had not consumed) make a fresh receiver, in another worker,
 * parse exactly the messages the first one had not delivered.
 */
import WebSocket from 'ws';
import { type LiveWebSocket, receiverBoundary } from '../src/websocket/ws-internals';

type Frame = { opcode: number; data: Buffer; fin?: boolean };

const { Receiver, Sender } = WebSocket as unknown as {
  Receiver: new (options: object) => NodeJS.WritableStream & { on(event: string, listener: (...args: any[]) => void): void };
  Sender: { frame(data: Buffer, options: object): Buffer[] };
};

/** A client's frame, masked as clients must. */
function frame({ opcode, data, fin = true }: Frame): Buffer {
  return Buffer.concat(Sender.frame(Buffer.from(data), { fin, mask: true, opcode, readOnly: false, rsv1: false, maskBuffer: Buffer.alloc(4) }));
}

/** A server-side receiver and what it delivered. */
function receiver(): { r: any; messages: string[]; pings: string[] } {
  const r = new Receiver({ isServer: true, maxPayload: 0 }) as any;
  const messages: string[] = [];
  const pings: string[] = [];
  r.on('message', (data: Buffer) => messages.push(data.toString()));
  r.on('ping', (data: Buffer) => pings.push(data.toString()));
  r.on('error', (err: Error) => {
    throw err;
  });
  return { r, messages, pings };
}

const asWebSocket = (r: unknown) => ({ _receiver: r }) as unknown as LiveWebSocket;

describe('receiverBoundary', () => {
  it.each([
    ['a short frame', 10],
    ['a frame with a 16-bit length', 300],
    ['a frame with a 64-bit length', 70_000],
  ])('%s, cut at every kind of byte: the bytes passed on give the next messages exactly once', (_, size) => {
    const first = 'a'.repeat(size);
    const second = 'b'.repeat(size);
    const wire = Buffer.concat([frame({ opcode: 1, data: Buffer.from(first) }), frame({ opcode: 1, data: Buffer.from(second) })]);
    const firstLength = frame({ opcode: 1, data: Buffer.from(first) }).length;
    // Every cut inside the head, at the mask, in the payload, and between the frames.
    const cuts = [...Array(16).keys()].map((i) => i + 1).concat([firstLength - 1, firstLength, firstLength + 1, firstLength + 5, wire.length - 1]);
    for (const cut of cuts) {
      const before = receiver();
      // Copies: the receiver unmasks payloads in place.
      before.r.write(Buffer.from(wire.subarray(0, cut)));
      const boundary = receiverBoundary(asWebSocket(before.r));
      expect(boundary.kind).toBe('ready');
      const after = receiver();
      after.r.write(Buffer.concat([(boundary as { pending: Buffer }).pending, Buffer.from(wire.subarray(cut))]));
      expect({ cut, messages: [...before.messages, ...after.messages] }).toEqual({ cut, messages: [first, second] });
    }
  });

  it('a control frame half received is passed on too', () => {
    const wire = frame({ opcode: 9, data: Buffer.from('ping!') });
    const before = receiver();
    before.r.write(wire.subarray(0, 4));
    const boundary = receiverBoundary(asWebSocket(before.r)) as { pending: Buffer };
    const after = receiver();
    after.r.write(Buffer.concat([boundary.pending, wire.subarray(4)]));
    expect(after.pings).toEqual(['ping!']);
  });

  it('inside a fragmented message there is no boundary to pass on', () => {
    const before = receiver();
    before.r.write(frame({ opcode: 1, data: Buffer.from('part one '), fin: false }));
    expect(receiverBoundary(asWebSocket(before.r))).toEqual({ kind: 'never', reason: 'inside a fragmented message' });
  });

  it('a receiver of another shape is never moved', () => {
    expect(receiverBoundary(asWebSocket({}))).toMatchObject({ kind: 'never' });
  });
});
