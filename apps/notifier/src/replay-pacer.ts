import { performance } from 'node:perf_hooks';
import { TokenBucket } from '@starling/observability';

/** How the pacer holds a replay stream back: `pause()` stops reading it, `resume()` reads on. */
export interface ReplayFlow {
  pause(): void;
  resume(): void;
}

/** What a finished replay did, for its log line. */
export interface ReplayStats {
  /** Items handed to the pacer. */
  received: number;
  /** Items that took a token and were published. */
  published: number;
  durationMs: number;
}

/** One replay stream's way into the pacer. */
export interface ReplayFeed<T> {
  /** One response's items. The stream is paused while any of them waits for a token. */
  push(items: readonly T[]): void;
  /** The stream ended (everything was received): the replay finishes once the last item is handed out. */
  end(): void;
  /** The stream was lost: pending items are dropped (the next stream replays again). Idempotent. */
  discard(): void;
}

export interface ReplayPacerOptions<T> {
  /** Items published per second, across every feed (NOTIFIER_REPLAY_RATE). */
  ratePerSecond: number;
  /** Bucket size: items that may go out at once after a quiet spell (NOTIFIER_REPLAY_BURST). */
  burst: number;
  /**
   * Handles an item that needs no event of its own (it merged into, or is older than, a live event of
   * the same queue): true when it did, and the item then costs no token.
   */
  absorb(item: T): boolean;
  /** Publishes an item that took a token. */
  publish(item: T): void;
  /** Time items waited for a token (called as it accrues). */
  onThrottled?(seconds: number): void;
  /** Items dropped unpublished by `discard()` or `close()`. */
  onDiscarded?(count: number): void;
  /** Milliseconds, monotonic; `performance.now` by default. */
  now?: () => number;
}

interface FeedState<T> {
  readonly flow: ReplayFlow;
  readonly onDone: (stats: ReplayStats) => void;
  pending: T[];
  /** Index of the next pending item. */
  next: number;
  paused: boolean;
  ended: boolean;
  closed: boolean;
  received: number;
  published: number;
  readonly startedAtMs: number;
}

/**
 * Paces the end-offset replays of every store stream through one token bucket (ADR 0009), so a shard with
 * millions of non-empty queues cannot flood NATS when its stream reopens. Live arrivals never pass through
 * here, so the limit never delays them.
 *
 * Memory stays bounded: a feed whose items wait for tokens has its stream paused, so the rest of the replay
 * stays at the store, held back by HTTP/2 flow control; the pacer holds at most the responses already read.
 * Feeds take turns a response at a time (a feed that drained its response goes to the back of the line).
 */
export class ReplayPacer<T> {
  private readonly bucket: TokenBucket;
  private readonly now: () => number;
  /** Feeds with pending items, in turn order; the head is served first. */
  private readonly waiting: FeedState<T>[] = [];
  private readonly feeds = new Set<FeedState<T>>();
  private timer: NodeJS.Timeout | undefined = undefined;
  /** When the head feed last found the bucket empty; undefined while nothing waits for a token. */
  private throttledSinceMs: number | undefined = undefined;
  /** Tokens to wait for before waking again: about 5 ms of the rate, so a low rate costs few timers. */
  private readonly wakeTokens: number;
  private pumping = false;
  private closed = false;

  constructor(private readonly options: ReplayPacerOptions<T>) {
    this.now = options.now ?? (() => performance.now());
    this.bucket = new TokenBucket(options.ratePerSecond, options.burst, this.now());
    this.wakeTokens = Math.max(1, Math.min(options.burst, Math.ceil(options.ratePerSecond / 200)));
  }

  /** Replays in progress: opened, and neither finished nor discarded. */
  get activeReplays(): number {
    return this.feeds.size;
  }

  /** Items read from replay streams and not yet handed out. */
  get pendingItems(): number {
    let n = 0;
    for (const f of this.waiting) n += f.pending.length - f.next;
    return n;
  }

