import { PackedStringCounts } from '../../src/packed-string-counts';
import { hashRange } from '../../src/topic-hash';

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

  it('keeps short keys in their slot and long or wide ones in the arena, on both sides of every boundary', () => {
    const t = new PackedStringCounts();
    // 20 bytes fit in a slot: 20 Latin-1 units, or 10 UTF-16 units once any unit is above 0xff.
    const keys: string[] = [];
    for (let length = 0; length <= 24; length++) {
      keys.push('d'.repeat(length), 'é'.repeat(length), `${'x'.repeat(length)}/ÿ`);
      if (length <= 14) keys.push('€'.repeat(length), `a${'€'.repeat(length)}`, `😀${'b'.repeat(length)}`);
    }
    const distinct = [...new Set(keys)];
    distinct.forEach((key, i) => t.set(key, i + 1));
    expect(t.size).toBe(distinct.length);
    distinct.forEach((key, i) => {
      expect(t.get(key)).toBe(i + 1);
      // The same text inside a longer string, found by range.
      const text = `<${key}>`;
      expect(t.getRange(text, 1, 1 + key.length, hashRange(text, 1, 1 + key.length))).toBe(i + 1);
    });
    // A Latin-1 unit never equals a wide one, though their low bytes do.
    expect(t.get('\u0101'.repeat(3))).toBeUndefined();
    expect(t.get('d'.repeat(25))).toBeUndefined();
    expect(new Map(t.entries())).toEqual(new Map(distinct.map((key, i) => [key, i + 1])));
    for (const key of distinct) expect(t.delete(key)).toBe(true);
    expect(t.size).toBe(0);
  });

  it('agrees with a Map for long and wide keys through growth, shrinking and arena compaction', () => {
    const random = lcg(7);
    const t = new PackedStringCounts();
    const model = new Map<string, number>();
    const pieces = ['tenants', 'dev', 'ü', '€', '😀', 'state', 'a'];
    const key = (space: number) => {
      const n = Math.floor(random() * space);
      return `${pieces[n % pieces.length]!}/${n}/${'y'.repeat(n % 23)}`;
    };
    for (let round = 0; round < 100_000; round++) {
      const space = round % 40_000 < 20_000 ? 10_000 : 200;
      const k = key(space);
      const op = random();
      if (op < 0.5) {
        t.set(k, round + 1);
        model.set(k, round + 1);
      } else if (op < 0.8) {
        expect(t.delete(k)).toBe(model.delete(k));
      } else {
        expect(t.get(k)).toBe(model.get(k));
      }
    }
    expect(new Map(t.entries())).toEqual(model);
  });

  it('finds every key after deletions inside long probe runs (a tiny table, many neighbours)', () => {
    const t = new PackedStringCounts();
    const keys = Array.from({ length: 7 }, (_, i) => `devices/${i}/a-long-enough-suffix-${i}`);
    for (const k of keys) t.set(k, 1);
    for (let i = 0; i < keys.length; i += 2) t.delete(keys[i]!);
    for (let i = 0; i < keys.length; i++) expect(t.get(keys[i]!)).toBe(i % 2 === 0 ? undefined : 1);
  });
});
