import fc from 'fast-check';
import { WorldState } from '../../../src/ledger/embedded/world-state.ts';

/** The reference: every live key, sorted, filtered by the range on each query. */
function expected(model: Map<string, number>, start: string, end: string): [string, number][] {
  return [...model.entries()].filter(([k]) => k >= start && (!end || k < end)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

const bytes = (n: number) => Buffer.from(String(n));
// Composite keys as the contracts make them: U+0000 separators, a small alphabet so keys collide and share prefixes.
const key = fc.array(fc.constantFrom('\u0000', 'a', 'b', 'c', 'node', 'x~', '\u007f'), { minLength: 1, maxLength: 5 }).map((parts) => parts.join(''));
const op = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), key, value: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), key }),
  fc.record({ kind: fc.constant('range' as const), start: fc.oneof(key, fc.constant('')), end: fc.oneof(key, fc.constant('')) }),
);

describe('WorldState', () => {
  it('answers range queries in key order exactly as a sorted map would, through any inserts and deletes', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
        const state = new WorldState();
        const model = new Map<string, number>();
        let version = 0;
        for (const o of ops) {
          if (o.kind === 'put') {
            state.apply([{ key: o.key, value: bytes(o.value) }], ++version);
            model.set(o.key, o.value);
          } else if (o.kind === 'delete') {
            state.apply([{ key: o.key }], ++version);
            model.delete(o.key);
          } else {
            const got = [...state.range(o.start, o.end)].map(([k, v]) => [k, Number(Buffer.from(v.value).toString())]);
            expect(got).toEqual(expected(model, o.start, o.end));
          }
        }
        expect(state.size).toBe(model.size);
        expect([...state.range('', '')].map(([k]) => k)).toEqual(expected(model, '', '').map(([k]) => k));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps order across many chunks (tens of thousands of keys, inserted in random order, half deleted)', () => {
    const state = new WorldState();
    const keys = Array.from({ length: 40_000 }, (_, i) => `att\u0000paris\u0000node-${(i * 7919) % 40_000}\u0000`);
    keys.forEach((k, i) => state.apply([{ key: k, value: bytes(i) }], i + 1));
    for (const k of keys.filter((_, i) => i % 2)) state.apply([{ key: k }], 0);
    const left = keys.filter((_, i) => i % 2 === 0).sort();
    expect([...state.range('', '')].map(([k]) => k)).toEqual(left);
    expect([...state.range(left[100], left[200])].map(([k]) => k)).toEqual(left.slice(100, 200));
    expect(state.get(keys[1])).toBeUndefined();
    expect(state.get(keys[0])?.version).toBe(1);
  });

  it('keeps each value in memory of its own, not in a shared Buffer pool slab that the value would keep alive', () => {
    const state = new WorldState();
    const pooled = Buffer.from('{"decision":"small"}');
    // The premise: a small Buffer is a slice of a larger shared ArrayBuffer.
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.byteLength);
    state.apply([{ key: 'k', value: pooled }], 1);
    const stored = state.get('k')!.value;
    expect(stored.buffer.byteLength).toBe(pooled.byteLength);
    expect(Buffer.isBuffer(stored)).toBe(true);
    expect(Buffer.from(stored).toString()).toBe('{"decision":"small"}');
    // The front of a larger buffer (offset 0) pins all of it just the same, and so does its tail.
    const slab = Buffer.alloc(4096, 7);
    state.apply(
      [
        { key: 'head', value: slab.subarray(0, 16) },
        { key: 'tail', value: slab.subarray(4080) },
      ],
      2,
    );
    for (const k of ['head', 'tail']) {
      expect(state.get(k)!.value.buffer.byteLength).toBe(16);
      expect([...state.get(k)!.value]).toEqual(Array(16).fill(7));
    }
    // A value that already owns its memory is kept as it is, not copied again.
    const own = new Uint8Array([1, 2, 3]);
    state.apply([{ key: 'own', value: own }], 2);
    expect(state.get('own')!.value).toBe(own);
  });
});
