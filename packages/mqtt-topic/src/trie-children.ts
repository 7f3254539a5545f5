import { HASH, SLASH } from './topic-levels';
import { hashRange } from './topic-hash';

const MIN_CAPACITY = 4;

/**
 * A child of a trie node in a `TrieChildren` table: the child node itself, or a leaf — the one wildcard
 * filter that is all there is at and below that child, standing in for a node of its own.
 *
 * A leaf `f` ending in `#` (`sensors/12/#`) is a child at the level before the `#` that holds `f` as its
 * `<level>/#` filter; any other leaf (`devices/+/cmd7`) is a child at its last level where `f` ends. At a
 * million filters most wildcard filters are such leaves under a few wide nodes, and a leaf costs no node
 * and no level string: a third of the objects the garbage collector marks, and no node or level to fetch
 * from memory when a topic reaches it — the level is compared in the filter string that the match returns.
 */
export type TrieChild<N> = N | string;

/** Whether leaf `filter` is a `<level>/#` filter (otherwise the filter ends at the leaf's level). */
export function isHashLeaf(filter: string): boolean {
  return filter.charCodeAt(filter.length - 1) === HASH;
}

/** Where the level a leaf stands for ends in the leaf's filter. */
function leafLevelEnd(filter: string): number {
  return isHashLeaf(filter) ? filter.length - 2 : filter.length;
}

/** The level a leaf stands for (copied out; for building a node from the leaf, not for matching). */
export function leafLevel(filter: string): string {
  const end = leafLevelEnd(filter);
  return filter.slice(filter.lastIndexOf('/', end - 1) + 1, end);
}

/**
 * A node's literal children, two or more: an open-addressing (linear probing) table keyed by level and
 * looked up by a range of a larger string, so a topic's level is found without slicing it out and its hash
 * is computed once per topic. A key is not stored: it is the child node's `level`, or the leaf's level
 * inside its filter. The probe reads a packed Int32Array of full hashes and touches a child only when its
 * hash is equal, so a miss usually costs one cache line. A leaf's reference count lives in `refs`, beside
 * its hash. Load factor stays at or below 1/2; deletion shifts entries back, so there are no tombstones.
 */
export class TrieChildren<N extends { readonly level: string }> {
  private hashes: Int32Array;
  /** A leaf's reference count (0 for a node, which counts its own). */
  private refs: Int32Array;
  private children: (TrieChild<N> | undefined)[];
  private mask: number;
  private count = 0;

  constructor(capacity = MIN_CAPACITY) {
    let size = MIN_CAPACITY;
    while (size < capacity) size *= 2;
    this.mask = size - 1;
    this.hashes = new Int32Array(size);
    this.refs = new Int32Array(size);
    this.children = new Array<TrieChild<N> | undefined>(size).fill(undefined);
  }

  get size(): number {
    return this.count;
  }

  /** The slot of the child at level `text.slice(from, end)`, whose hash is `hash`; -1 when absent. */
  find(text: string, from: number, end: number, hash: number): number {
    const { hashes, mask } = this;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const h = hashes[i];
      if (h === 0) return -1;
      if (h === hash && levelEquals(this.children[i]!, text, from, end)) return i;
    }
  }

  /** The child at level `text.slice(from, end)`, whose hash is `hash`. */
  getRange(text: string, from: number, end: number, hash: number): TrieChild<N> | undefined {
    const slot = this.find(text, from, end, hash);
    return slot < 0 ? undefined : this.children[slot];
  }

  childAt(slot: number): TrieChild<N> {
    return this.children[slot]!;
  }

  leafRefsAt(slot: number): number {
    return this.refs[slot]!;
  }

  setLeafRefsAt(slot: number, refs: number): void {
    this.refs[slot] = refs;
  }

  /** Puts a node where a leaf (or another node) of the same level was. */
  replaceAt(slot: number, child: N): void {
    this.children[slot] = child;
    this.refs[slot] = 0;
  }

  /** Adds a child whose level is absent; `leafRefs` is a leaf's reference count. */
  add(child: TrieChild<N>, leafRefs = 0): void {
    if ((this.count + 1) * 2 > this.hashes.length) this.resize(this.hashes.length * 2);
    this.place(childHash(child), child, leafRefs);
    this.count += 1;
  }

  deleteAt(slot: number): void {
    let hole = slot;
    const { hashes, refs, children, mask } = this;
    // Backward-shift deletion: pull later entries of the probe run into the hole whenever their
    // home slot does not lie cyclically in (hole, j], so every remaining child stays reachable.
    for (let j = (hole + 1) & mask; ; j = (j + 1) & mask) {
      const h = hashes[j] ?? 0;
      if (h === 0) break;
      const home = h & mask;
      const reachable = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!reachable) {
        hashes[hole] = h;
        refs[hole] = refs[j]!;
        children[hole] = children[j];
        hole = j;
      }
    }
    hashes[hole] = 0;
    refs[hole] = 0;
    children[hole] = undefined;
    this.count -= 1;
    if (this.hashes.length > MIN_CAPACITY && this.count * 8 < this.hashes.length)
      this.resize(this.hashes.length / 2);
  }

  /** The slot of some child (the only one when size is 1); -1 when empty. */
  anySlot(): number {
    for (let i = 0; i < this.hashes.length; i++) if (this.hashes[i] !== 0) return i;
    return -1;
  }

  private place(hash: number, child: TrieChild<N>, leafRefs: number): void {
    const mask = this.mask;
    let i = hash & mask;
    while (this.hashes[i] !== 0) i = (i + 1) & mask;
    this.hashes[i] = hash;
    this.refs[i] = leafRefs;
    this.children[i] = child;
  }

  private resize(size: number): void {
    const { hashes, refs, children } = this;
    this.mask = size - 1;
    this.hashes = new Int32Array(size);
    this.refs = new Int32Array(size);
    this.children = new Array<TrieChild<N> | undefined>(size).fill(undefined);
    for (let i = 0; i < hashes.length; i++) {
      const h = hashes[i] ?? 0;
      if (h !== 0) this.place(h, children[i]!, refs[i]!);
    }
  }
}

function childHash<N extends { readonly level: string }>(child: TrieChild<N>): number {
  if (typeof child !== 'string') return hashRange(child.level, 0, child.level.length);
  const end = leafLevelEnd(child);
  return hashRange(child, child.lastIndexOf('/', end - 1) + 1, end);
}

/** Whether `child`'s level equals `text.slice(from, end)` (which holds no `/`), compared in place. */
export function levelEquals<N extends { readonly level: string }>(
  child: TrieChild<N>,
  text: string,
  from: number,
  end: number,
): boolean {
  const length = end - from;
  if (typeof child !== 'string') return child.level.length === length && text.startsWith(child.level, from);
  // The leaf's level is the `length` units before its end, and starts the filter or follows a `/`; the
  // topic's level holds no `/`, so equal units there mean the whole level is equal.
  const levelEnd = leafLevelEnd(child);
  const start = levelEnd - length;
  if (start < 0 || (start > 0 && child.charCodeAt(start - 1) !== SLASH)) return false;
  for (let k = 0; k < length; k++)
    if (child.charCodeAt(start + k) !== text.charCodeAt(from + k)) return false;
  return true;
}
