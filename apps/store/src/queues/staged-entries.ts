// The index entries that are readable but not yet committed to LMDB (ADR 0012), packed (ADR 0018).
import { ENTRY_VALUE_BYTES, readU64, readU32, writeEntryValueAt } from './index-layout';

/** No run: the end of a queue's list, or a queue with nothing staged. */
export const NO_RUN = -1;

const INITIAL_ENTRIES = 1 << 14;
const INITIAL_RUNS = 1 << 12;

/**
 * Staged entries live here from the batch that assigns their offsets to the commit that writes them: up to
 * a commit interval (100 ms) plus the commit, the lifetime that costs most in a young generation (a
 * scavenge copies every live object). So they are not objects: entries are 20-byte records (the LMDB
 * value layout) in one ring of bytes, and each queue's share of one batch is a *run* (its first offset,
 * its first entry, its entry count, the queue's next run) in a ring of typed-array columns. A queue's
 * staged entries are its list of runs, in offset order, from the run numbers in its state.
 *
 * Entries and runs are numbered for good (a JS number is exact to 2^53), and number n sits at n modulo
 * the capacity, so growing a ring copies its live entries to their new places and renumbers nothing.
 * Space is released in the order it was taken: a commit writes every entry staged before it started, so
 * when it is done everything up to the mark taken at its start goes (`release`).
 */
export class StagedEntries {
  private bytes = Buffer.alloc(INITIAL_ENTRIES * ENTRY_VALUE_BYTES);
  private entryCapacity = INITIAL_ENTRIES;
  private entryFrom = 0;
  private entryEnd = 0;

  private runFirstOffsets = new Float64Array(INITIAL_RUNS);
  private runEntries = new Float64Array(INITIAL_RUNS);
  private runCounts = new Int32Array(INITIAL_RUNS);
  private runNexts = new Float64Array(INITIAL_RUNS);
  private runCapacity = INITIAL_RUNS;
  private runFrom = 0;
  private runEnd = 0;

  /** Entries held (staged, or being committed). */
  get entryCount(): number {
    return this.entryEnd - this.entryFrom;
  }

  /** Takes `count` consecutive entry numbers (write them with `writeEntry`); returns the first. */
  takeEntries(count: number): number {
    if (this.entryEnd + count - this.entryFrom > this.entryCapacity) this.growEntries(count);
    const first = this.entryEnd;
    this.entryEnd += count;
    return first;
  }

  writeEntry(entry: number, position: number, size: number, timestampMs: number): void {
    writeEntryValueAt(this.bytes, this.byteAt(entry), position, size, timestampMs);
  }

  /**
   * A new run of `count` entries from `firstEntry` (offsets from `firstOffset`), appended to the list that
   * ends with `lastRun` (NO_RUN for a new list); returns its number.
   */
  addRun(firstOffset: number, firstEntry: number, count: number, lastRun: number): number {
    if (this.runEnd + 1 - this.runFrom > this.runCapacity) this.growRuns();
    const run = this.runEnd++;
    const i = run % this.runCapacity;
    this.runFirstOffsets[i] = firstOffset;
    this.runEntries[i] = firstEntry;
    this.runCounts[i] = count;
    this.runNexts[i] = NO_RUN;
    if (lastRun !== NO_RUN) this.runNexts[lastRun % this.runCapacity] = run;
    return run;
  }

  firstOffset(run: number): number {
    return this.runFirstOffsets[run % this.runCapacity]!;
  }

  count(run: number): number {
    return this.runCounts[run % this.runCapacity]!;
  }

  next(run: number): number {
    return this.runNexts[run % this.runCapacity]!;
  }

  /** The entry number at `index` within `run`. */
  entryOf(run: number, index: number): number {
    return this.runEntries[run % this.runCapacity]! + index;
  }

  position(entry: number): number {
    return readU64(this.bytes, this.byteAt(entry));
  }

  size(entry: number): number {
    return readU32(this.bytes, this.byteAt(entry) + 8);
  }

  timestampMs(entry: number): number {
    return readU64(this.bytes, this.byteAt(entry) + 12);
  }

  /** Copies `count` entries of `run` from `index` on into `target` at `at` (LMDB value layout). */
  copyOut(run: number, index: number, count: number, target: Buffer, at: number): void {
    let entry = this.entryOf(run, index);
    while (count > 0) {
      // A run may wrap around the end of the ring: copy up to the end, then from the start.
      const from = entry % this.entryCapacity;
      const n = Math.min(count, this.entryCapacity - from);
      this.bytes.copy(target, at, from * ENTRY_VALUE_BYTES, (from + n) * ENTRY_VALUE_BYTES);
      at += n * ENTRY_VALUE_BYTES;
      entry += n;
      count -= n;
    }
  }

  /** Where taking would continue: `release(mark)` later frees everything taken before it. */
  mark(): { readonly entries: number; readonly runs: number } {
    return { entries: this.entryEnd, runs: this.runEnd };
  }

  release(mark: { readonly entries: number; readonly runs: number }): void {
    if (mark.entries > this.entryFrom) this.entryFrom = mark.entries;
    if (mark.runs > this.runFrom) this.runFrom = mark.runs;
  }

  private byteAt(entry: number): number {
    return (entry % this.entryCapacity) * ENTRY_VALUE_BYTES;
  }

  private growEntries(count: number): void {
    const live = this.entryEnd - this.entryFrom;
    let capacity = this.entryCapacity * 2;
    while (capacity < live + count) capacity *= 2;
    const bytes = Buffer.alloc(capacity * ENTRY_VALUE_BYTES);
    for (let entry = this.entryFrom; entry < this.entryEnd;) {
      const from = entry % this.entryCapacity;
      const to = entry % capacity;
      const n = Math.min(this.entryEnd - entry, this.entryCapacity - from, capacity - to);
      this.bytes.copy(
        bytes,
        to * ENTRY_VALUE_BYTES,
        from * ENTRY_VALUE_BYTES,
        (from + n) * ENTRY_VALUE_BYTES,
      );
      entry += n;
    }
    this.bytes = bytes;
    this.entryCapacity = capacity;
  }

  private growRuns(): void {
    const capacity = this.runCapacity * 2;
    const firstOffsets = new Float64Array(capacity);
    const entries = new Float64Array(capacity);
    const counts = new Int32Array(capacity);
    const nexts = new Float64Array(capacity);
    for (let run = this.runFrom; run < this.runEnd; run++) {
      const from = run % this.runCapacity;
      const to = run % capacity;
      firstOffsets[to] = this.runFirstOffsets[from]!;
      entries[to] = this.runEntries[from]!;
      counts[to] = this.runCounts[from]!;
      nexts[to] = this.runNexts[from]!;
    }
    this.runFirstOffsets = firstOffsets;
    this.runEntries = entries;
    this.runCounts = counts;
    this.runNexts = nexts;
    this.runCapacity = capacity;
  }
}
