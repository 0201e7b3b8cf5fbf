// The per-association state that travels with an association to another
// worker (one-to-one hand-off, one-to-many release): as JSON, toJSON() used,
// what JSON cannot carry left behind.
import { Association, type AssociationIo, type AssociationOwner } from '../../src/association';

const io = {} as AssociationIo;
const owner = {} as AssociationOwner;

describe('Association state across workers', () => {
  test('entries go as JSON (toJSON used); cycles and BigInts stay behind; an empty state sends nothing', () => {
    const a = new Association(owner, 1, io, false);
    expect(a.exportState()).toBeUndefined();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    a.state.set('peer', { toJSON: () => ({ phase: 'open', next: 7 }) });
    a.state.set('count', 3);
    a.state.set('cyclic', cyclic);
    a.state.set('big', 1n);
    const carried = a.exportState();
    expect(carried).toEqual({ peer: { phase: 'open', next: 7 }, count: 3 });

    const b = new Association(owner, 1, io, true);
    b.importState(JSON.parse(JSON.stringify(carried)));
    expect(b.resumed).toBe(true);
    expect(b.state.get('peer')).toEqual({ phase: 'open', next: 7 });
    expect(b.state.get('count')).toBe(3);
  });

  test('a state that is not an object is ignored', () => {
    const a = new Association(owner, 1, io, true);
    for (const s of [undefined, null, 3, 'x', [1]]) a.importState(s);
    expect(a.state.size).toBe(0);
  });
});
