import { hashRange } from '../../src/topic-hash';
import { TrieChildren, isHashLeaf, leafLevel, levelEquals, type TrieChild } from '../../src/trie-children';
import { prng } from '../support/prng';

interface Node {
  readonly level: string;
}

/** The child at `level`, or undefined, looked up inside a larger string. */
function lookup(table: TrieChildren<Node>, level: string): TrieChild<Node> | undefined {
  const text = `x/${level}/y`;
  return table.getRange(text, 2, 2 + level.length, hashRange(text, 2, 2 + level.length));
}

describe('TrieChildren', () => {
  it('a leaf stands for the level before its # or its last level', () => {
    expect([isHashLeaf('sensors/12/#'), leafLevel('sensors/12/#')]).toEqual([true, '12']);
    expect([isHashLeaf('devices/+/cmd7'), leafLevel('devices/+/cmd7')]).toEqual([false, 'cmd7']);
    expect([isHashLeaf('+//#'), leafLevel('+//#')]).toEqual([true, '']);
    expect([isHashLeaf('+/'), leafLevel('+/')]).toEqual([false, '']);
    expect(leafLevel('$SYS/#')).toBe('$SYS');
  });

  it('compares a leaf level in place: whole levels only, empty levels included', () => {
    const at = (child: TrieChild<Node>, level: string): boolean =>
      levelEquals(child, `<${level}>`, 1, 1 + level.length);
    expect(at('a/xb/#', 'xb')).toBe(true);
    expect(at('a/xb/#', 'b')).toBe(false);
    expect(at('a/b/#', 'ab')).toBe(false);
    expect(at('b/#', 'b')).toBe(true);
    expect(at('+/b', 'b')).toBe(true);
    expect(at('+/b', '')).toBe(false);
    expect(at('+/', '')).toBe(true);
    expect(at('+//#', '')).toBe(true);
    expect(at('+/a/#', '')).toBe(false);
    expect(at({ level: 'é' }, 'é')).toBe(true);
    expect(at({ level: 'é' }, 'e')).toBe(false);
  });

  it('behaves like a Map of levels through inserts, promotions and deletes (growth, shrinking, backward shift)', () => {
    const random = prng(7);
    const table = new TrieChildren<Node>();
    const model = new Map<string, { child: TrieChild<Node>; refs: number }>();
    for (let step = 0; step < 40_000; step++) {
      // Phases alternate between many levels mostly inserted and few mostly deleted, so the table grows,
      // shrinks, and deletes inside long probe runs.
      const growing = step % 10_000 < 5_000;
      const level = `l${Math.floor(random() * (growing ? 3_000 : 300))}`;
      const present = model.get(level);
      if (random() < (growing ? 0.6 : 0.2)) {
        if (present === undefined) {
          // Half leaves (either kind), half nodes.
          const r = random();
          const child = r < 0.25 ? `+/${level}/#` : r < 0.5 ? `a/+/${level}` : { level };
          const refs = typeof child === 'string' ? 1 + Math.floor(random() * 3) : 0;
          table.add(child, refs);
          model.set(level, { child, refs });
        } else if (typeof present.child === 'string') {
          // A leaf becomes a node where it was.
          const node = { level };
          const text = `${level}`;
          table.replaceAt(table.find(text, 0, text.length, hashRange(text, 0, text.length)), node);
          model.set(level, { child: node, refs: 0 });
        }
      } else if (present !== undefined) {
        const slot = table.find(level, 0, level.length, hashRange(level, 0, level.length));
        expect(table.leafRefsAt(slot)).toBe(present.refs);
        table.deleteAt(slot);
        model.delete(level);
      }
      if (step % 997 === 0) {
        expect(table.size).toBe(model.size);
        const wrong = [...model].filter(([level, { child }]) => lookup(table, level) !== child);
        expect(wrong).toEqual([]);
        for (let miss = 0; miss < 50; miss++) expect(lookup(table, `m${miss}`)).toBeUndefined();
        // A level that is a prefix or a suffix of a present one is not found.
        for (const level of [...model.keys()].slice(0, 20)) {
          expect(lookup(table, `${level}z`)).toBeUndefined();
          expect(lookup(table, level.slice(1))).toBeUndefined();
        }
      }
    }
  });

  it('gives the slot of the only child left', () => {
    const table = new TrieChildren<Node>();
    table.add({ level: 'a' });
    table.add('x/b/#', 2);
    table.deleteAt(table.find('a', 0, 1, hashRange('a', 0, 1)));
    const slot = table.anySlot();
    expect([table.childAt(slot), table.leafRefsAt(slot)]).toEqual(['x/b/#', 2]);
    table.deleteAt(slot);
    expect(table.anySlot()).toBe(-1);
  });
});
