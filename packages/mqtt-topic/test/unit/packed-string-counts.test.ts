import { PackedStringCounts } from '../../src/packed-string-counts';
import { hashRange } from '../../src/string-table';

/** A small deterministic generator (tests must not depend on Math.random's sequence). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x1_0000_0000;
  };
}

describe('PackedStringCounts', () => {
  it('sets, reads, replaces and deletes counts; absent keys read undefined', () => {
    const t = new PackedStringCounts();
    expect(t.get('a/b')).toBeUndefined();
    t.set('a/b', 1);
    t.set('a/bc', 2);
    t.set('', 3);
    t.set('ü/€/😀', 4);
    expect([t.get('a/b'), t.get('a/bc'), t.get(''), t.get('ü/€/😀'), t.size]).toEqual([1, 2, 3, 4, 4]);
    t.set('a/b', 7);
    expect([t.get('a/b'), t.size]).toEqual([7, 4]);
    expect(t.delete('a/b')).toBe(true);
    expect(t.delete('a/b')).toBe(false);
    expect([t.get('a/b'), t.get('a/bc'), t.size]).toEqual([undefined, 2, 3]);
  });

  it('looks a key up by a range of a longer string, without slicing', () => {
    const t = new PackedStringCounts();
    t.set('dev/42', 5);
    const text = 'x/dev/42/temp';
    expect(t.getRange(text, 2, 8, hashRange(text, 2, 8))).toBe(5);
    expect(t.getRange(text, 2, 7, hashRange(text, 2, 7))).toBeUndefined();
  });

  it('refuses a count that is not a positive 32-bit integer', () => {
    const t = new PackedStringCounts();
    expect(() => t.set('a', 0)).toThrow(RangeError);
    expect(() => t.set('a', 1.5)).toThrow(RangeError);
    expect(() => t.set('a', 2 ** 31)).toThrow(RangeError);
  });

  it('agrees with a Map over 200,000 random operations, through growth, shrinking and arena compaction', () => {
    const random = lcg(42);
    const t = new PackedStringCounts();
    const model = new Map<string, number>();
    // Few distinct keys at times and many at others, so the table grows, shrinks and compacts its arena.
    const key = (space: number) =>
      `k/${Math.floor(random() * space)}/${'x'.repeat(Math.floor(random() * 6))}`;
    for (let round = 0; round < 200_000; round++) {
      const space = round % 50_000 < 25_000 ? 20_000 : 300;
      const k = key(space);
      const op = random();
      if (op < 0.5) {
        const value = 1 + Math.floor(random() * 1000);
        t.set(k, value);
        model.set(k, value);
      } else if (op < 0.8) {
        expect(t.delete(k)).toBe(model.delete(k));
      } else {
        expect(t.get(k)).toBe(model.get(k));
      }
      if (round % 10_000 === 0) expect(t.size).toBe(model.size);
    }
    expect(t.size).toBe(model.size);
    expect(new Map(t.entries())).toEqual(model);
    // Dead keys do not pile up: the arena holds at most about twice the live code units.
    const live = [...model.keys()].reduce((sum, k) => sum + k.length, 0);
    expect(t.bytes).toBeLessThan(4096 + model.size * 16 * 4 + live * 2 * 4);
  });
});
