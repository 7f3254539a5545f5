import type { ArrivalEvent, BusQueueRef } from '@starling/event-bus';

/** What the coalescer decided about one live arrival. */
export type OfferOutcome =
  /** The queue was quiet: its event was emitted at once (leading edge, no added latency). */
  | 'publish'
  /** The queue's window is open: the arrival is held and emitted (merged) when the window ends. */
  | 'held'
  /** The window already held an arrival; this newer one replaced it, so one event fewer goes out. */
  | 'merged';

/** What the coalescer decided about one replayed end offset (`offerReplayed`). */
export type ReplayedOutcome =
  /** No window is open: the caller publishes it (rate-limited), and no window opens for it. */
  | 'absent'
  /** The window already published or holds this end offset or a newer one: nothing to announce. */
  | 'superseded'
  /** It is newer than what the window published, so the window holds it (emitted at the window's end). */
  | 'held'
  /** As `held`, and it replaced a held arrival, so one event fewer goes out. */
  | 'merged';

/**
 * Receives every event the coalescer lets out, synchronously: a quiet queue's arrival from `offer`, held
 * ones from `takeDue` and `drain`. `oldestTimestampMs` is the store clock of the oldest arrival the event
 * stands for (for the store-to-publish latency). The event is the caller's to keep.
 */
export type EmitEvent = (event: ArrivalEvent, oldestTimestampMs: number) => void;

export interface CoalescerOptions {
  emit: EmitEvent;
  /**
   * Queues remembered while their window is closed (so the next window of a queue allocates nothing). Past
   * it, every queue with a closed window is forgotten at once. Default 65,536.
   */
  maxIdleQueues?: number;
}

const NONE = -1;
const INITIAL_SLOTS = 1024;
const DEFAULT_MAX_IDLE_QUEUES = 65_536;

/**
 * Per-queue leading-and-trailing-edge throttle, pure (the caller passes the clock and drives the timer).
 *
 * A quiet queue's first arrival is emitted at once and opens a window of `windowMs`. Arrivals inside the
 * window are held, the newest replacing older ones (a hint only needs the newest end offset). When the
 * window ends, a held arrival is emitted and a new window opens; with nothing held the window closes. So a
 * queue written continuously gets at most one event per window (plus the leading one).
 *
 * Layout, for the garbage collector: at 10,000 arrivals/s over 10,000 queues a window lives a few
 * milliseconds, the span in which young objects are most expensive (a scavenge copies every live one).
 * So nothing here is allocated per arrival or per window: each queue has a numbered slot that outlives its
 * windows (its fields are columns of typed arrays, its name is interned once), open windows are slot
 * numbers in a ring in deadline order (every window has the same length, so a renewed window goes to the
 * back and expiring windows are taken from the front), and held arrivals are numbers in the slot. A queue
 * is keyed by shard too: two shards' copies of a wildcard filter queue have unrelated offsets.
 */
export class Coalescer {
  private readonly emit: EmitEvent;
  private readonly maxIdleQueues: number;
  /** shard -> kind -> name -> slot. */
  private readonly slotsByShard = new Map<number, Record<BusQueueRef['kind'], Map<string, number>>>();
  private slotCount = 0;
  private freeSlots: number[] = [];
  // Slot columns.
  private queues: (BusQueueRef | undefined)[] = [];
  private shards = new Int32Array(INITIAL_SLOTS);
  /** Deadline of the open window; NaN while closed. */
  private endsAtMs = new Float64Array(INITIAL_SLOTS);
  /** End offset of the event the window last let out. */
  private publishedEndOffsets = new Float64Array(INITIAL_SLOTS);
  /** Held arrival, or NONE. */
  private pendingEndOffsets = new Float64Array(INITIAL_SLOTS);
  private pendingTimestampsMs = new Float64Array(INITIAL_SLOTS);
  private oldestPendingTimestampsMs = new Float64Array(INITIAL_SLOTS);
  /** Open windows' slots, oldest deadline first: `ringCount` from `ringHead`, wrapping. */
  private ring = new Int32Array(INITIAL_SLOTS);
  private ringHead = 0;
  private ringCount = 0;

