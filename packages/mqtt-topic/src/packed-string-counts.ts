import { hashRange } from './topic-hash';

const MIN_CAPACITY = 16;
/** Int32 per slot: 32 bytes, two slots to a 64-byte cache line. */
const SLOT = 8;
const HASH_AT = 0;
const COUNT_AT = 1;
/** `length * 2 + wide`: the key's length in UTF-16 code units, and 1 when it is stored as UTF-16. */
const SHAPE_AT = 2;
/** Where a key too long to sit in its slot starts in the arena (a byte offset). */
const START_AT = 3;
/** The slot's last 20 bytes hold a short key itself, from byte 12 (Int32 3 to 7). */
const INLINE_FROM_BYTE = 12;
const INLINE_BYTES = 20;
const MIN_ARENA = 256;

/**
 * An open-addressing (linear probing) hash table from strings to positive counts that holds no JavaScript
 * object per key. A million keys are two typed arrays that the garbage collector never walks, where a table
 * of strings is a million objects it marks on every major collection — with the exact filters of a big
 * deployment in it, that marking slowed every other allocation of the store.
 *
 * Every slot is 32 bytes of one Int32Array: hash, count, shape (length and encoding), and either the key
 * itself, when it fits in 20 bytes, or where it starts in the arena. At a million keys a lookup is bound by
 * memory latency, not by instructions: each array it touches is a cache miss and, with 4 KiB pages, a TLB
 * miss whose page walk misses too. A key in its slot (`devices/123456/cmd` and most other device filters)
 * costs one random access per lookup; parallel arrays of hashes, starts, lengths and counts plus a separate
 * key arena cost five. Keys are stored one byte per code unit when every unit is below 256 (Latin-1, which
 * covers the ASCII of nearly every topic) and as UTF-16 otherwise, so most keys take half the bytes.
 *
 * Same probing and hashing as `StringTable` (a lookup by a range of a larger string — the hash is over
 * UTF-16 code units whatever the storage — backward-shift deletion, load factor at most 1/2). Deleted long
 * keys leave their bytes in the arena until it is compacted, when the dead bytes outnumber the live ones.
 */
export class PackedStringCounts {
  /** SLOT Int32 per slot; a hash of 0 marks an empty slot. */
  private slots: Int32Array;
  /** The same memory as `slots`, byte by byte, for the keys held in their slot. */
  private slotBytes: Uint8Array;
  private mask: number;
  private count = 0;
  private arena = new Uint8Array(MIN_ARENA);
  private arenaUsed = 0;
  private arenaLive = 0;