  /** A new replay stream; `onDone` runs once it ended and its last item was handed out. */
  open(flow: ReplayFlow, onDone: (stats: ReplayStats) => void = () => undefined): ReplayFeed<T> {
    const feed: FeedState<T> = {
      flow,
      onDone,
      pending: [],
      next: 0,
      paused: false,
      ended: false,
      closed: this.closed,
      received: 0,
      published: 0,
      startedAtMs: this.now(),
    };
    if (!feed.closed) this.feeds.add(feed);
    return {
      push: (items) => this.push(feed, items),
      end: () => this.end(feed),
      discard: () => this.discard(feed),
    };
  }

  /** Drops every pending item and stops the timer; feeds opened later are inert. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const feed of [...this.feeds]) this.discard(feed);
    this.stopTimer();
  }

  private push(feed: FeedState<T>, items: readonly T[]): void {
    if (feed.closed || items.length === 0) return;
    if (feed.next === feed.pending.length) {
      feed.pending = [...items];
      feed.next = 0;
      this.waiting.push(feed);
    } else {
      // More data arrived before the pause took hold; it waits behind what is pending.
      for (const item of items) feed.pending.push(item);
    }
    feed.received += items.length;
    if (this.timer === undefined) this.pump();
    if (!feed.closed && feed.next < feed.pending.length && !feed.paused) {
      feed.paused = true;
      feed.flow.pause();
    }
  }

  private end(feed: FeedState<T>): void {
    if (feed.closed || feed.ended) return;
    feed.ended = true;
    if (feed.next === feed.pending.length) this.finish(feed);
  }

  private discard(feed: FeedState<T>): void {
    if (feed.closed) return;
    feed.closed = true;
    this.feeds.delete(feed);
    const dropped = feed.pending.length - feed.next;
    feed.pending = [];
    feed.next = 0;
    const i = this.waiting.indexOf(feed);
    if (i >= 0) this.waiting.splice(i, 1);
    if (dropped > 0) this.options.onDiscarded?.(dropped);
    if (this.waiting.length === 0) this.stopTimer();
  }

  private finish(feed: FeedState<T>): void {
    feed.closed = true;
    this.feeds.delete(feed);
    feed.onDone({
      received: feed.received,
      published: feed.published,
      durationMs: this.now() - feed.startedAtMs,
    });
  }

  /** Hands out pending items while tokens last, head feed first; arms the timer when they run out. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      this.timer = undefined;
      this.accountThrottled(this.now());
      while (this.waiting.length > 0) {
        const feed = this.waiting[0]!;
        while (feed.next < feed.pending.length) {
          const item = feed.pending[feed.next]!;
          if (this.options.absorb(item)) {
            feed.next++;
            continue;
          }
          // The clock is read per token: a pump that takes long (GC, a slow publish) must not spend
          // tokens at a stale time and so let more through in some interval than the budget allows.
          const takenAtMs = this.now();
          if (!this.bucket.tryTake(takenAtMs)) {
            this.throttledSinceMs = takenAtMs;
            const wanted = Math.min(feed.pending.length - feed.next, this.wakeTokens);
            const delayMs = this.bucket.msUntil(wanted, takenAtMs);
            this.timer = setTimeout(() => this.pump(), Math.max(1, delayMs));
            return;
          }
          feed.next++;
          feed.published++;
          this.options.publish(item);
        }
        this.waiting.shift();
        feed.pending = [];
        feed.next = 0;
        if (feed.ended) this.finish(feed);
        else if (feed.paused) {
          feed.paused = false;
          feed.flow.resume();
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private accountThrottled(nowMs: number): void {
    if (this.throttledSinceMs === undefined) return;
    this.options.onThrottled?.(Math.max(0, nowMs - this.throttledSinceMs) / 1000);
    this.throttledSinceMs = undefined;
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.accountThrottled(this.now());
  }
}