  constructor(
    private readonly windowMs: number,
    options: CoalescerOptions,
  ) {
    this.emit = options.emit;
    this.maxIdleQueues = options.maxIdleQueues ?? DEFAULT_MAX_IDLE_QUEUES;
  }

  /** Queues with an open window (bounded by the arrival rate times the window). */
  get size(): number {
    return this.ringCount;
  }

  /** A live arrival. With `publish` its event was emitted before this returns. */
  offer(
    shard: number,
    kind: BusQueueRef['kind'],
    name: string,
    endOffset: number,
    timestampMs: number,
    nowMs: number,
  ): OfferOutcome {
    if (this.windowMs <= 0) {
      this.emit({ queue: { kind, name }, shard, endOffset, timestampMs }, timestampMs);
      return 'publish';
    }
    const slot = this.slotOf(shard, kind, name, true);
    if (Number.isNaN(this.endsAtMs[slot]!)) {
      this.endsAtMs[slot] = nowMs + this.windowMs;
      this.publishedEndOffsets[slot] = endOffset;
      this.pendingEndOffsets[slot] = NONE;
      this.pushOpen(slot);
      this.emit({ queue: this.queues[slot]!, shard, endOffset, timestampMs }, timestampMs);
      return 'publish';
    }
    const merged = this.pendingEndOffsets[slot] !== NONE;
    if (!merged) this.oldestPendingTimestampsMs[slot] = timestampMs;
    this.pendingEndOffsets[slot] = endOffset;
    this.pendingTimestampsMs[slot] = timestampMs;
    return merged ? 'merged' : 'held';
  }

  /**
   * A replayed end offset (the snapshot a reopened store stream starts with). It never opens a window: a
   * live arrival right after it still goes out at once. Where the queue's window is open, the newest end
   * offset wins: an older or equal one is superseded, a newer one is held like a live arrival.
   */
  offerReplayed(event: ArrivalEvent): ReplayedOutcome {
    if (this.windowMs <= 0) return 'absent';
    const slot = this.slotOf(event.shard, event.queue.kind, event.queue.name, false);
    if (slot === NONE || Number.isNaN(this.endsAtMs[slot]!)) return 'absent';
    const pending = this.pendingEndOffsets[slot]!;
    const newest = pending !== NONE ? pending : this.publishedEndOffsets[slot]!;
    if (event.endOffset <= newest) return 'superseded';
    this.pendingEndOffsets[slot] = event.endOffset;
    this.pendingTimestampsMs[slot] = event.timestampMs;
    if (pending !== NONE) return 'merged';
    this.oldestPendingTimestampsMs[slot] = event.timestampMs;
    return 'held';
  }

  /** Ends every window whose deadline is at or before `nowMs`, emitting the held events; returns how many. */
  takeDue(nowMs: number): number {
    let emitted = 0;
    // Renewed windows go to the back with a later deadline, so this stops before reaching them.
    while (this.ringCount > 0) {
      const slot = this.ring[this.ringHead]!;
      if (this.endsAtMs[slot]! > nowMs) break;
      this.ringHead = (this.ringHead + 1) % this.ring.length;
      this.ringCount--;
      const pending = this.pendingEndOffsets[slot]!;
      if (pending === NONE) {
        this.endsAtMs[slot] = NaN;
        continue;
      }
      // Something goes out at the end of this window: the queue is still busy, so the next arrival waits
      // for the next window rather than going out at once.
      this.pendingEndOffsets[slot] = NONE;
      this.publishedEndOffsets[slot] = pending;
      this.endsAtMs[slot] = nowMs + this.windowMs;
      this.pushOpen(slot);
      emitted++;
      this.emitHeld(slot, pending);
    }
    return emitted;
  }