  constructor(capacity = MIN_CAPACITY) {
    let size = MIN_CAPACITY;
    while (size < capacity) size *= 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size * SLOT);
    this.slotBytes = new Uint8Array(this.slots.buffer);
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
    this.insert(hash, key, value);
    this.count += 1;
  }

  delete(key: string): boolean {
    let hole = this.slotOf(key, 0, key.length, hashRange(key, 0, key.length));
    if (hole < 0) return false;
    const { slots, mask } = this;
    const keyBytes = storedBytes(slots[hole * SLOT + SHAPE_AT]!);
    if (keyBytes > INLINE_BYTES) this.arenaLive -= keyBytes;
    // Backward-shift deletion, as in StringTable: every remaining key stays reachable from its home slot.
    // A slot moves whole, with the key it holds.
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
    slots.fill(0, hole * SLOT, hole * SLOT + SLOT);
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
    const { slots, mask } = this;
    const length = end - from;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const at = i * SLOT;
      const h = slots[at + HASH_AT];
      if (h === 0) return -1;
      if (h === hash && slots[at + SHAPE_AT]! >> 1 === length && this.keyEquals(at, text, from, length)) {
        return i;
      }
    }
  }

  /** Whether the key of the slot at `at` (whose length is `length`) equals `text.slice(from, from + length)`. */
  private keyEquals(at: number, text: string, from: number, length: number): boolean {
    const wide = (this.slots[at + SHAPE_AT]! & 1) === 1;
    const keyBytes = wide ? length * 2 : length;
    let source = this.slotBytes;
    let start = at * 4 + INLINE_FROM_BYTE;
    if (keyBytes > INLINE_BYTES) {
      source = this.arena;
      start = this.slots[at + START_AT]!;
    }
    if (!wide) {
      for (let k = 0; k < length; k++) if (source[start + k] !== text.charCodeAt(from + k)) return false;
      return true;
    }
    for (let k = 0; k < length; k++) {
      const unit = source[start + 2 * k]! | (source[start + 2 * k + 1]! << 8);
      if (unit !== text.charCodeAt(from + k)) return false;
    }
    return true;
  }

  private keyAt(slot: number): string {
    const at = slot * SLOT;
    const shape = this.slots[at + SHAPE_AT]!;
    const length = shape >> 1;
    const wide = (shape & 1) === 1;
    const inline = storedBytes(shape) <= INLINE_BYTES;
    const source = inline ? this.slotBytes : this.arena;
    const start = inline ? at * 4 + INLINE_FROM_BYTE : this.slots[at + START_AT]!;
    const units: number[] = [];
    for (let k = 0; k < length; k++) {
      units.push(wide ? source[start + 2 * k]! | (source[start + 2 * k + 1]! << 8) : source[start + k]!);
    }
    let key = '';
    // In chunks: String.fromCharCode takes its units as arguments, and a key may be 65535 units long.
    for (let k = 0; k < units.length; k += 4096) key += String.fromCharCode(...units.slice(k, k + 4096));
    return key;
  }

  /** Puts a new key in the first free slot of its probe run, its bytes in the slot or the arena. */
  private insert(hash: number, key: string, value: number): void {
    const at = this.freeSlot(hash) * SLOT;
    let wide = 0;
    for (let k = 0; k < key.length; k++) if (key.charCodeAt(k) > 0xff) wide = 1;
    const keyBytes = wide === 1 ? key.length * 2 : key.length;
    let target = this.slotBytes;
    let start = at * 4 + INLINE_FROM_BYTE;
    if (keyBytes > INLINE_BYTES) {
      start = this.reserve(keyBytes);
      target = this.arena;
      this.slots[at + START_AT] = start;
    }
    for (let k = 0; k < key.length; k++) {
      const unit = key.charCodeAt(k);
      if (wide === 1) {
        target[start + 2 * k] = unit & 0xff;
        target[start + 2 * k + 1] = unit >> 8;
      } else {
        target[start + k] = unit;
      }
    }
    this.slots[at + HASH_AT] = hash;
    this.slots[at + COUNT_AT] = value;
    this.slots[at + SHAPE_AT] = key.length * 2 + wide;
  }

  private freeSlot(hash: number): number {
    const { slots, mask } = this;
    let i = hash & mask;
    while (slots[i * SLOT + HASH_AT] !== 0) i = (i + 1) & mask;
    return i;
  }

  /** Room for `keyBytes` more bytes at the end of the arena; returns where they start. */
  private reserve(keyBytes: number): number {
    if (this.arenaUsed + keyBytes > this.arena.length) {
      let size = this.arena.length * 2;
      while (size < this.arenaUsed + keyBytes) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = grown;
    }
    const start = this.arenaUsed;
    this.arenaUsed += keyBytes;
    this.arenaLive += keyBytes;
    return start;
  }

  /** New slots of `size`, and a compacted arena holding only the live long keys. */
  private rehash(size: number): void {
    const { slots, arena } = this;
    const capacity = this.mask + 1;
    this.mask = size - 1;
    this.slots = new Int32Array(size * SLOT);
    this.slotBytes = new Uint8Array(this.slots.buffer);
    let arenaSize = MIN_ARENA;
    while (arenaSize < this.arenaLive * 2) arenaSize *= 2;
    this.arena = new Uint8Array(arenaSize);
    this.arenaUsed = 0;
    this.arenaLive = 0;
    for (let i = 0; i < capacity; i++) {
      const from = i * SLOT;
      const h = slots[from + HASH_AT]!;
      if (h === 0) continue;
      const at = this.freeSlot(h) * SLOT;
      this.slots.set(slots.subarray(from, from + SLOT), at);
      const keyBytes = storedBytes(slots[from + SHAPE_AT]!);
      if (keyBytes > INLINE_BYTES) {
        const start = this.reserve(keyBytes);
        const old = slots[from + START_AT]!;
        this.arena.set(arena.subarray(old, old + keyBytes), start);
        this.slots[at + START_AT] = start;
      }
    }
  }
}

/** Bytes a key of this shape takes: one per code unit, or two when it is stored as UTF-16. */
function storedBytes(shape: number): number {
  return (shape & 1) === 1 ? (shape >> 1) * 2 : shape >> 1;
}
