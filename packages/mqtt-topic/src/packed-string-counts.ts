import { hashRange } from './string-table';

const MIN_CAPACITY = 16;
const UTF16 = new TextDecoder('utf-16le');
const MIN_ARENA = 256;

/**
 * An open-addressing (linear probing) hash table from strings to positive counts that holds no JavaScript
 * object per key: the keys' UTF-16 code units live back to back in one Uint16Array, and every slot is four
 * Int32 (hash, key start, key length, count). A million keys are a handful of typed arrays that the garbage
 * collector never walks, where a table of strings is a million objects it marks on every major collection —
 * with the exact filters of a big deployment in it, that marking slowed every other allocation of the store.
 *
 * Same probing and hashing as `StringTable` (a lookup by a range of a larger string, backward-shift deletion,
 * load factor at most 1/2). Deleted keys leave their code units in the arena until it is compacted, when the
 * dead units outnumber the live ones.
 */
export class PackedStringCounts {
  private hashes: Int32Array;
  private starts: Int32Array;
  private lengths: Int32Array;
  private counts: Int32Array;
  private mask: number;
  private count = 0;
  private arena = new Uint16Array(MIN_ARENA);
  private arenaUsed = 0;
  private arenaLive = 0;

  constructor(capacity = MIN_CAPACITY) {
    let size = MIN_CAPACITY;
    while (size < capacity) size *= 2;
    this.mask = size - 1;
    this.hashes = new Int32Array(size);
    this.starts = new Int32Array(size);
    this.lengths = new Int32Array(size);
    this.counts = new Int32Array(size);
  }

  get size(): number {
    return this.count;
  }

  /** The count of the key equal to `text.slice(from, end)`, whose hash is `hash`; undefined when absent. */
  getRange(text: string, from: number, end: number, hash: number): number | undefined {
    const slot = this.slotOf(text, from, end, hash);
    return slot < 0 ? undefined : this.counts[slot];
  }

  get(key: string): number | undefined {
    return this.getRange(key, 0, key.length, hashRange(key, 0, key.length));
  }

  /** Sets the count of `key` (at least 1), adding the key when absent. */
  set(key: string, value: number): void {
    if (!Number.isInteger(value) || value < 1 || value > 0x7fffffff) {
      throw new RangeError(`a count is a positive 32-bit integer, not ${value}`);
    }
    const hash = hashRange(key, 0, key.length);
    const slot = this.slotOf(key, 0, key.length, hash);
    if (slot >= 0) {
      this.counts[slot] = value;
      return;
    }
    if ((this.count + 1) * 2 > this.hashes.length) this.rehash(this.hashes.length * 2);
    const start = this.store(key);
    this.place(hash, start, key.length, value);
    this.count += 1;
  }

  delete(key: string): boolean {
    let hole = this.slotOf(key, 0, key.length, hashRange(key, 0, key.length));
    if (hole < 0) return false;
    this.arenaLive -= this.lengths[hole]!;
    const { hashes, starts, lengths, counts, mask } = this;
    // Backward-shift deletion, as in StringTable: every remaining key stays reachable from its home slot.
    for (let j = (hole + 1) & mask; ; j = (j + 1) & mask) {
      const h = hashes[j]!;
      if (h === 0) break;
      const home = h & mask;
      const reachable = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!reachable) {
        hashes[hole] = h;
        starts[hole] = starts[j]!;
        lengths[hole] = lengths[j]!;
        counts[hole] = counts[j]!;
        hole = j;
      }
    }
    hashes[hole] = 0;
    this.count -= 1;
    if (this.hashes.length > MIN_CAPACITY && this.count * 8 < this.hashes.length) {
      this.rehash(this.hashes.length / 2);
    } else if (this.arenaUsed > MIN_ARENA && this.arenaUsed - this.arenaLive > this.arenaLive) {
      this.rehash(this.hashes.length);
    }
    return true;
  }

  /** Every key with its count (tests, tooling): strings are made here, one per key. */
  *entries(): IterableIterator<[string, number]> {
    for (let i = 0; i < this.hashes.length; i++) {
      if (this.hashes[i] === 0) continue;
      yield [this.keyAt(i), this.counts[i]!];
    }
  }

  /** Bytes held by the table's arrays (what a key costs, for the benchmark). */
  get bytes(): number {
    return this.hashes.length * 16 + this.arena.byteLength;
  }

  private slotOf(text: string, from: number, end: number, hash: number): number {
    const { hashes, lengths, starts, arena, mask } = this;
    const length = end - from;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const h = hashes[i];
      if (h === 0) return -1;
      if (h === hash && lengths[i] === length) {
        const start = starts[i]!;
        let k = 0;
        while (k < length && arena[start + k] === text.charCodeAt(from + k)) k++;
        if (k === length) return i;
      }
    }
  }

  private keyAt(slot: number): string {
    const start = this.starts[slot]!;
    return UTF16.decode(this.arena.subarray(start, start + this.lengths[slot]!));
  }

  /** Appends the key's code units to the arena; returns where they start. */
  private store(key: string): number {
    if (this.arenaUsed + key.length > this.arena.length) {
      let size = this.arena.length * 2;
      while (size < this.arenaUsed + key.length) size *= 2;
      const grown = new Uint16Array(size);
      grown.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = grown;
    }
    const start = this.arenaUsed;
    for (let k = 0; k < key.length; k++) this.arena[start + k] = key.charCodeAt(k);
    this.arenaUsed += key.length;
    this.arenaLive += key.length;
    return start;
  }

  private place(hash: number, start: number, length: number, value: number): void {
    const mask = this.mask;
    let i = hash & mask;
    while (this.hashes[i] !== 0) i = (i + 1) & mask;
    this.hashes[i] = hash;
    this.starts[i] = start;
    this.lengths[i] = length;
    this.counts[i] = value;
  }

  /** New slot arrays of `size`, and a compacted arena holding only the live keys. */
  private rehash(size: number): void {
    const { hashes, starts, lengths, counts, arena } = this;
    this.mask = size - 1;
    this.hashes = new Int32Array(size);
    this.starts = new Int32Array(size);
    this.lengths = new Int32Array(size);
    this.counts = new Int32Array(size);
    let arenaSize = MIN_ARENA;
    while (arenaSize < this.arenaLive * 2) arenaSize *= 2;
    this.arena = new Uint16Array(arenaSize);
    this.arenaUsed = 0;
    for (let i = 0; i < hashes.length; i++) {
      const h = hashes[i]!;
      if (h === 0) continue;
      const start = this.arenaUsed;
      const length = lengths[i]!;
      this.arena.set(arena.subarray(starts[i], starts[i]! + length), start);
      this.arenaUsed += length;
      this.place(h, start, length, counts[i]!);
    }
    this.arenaLive = this.arenaUsed;
  }
}