  /** The earliest open window's deadline, or undefined when no window is open. */
  nextDeadlineMs(): number | undefined {
    return this.ringCount > 0 ? this.endsAtMs[this.ring[this.ringHead]!] : undefined;
  }

  /** Ends every window now (shutdown), emitting the held events so they are not lost; returns how many. */
  drain(): number {
    let emitted = 0;
    for (; this.ringCount > 0; this.ringCount--) {
      const slot = this.ring[this.ringHead]!;
      this.ringHead = (this.ringHead + 1) % this.ring.length;
      this.endsAtMs[slot] = NaN;
      const pending = this.pendingEndOffsets[slot]!;
      if (pending === NONE) continue;
      this.pendingEndOffsets[slot] = NONE;
      emitted++;
      this.emitHeld(slot, pending);
    }
    this.ringHead = 0;
    return emitted;
  }

  private emitHeld(slot: number, endOffset: number): void {
    this.emit(
      {
        queue: this.queues[slot]!,
        shard: this.shards[slot]!,
        endOffset,
        timestampMs: this.pendingTimestampsMs[slot]!,
      },
      this.oldestPendingTimestampsMs[slot]!,
    );
  }

  private slotOf(shard: number, kind: BusQueueRef['kind'], name: string, create: boolean): number {
    let byKind = this.slotsByShard.get(shard);
    if (byKind === undefined) {
      if (!create) return NONE;
      byKind = { topic: new Map(), filter: new Map() };
      this.slotsByShard.set(shard, byKind);
    }
    const slots = byKind[kind];
    const found = slots.get(name);
    if (found !== undefined || !create) return found ?? NONE;
    if (this.slotCount - this.ringCount >= this.maxIdleQueues) this.forgetIdle();
    const slot = this.freeSlots.pop() ?? this.newSlot();
    this.slotCount++;
    this.queues[slot] = { kind, name };
    this.shards[slot] = shard;
    this.endsAtMs[slot] = NaN;
    this.pendingEndOffsets[slot] = NONE;
    slots.set(name, slot);
    return slot;
  }

  /** Forgets every queue whose window is closed (their slots are reused). */
  private forgetIdle(): void {
    for (const byKind of this.slotsByShard.values()) {
      for (const slots of [byKind.topic, byKind.filter]) {
        for (const [name, slot] of slots) {
          if (!Number.isNaN(this.endsAtMs[slot]!)) continue;
          slots.delete(name);
          this.queues[slot] = undefined;
          this.freeSlots.push(slot);
          this.slotCount--;
        }
      }
    }
  }

  /** A never-used slot number, growing the columns when they are full. */
  private newSlot(): number {
    const slot = this.queues.length;
    this.queues.push(undefined);
    if (slot >= this.shards.length) {
      const capacity = this.shards.length * 2;
      this.shards = grow(this.shards, new Int32Array(capacity));
      this.endsAtMs = grow(this.endsAtMs, new Float64Array(capacity));
      this.publishedEndOffsets = grow(this.publishedEndOffsets, new Float64Array(capacity));
      this.pendingEndOffsets = grow(this.pendingEndOffsets, new Float64Array(capacity));
      this.pendingTimestampsMs = grow(this.pendingTimestampsMs, new Float64Array(capacity));
      this.oldestPendingTimestampsMs = grow(this.oldestPendingTimestampsMs, new Float64Array(capacity));
    }
    return slot;
  }

  private pushOpen(slot: number): void {
    if (this.ringCount === this.ring.length) {
      // Unwrap into a ring twice the size.
      const ring = new Int32Array(this.ring.length * 2);
      for (let i = 0; i < this.ringCount; i++) ring[i] = this.ring[(this.ringHead + i) % this.ring.length]!;
      this.ring = ring;
      this.ringHead = 0;
    }
    this.ring[(this.ringHead + this.ringCount) % this.ring.length] = slot;
    this.ringCount++;
  }
}

function grow<T extends Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
