import type { ArrivalEvent } from '@starling/event-bus';

/** What the coalescer decided about one arrival. */
export type OfferOutcome =
  /** The queue was quiet: publish this event now (leading edge, no added latency). */
  | { readonly action: 'publish'; readonly event: ArrivalEvent }
  /** The queue's window is open: the arrival is held and published (merged) when the window ends. */
  | { readonly action: 'held' }
  /** The window already held an arrival; this newer one replaced it, so one event fewer goes out. */
  | { readonly action: 'merged' };

/** What the coalescer decided about one replayed end offset (`offerReplayed`). */
export type ReplayedOutcome =
  /** No window is open: the caller publishes it (rate-limited), and no window opens for it. */
  | 'absent'
  /** The window already published or holds this end offset or a newer one: nothing to announce. */
  | 'superseded'
  /** It is newer than what the window published, so the window holds it (published at the window's end). */
  | 'held'
  /** As `held`, and it replaced a held arrival, so one event fewer goes out. */
  | 'merged';

/** An event that leaves the coalescer at a window's end, with the oldest store timestamp it stands for. */
export interface DueEvent {
  readonly event: ArrivalEvent;
  /** Store clock of the oldest arrival merged into `event` (for the store-to-publish latency). */
  readonly oldestTimestampMs: number;
}

interface Window {
  readonly key: string;
  endsAtMs: number;
  /** End offset of the event this window last published. */
  publishedEndOffset: number;
  pending: ArrivalEvent | undefined;
  oldestPendingTimestampMs: number;
}

/**
 * Per-queue leading-and-trailing-edge throttle, pure (the caller passes the clock and drives the timer).
 *
 * A quiet queue's first arrival is published at once and opens a window of `windowMs`. Arrivals inside
 * the window are held, the newest replacing older ones (a hint only needs the newest end offset). When
 * the window ends, a held arrival is published and a new window opens; with nothing held the entry is
 * dropped. So a queue written continuously gets at most one event per window (plus the leading one), and
 * memory holds only queues that were active within the last window.
 *
 * Every window has the same length and a window is re-inserted when it is renewed, so the Map's insertion
 * order is deadline order: expiring windows is a scan from the front, and the next deadline is the first.
 * A queue is keyed by shard too: two shards' copies of a wildcard filter queue have unrelated offsets.
 */
export class Coalescer {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly windowMs: number) {}

  /** Queues with an open window (bounded by the arrival rate times the window). */
  get size(): number {
    return this.windows.size;
  }

  offer(event: ArrivalEvent, nowMs: number): OfferOutcome {
    if (this.windowMs <= 0) return { action: 'publish', event };
    const key = queueKey(event);
    const window = this.windows.get(key);
    if (window === undefined) {
      this.windows.set(key, {
        key,
        endsAtMs: nowMs + this.windowMs,
        publishedEndOffset: event.endOffset,
        pending: undefined,
        oldestPendingTimestampMs: 0,
      });
      return { action: 'publish', event };
    }
    if (window.pending === undefined) {
      window.pending = event;
      window.oldestPendingTimestampMs = event.timestampMs;
      return { action: 'held' };
    }
    window.pending = event;
    return { action: 'merged' };
  }

  /**
   * A replayed end offset (the snapshot a reopened store stream starts with). It never opens a window: a
   * live arrival right after it still goes out at once. Where the queue's window is open, the newest end
   * offset wins: an older or equal one is superseded, a newer one is held like a live arrival.
   */
  offerReplayed(event: ArrivalEvent): ReplayedOutcome {
    if (this.windowMs <= 0) return 'absent';
    const window = this.windows.get(queueKey(event));
    if (window === undefined) return 'absent';
    const pending = window.pending;
    const newest = pending !== undefined ? pending.endOffset : window.publishedEndOffset;
    if (event.endOffset <= newest) return 'superseded';
    window.pending = event;
    if (pending !== undefined) return 'merged';
    window.oldestPendingTimestampMs = event.timestampMs;
    return 'held';
  }

  /** Ends every window whose deadline is at or before `nowMs`, returning the held events to publish. */
  takeDue(nowMs: number): DueEvent[] {
    const due: DueEvent[] = [];
    const renewed: Window[] = [];
    for (const window of this.windows.values()) {
      if (window.endsAtMs > nowMs) break;
      this.windows.delete(window.key);
      if (window.pending === undefined) continue;
      due.push({ event: window.pending, oldestTimestampMs: window.oldestPendingTimestampMs });
      // Something was published at the end of this window: the queue is still busy, so the next arrival
      // waits for the next window rather than going out at once.
      window.publishedEndOffset = window.pending.endOffset;
      window.pending = undefined;
      window.endsAtMs = nowMs + this.windowMs;
      renewed.push(window);
    }
    for (const w of renewed) this.windows.set(w.key, w);
    return due;
  }

  /** The earliest open window's deadline, or undefined when no window is open. */
  nextDeadlineMs(): number | undefined {
    for (const w of this.windows.values()) return w.endsAtMs;
    return undefined;
  }

  /** Ends every window now (shutdown): held events are returned so they are not lost. */
  drain(): DueEvent[] {
    const due: DueEvent[] = [];
    for (const w of this.windows.values()) {
      if (w.pending !== undefined)
        due.push({ event: w.pending, oldestTimestampMs: w.oldestPendingTimestampMs });
    }
    this.windows.clear();
    return due;
  }
}

function queueKey(e: ArrivalEvent): string {
  return `${e.shard}\u0000${e.queue.kind}\u0000${e.queue.name}`;
}
