import { StringTable, hashRange } from '../../src/string-table';

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('StringTable', () => {
  it('behaves like a Map through random inserts, updates and deletes (growth, shrinking, backward shift)', () => {
    const random = prng(99);
    const table = new StringTable<number>();
    const model = new Map<string, number>();
    for (let step = 0; step < 40_000; step++) {
      // Phases alternate between many keys mostly inserted and few keys mostly deleted, so the
      // table both grows and shrinks, and deletions happen inside long probe runs.
      const growing = step % 10_000 < 5_000;
      const key = `k${Math.floor(random() * (growing ? 3_000 : 300))}`;
      if (random() < (growing ? 0.6 : 0.2)) {
        table.set(key, step);
        model.set(key, step);
      } else {
        expect(table.delete(key)).toBe(model.delete(key));
      }
      if (step % 997 === 0) {
        expect(table.size).toBe(model.size);
        const wrong = [...model].filter(([k, v]) => table.get(k) !== v);
        expect(wrong).toEqual([]);
        for (let miss = 0; miss < 50; miss++) expect(table.get(`m${miss}`)).toBeUndefined();
      }
    }
  });

  it('looks a key up by a range of a larger string, without slicing', () => {
    const table = new StringTable<string>();
    table.set('dev42', 'found');
    table.set('dev4', 'shorter');
    const topic = 'devices/dev42/cmd';
    expect(table.getRange(topic, 8, 13, hashRange(topic, 8, 13))).toBe('found');
    expect(table.getRange(topic, 8, 12, hashRange(topic, 8, 12))).toBe('shorter');
    expect(table.getRange(topic, 0, 7, hashRange(topic, 0, 7))).toBeUndefined();
    expect(hashRange(topic, 8, 13)).toBe(hashRange('dev42', 0, 5));
  });

  it('never uses 0 (the empty-slot mark) as a hash', () => {
    for (let i = 0; i < 10_000; i++) expect(hashRange(`k${i}`, 0, `k${i}`.length)).not.toBe(0);
  });

  it('gives the only remaining value when one is left', () => {
    const table = new StringTable<number>();
    table.set('a', 1);
    table.set('b', 2);
    table.delete('a');
    expect(table.anyValue()).toBe(2);
    table.delete('b');
    expect(table.anyValue()).toBeUndefined();
  });
});
