import { hashRange } from './string-table';

const MIN_CAPACITY = 16;
// A slot is four Int32 side by side: 16 bytes, four slots to a 64-byte cache line.
const SLOT = 4;
const HASH_AT = 0;
const START_AT = 1;
const LENGTH_AT = 2;
const COUNT_AT = 3;
const UTF16 = new TextDecoder('utf-16le');
const MIN_ARENA = 256;

/**
 * An open-addressing (linear probing) hash table from strings to positive counts that holds no JavaScript
 * object per key: the keys' UTF-16 code units live back to back in one Uint16Array, and every slot is four
 * Int32 (hash, key start, key length, count). A million keys are two typed arrays that the garbage
 * collector never walks, where a table of strings is a million objects it marks on every major collection —
 * with the exact filters of a big deployment in it, that marking slowed every other allocation of the store.
 *
 * The four fields of a slot sit side by side in one Int32Array rather than in four parallel arrays: at a
 * million keys every lookup is a cache miss (and, with 4 KiB pages, a TLB miss) per array it touches, so a
 * probe that reads one slot array and the key's code units costs two misses instead of five.
 *
 * Same probing and hashing as `StringTable` (a lookup by a range of a larger string, backward-shift deletion,
 * load factor at most 1/2). Deleted keys leave their code units in the arena until it is compacted, when the
 * dead units outnumber the live ones.
 */
export class PackedStringCounts {
  /** SLOT Int32 per slot; a hash of 0 marks an empty slot. */
  private slots: Int32Array;
  private mask: number;
  private count = 0;
  private arena = new Uint16Array(MIN_ARENA);
  private arenaUsed = 0;
  private arenaLive = 0;

  constructor(capacity = MIN_CAPACITY) {
    let size = MIN_CAPACITY;
    while (size < capacity) size *= 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size * SLOT);
  }

  get size(): number {
    return this.count;
  }

  /** The count of the key equal to `text.slice(from, end)`, whose hash is `hash`; undefined when absent. */
  getRange(text: string, from: number, end: number, hash: number): number | undefined {
    const slot = this.slotOf(text, from, end, hash);
    return slot < 0 ? undefined : this.slots[slot * SLOT + COUNT_AT];
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
      this.slots[slot * SLOT + COUNT_AT] = value;
      return;
    }
    if ((this.count + 1) * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    const start = this.store(key);
    this.place(hash, start, key.length, value);
    this.count += 1;
  }

  delete(key: string): boolean {
    let hole = this.slotOf(key, 0, key.length, hashRange(key, 0, key.length));
    if (hole < 0) return false;
    const { slots, mask } = this;
    this.arenaLive -= slots[hole * SLOT + LENGTH_AT]!;
    // Backward-shift deletion, as in StringTable: every remaining key stays reachable from its home slot.
    for (let j = (hole + 1) & mask; ; j = (j + 1) & mask) {
      const h = slots[j * SLOT + HASH_AT]!;
      if (h === 0) break;
      const home = h & mask;
      const reachable = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!reachable) {
        slots.copyWithin(hole * SLOT, j * SLOT, j * SLOT + SLOT);
        hole = j;
      }
    }
    slots[hole * SLOT + HASH_AT] = 0;
    this.count -= 1;
    const capacity = mask + 1;
    if (capacity > MIN_CAPACITY && this.count * 8 < capacity) {
      this.rehash(capacity / 2);
    } else if (this.arenaUsed > MIN_ARENA && this.arenaUsed - this.arenaLive > this.arenaLive) {
      this.rehash(capacity);
    }
    return true;
  }

  /** Every key with its count (tests, tooling): strings are made here, one per key. */
  *entries(): IterableIterator<[string, number]> {
    for (let i = 0; i <= this.mask; i++) {
      if (this.slots[i * SLOT + HASH_AT] === 0) continue;
      yield [this.keyAt(i), this.slots[i * SLOT + COUNT_AT]!];
    }
  }

  /** Bytes held by the table's arrays (what a key costs, for the benchmark). */
  get bytes(): number {
    return this.slots.byteLength + this.arena.byteLength;
  }

  private slotOf(text: string, from: number, end: number, hash: number): number {
    const { slots, arena, mask } = this;
    const length = end - from;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const at = i * SLOT;
      const h = slots[at + HASH_AT];
      if (h === 0) return -1;
      if (h === hash && slots[at + LENGTH_AT] === length) {
        const start = slots[at + START_AT]!;
        let k = 0;
        while (k < length && arena[start + k] === text.charCodeAt(from + k)) k++;
        if (k === length) return i;
      }
    }
  }

  private keyAt(slot: number): string {
    const start = this.slots[slot * SLOT + START_AT]!;
    return UTF16.decode(this.arena.subarray(start, start + this.slots[slot * SLOT + LENGTH_AT]!));
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
    const { slots, mask } = this;
    let i = hash & mask;
    while (slots[i * SLOT + HASH_AT] !== 0) i = (i + 1) & mask;
    const at = i * SLOT;
    slots[at + HASH_AT] = hash;
    slots[at + START_AT] = start;
    slots[at + LENGTH_AT] = length;
    slots[at + COUNT_AT] = value;
  }

  /** New slot arrays of `size`, and a compacted arena holding only the live keys. */
  private rehash(size: number): void {
    const { slots, arena } = this;
    const capacity = this.mask + 1;
    this.mask = size - 1;
    this.slots = new Int32Array(size * SLOT);
    let arenaSize = MIN_ARENA;
    while (arenaSize < this.arenaLive * 2) arenaSize *= 2;
    this.arena = new Uint16Array(arenaSize);
    this.arenaUsed = 0;
    for (let i = 0; i < capacity; i++) {
      const at = i * SLOT;
      const h = slots[at + HASH_AT]!;
      if (h === 0) continue;
      const start = this.arenaUsed;
      const from = slots[at + START_AT]!;
      const length = slots[at + LENGTH_AT]!;
      this.arena.set(arena.subarray(from, from + length), start);
      this.arenaUsed += length;
      this.place(h, start, length, slots[at + COUNT_AT]!);
    }
    this.arenaLive = this.arenaUsed;
  }
}
