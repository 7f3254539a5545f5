/**
 * The most recent durable bytes of the log, kept as the buffers the appenders encoded (no copy),
 * so live readers (dispatch, catching-up consumers) are served from memory. Entries are contiguous
 * in position order and each holds whole records; the oldest are evicted past `capacityBytes`.
 */
export interface CacheEntry {
  readonly position: number;
  readonly buf: Buffer;
}

export class HotTailCache {
  // A deque as an array plus a head index: eviction is O(1) amortised, lookup a binary search.
  private entries: CacheEntry[] = [];
  private head = 0;
  private bytes = 0;

  constructor(readonly capacityBytes: number) {}

  get sizeBytes(): number {
    return this.bytes;
  }

  add(position: number, buf: Buffer): void {
    if (this.capacityBytes <= 0 || buf.length === 0) return;
    const last = this.entries[this.entries.length - 1];
    if (
      last !== undefined &&
      this.head < this.entries.length &&
      last.position + last.buf.length !== position
    ) {
      // Not contiguous with what is cached (cannot happen with one writer); start over rather than lie.
      this.clear();
    }
    this.entries.push({ position, buf });
    this.bytes += buf.length;
    while (this.bytes > this.capacityBytes && this.head < this.entries.length) this.evictOne();
  }

  /** The entry holding `position`, or undefined when it is not cached. */
  find(position: number): CacheEntry | undefined {
    let lo = this.head;
    let hi = this.entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const entry = this.entries[mid]!;
      if (position < entry.position) hi = mid - 1;
      else if (position >= entry.position + entry.buf.length) lo = mid + 1;
      else return entry;
    }
    return undefined;
  }

  /** The entry right after `entry` (which must come from `find`), or undefined at the tail. */
  next(entry: CacheEntry): CacheEntry | undefined {
    const found = this.find(entry.position + entry.buf.length);
    return found;
  }

  /** Forgets everything below `position` (segments deleted by retention). */
  dropBelow(position: number): void {
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head]!;
      if (entry.position + entry.buf.length > position) break;
      this.evictOne();
    }
  }

  clear(): void {
    this.entries = [];
    this.head = 0;
    this.bytes = 0;
  }

  private evictOne(): void {
    const entry = this.entries[this.head]!;
    this.entries[this.head] = undefined as unknown as CacheEntry; // let the buffer go
    this.head++;
    this.bytes -= entry.buf.length;
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
