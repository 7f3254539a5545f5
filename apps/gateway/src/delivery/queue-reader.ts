import type { ArrivalEvent, BusSubscription, EventBus } from '@starling/event-bus';
import type { Logger } from '@starling/observability';
import type { GatewayMetrics } from '../metrics';
import { QueueNotFoundError, QueueOffsetPastEndError } from '../store-access/errors';
import type { PullResult, QueuedMessage, ShardQueue, StoreAccess } from '../types';

/** Why a pull happened (the `trigger` label of `starling_gateway_pulls_total`). */
export type PullTrigger = 'event' | 'catch-up' | 'resume' | 'subscribe' | 'ready';

/** What a reader sees of one session subscription reading its queue. */
export interface ReaderCursor {
  /** The next queue offset this cursor reads. */
  readonly nextOffset: number;
  /** True while the session can take a message now (writable, window not full, not waiting for the end). */
  canTake(): boolean;
  /**
   * Set while the cursor waits to learn the queue's end at the time it was added (resume: the DUP and offline
   * QoS 0 boundary): the number of pulls started before it was added; a pull started later answers it.
   */
  readonly awaitingEndAfterPull: number | undefined;
  learnEnd(endOffset: number): void;
  /** Hands over the message at `message.offset` (>= nextOffset); moves nextOffset past it. */
  deliver(message: QueuedMessage): void;
  /** No message exists below `offset` for this cursor (gap, end of a pulled range). */
  advanceTo(offset: number): void;
  /** Retention removed everything below `lowOffset`: move forward; returns the number of messages lost. */
  skipToLowOffset(lowOffset: number): number;
  /** The queue was created anew: continue at `offset` of the new queue (see `QueueReader.restartAt`). */
  restartAt(offset: number): void;
}

export interface QueueReaderOptions {
  readonly queue: ShardQueue;
  readonly store: StoreAccess;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly pullMaxMessages: number;
  readonly pullMaxBytes: number;
  /** Messages kept for cursors that trail the head (bounded by count and bytes). */
  readonly windowMaxMessages: number;
  readonly windowMaxBytes: number;
  readonly now: () => number;
  /**
   * A pull found the queue gone (NOT_FOUND) or shorter than the offset asked (OUT_OF_RANGE): a filter queue
   * whose registration lapsed. The engine renews the registration, which restarts the reader (`restartAt`).
   */
  readonly onQueueGone?: (queue: ShardQueue) => void;
}

/** Re-feeds triggered while feeding (an acknowledgement delivered synchronously) are bounded. */
const MAX_FEED_ROUNDS = 8;

/**
 * One reader per (shard, queue) per gateway, shared by every local cursor on that queue: one pull serves every
 * local subscriber (DESIGN §3 Deliver).
 *
 * It keeps a bounded window of the most recently pulled messages and feeds every cursor that can take messages
 * from it. It pulls when a ready cursor needs messages outside the window (behind the known end, or the end is
 * unknown): one pull at a time, from the lowest such cursor. A pull that continues the window's head extends
 * the window; a pull for a cursor behind the window's start feeds from its own batch and leaves the window be.
 * A cursor that cannot take (stalled session) is skipped and costs the others nothing: it resumes with `wake`.
 *
 * Arrival events only raise the known end; `catchUp` (on a slow timer) pulls readers that have not pulled for a
 * while even without events, so a lost event costs latency, never a message.
 */
export class QueueReader {
  private readonly cursors = new Set<ReaderCursor>();
  private window: QueuedMessage[] = [];
  private windowBytes = 0;
  /** The window covers offsets [windowStart, windowEnd); empty until the first head pull. */
  private windowStart = 0;
  private windowEnd = 0;
  private hasWindow = false;
  private endOffset: number | undefined;
  private pulling = false;
  private pullAgain: PullTrigger | undefined;
  private pullsStarted = 0;
  private lastPullAtMs = Number.NEGATIVE_INFINITY;
  private failing = false;
  private feeding = false;
  private refeed = false;
  private subscription: BusSubscription | undefined;
  private unwatch: (() => void) | undefined;
  private closed = false;

  constructor(private readonly options: QueueReaderOptions) {
    this.subscription = options.bus.subscribeArrivals(
      { kind: options.queue.kind, name: options.queue.name },
      (event) => this.onArrival(event),
    );
    this.unwatch = options.store.watchQueue(options.queue, (messages, endOffset) =>
      this.onPushed(messages, endOffset),
    );
  }

  get queue(): ShardQueue {
    return this.options.queue;
  }

  get cursorCount(): number {
    return this.cursors.size;
  }

  /** The queue's end as far as this reader knows (events and pull answers); undefined before either. */
  get knownEndOffset(): number | undefined {
    return this.endOffset;
  }

  /** Pulls started so far (a cursor waiting for the end records this when it is added). */
  get pullCount(): number {
    return this.pullsStarted;
  }

  add(cursor: ReaderCursor, trigger: PullTrigger): void {
    if (this.closed) return;
    this.cursors.add(cursor);
    this.wake(cursor, trigger);
  }

  /** Returns true when this was the last cursor (the engine then closes the reader). */
  remove(cursor: ReaderCursor): boolean {
    this.cursors.delete(cursor);
    return this.cursors.size === 0;
  }

  /** The cursor's session can take messages again (acknowledgement, socket drained, added). */
  wake(cursor: ReaderCursor, trigger: PullTrigger = 'ready'): void {
    if (this.closed || !this.cursors.has(cursor)) return;
    if (this.feeding) {
      this.refeed = true;
      return;
    }
    this.feeding = true;
    try {
      this.feedFromWindow(cursor);
    } finally {
      this.feeding = false;
    }
    if (this.refeed) this.feedAll();
    if (this.needsMessages(cursor, false)) this.schedulePull(trigger);
  }

  /** Catch-up timer: pull if a cursor is behind, the end is unknown, or nothing was pulled for `idleMs`. */
  catchUp(idleMs: number): void {
    if (this.closed || this.pulling) return;
    const behind = this.lowestNeedingMessages(false) !== undefined;
    const probe = this.options.now() - this.lastPullAtMs >= idleMs;
    if (behind || (probe && this.lowestNeedingMessages(true) !== undefined)) this.schedulePull('catch-up');
  }

  /**
   * The queue was dropped and created anew, empty, with `endOffset` as its end (a lapsed registration): every
   * cursor continues there. What was dispatched while the filter was not registered never reached the queue;
   * offsets of the old queue mean nothing in the new one.
   */
  restartAt(endOffset: number): void {
    if (this.closed) return;
    this.options.metrics.queueRestarts.inc();
    this.options.logger.warn(
      { queue: this.options.queue, endOffset, cursors: this.cursors.size },
      'queue created anew; its cursors restart at its end',
    );
    this.endOffset = endOffset;
    this.resetWindow();
    for (const cursor of this.cursors) cursor.restartAt(endOffset);
    this.failing = false;
    this.schedulePullIfBehind('ready');
  }

  close(): void {
    this.closed = true;
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.unwatch?.();
    this.unwatch = undefined;
    this.cursors.clear();
    this.window = [];
    this.windowBytes = 0;
  }

  private onArrival(event: ArrivalEvent): void {
    // Queues of one name exist on several shards (wildcard-first filters); offsets are per shard.
    if (this.closed || event.shard !== this.options.queue.shard) return;
    this.raiseEnd(event.endOffset);
  }

  /** The queue ends at `endOffset` (or further): pull if that is news. */
  private raiseEnd(endOffset: number): void {
    if (this.endOffset !== undefined && endOffset <= this.endOffset) return;
    this.endOffset = endOffset;
    this.schedulePull('event');
  }

  /**
   * Messages just dispatched by a store in this process (ADR 0019). When they continue the window and no pull
   * is under way, they join it as a pull's answer would, and feed the cursors at once; otherwise they only
   * raise the known end, as an arrival event does (a pull in flight or one to come reads them).
   */
  private onPushed(messages: readonly QueuedMessage[], endOffset: number): void {
    if (this.closed || messages.length === 0) return;
    const start = messages[0]!.offset;
    if (this.pulling || !this.hasWindow || start !== this.windowEnd) {
      this.raiseEnd(endOffset);
      return;
    }
    if (this.endOffset === undefined || endOffset > this.endOffset) this.endOffset = endOffset;
    this.options.metrics.pushedMessages.inc(messages.length);
    this.extendWindow(start, endOffset, messages);
    this.feedAll();
    // A cursor behind the window (a resumed session) still needs its pull.
    this.schedulePullIfBehind('event');
  }

  /**
   * Whether a cursor needs messages the window does not hold. `probe` also counts cursors at the known end
   * (for the catch-up timer: only a pull can tell whether an event was missed).
   */
  private needsMessages(cursor: ReaderCursor, probe: boolean): boolean {
    if (cursor.awaitingEndAfterPull !== undefined) return true;
    if (!cursor.canTake()) return false;
    const offset = cursor.nextOffset;
    if (this.hasWindow && offset >= this.windowStart && offset < this.windowEnd) return false;
    if (probe || this.endOffset === undefined) return true;
    return offset < this.endOffset;
  }

  private lowestNeedingMessages(probe: boolean): number | undefined {
    let lowest: number | undefined;
    for (const cursor of this.cursors) {
      if (!this.needsMessages(cursor, probe)) continue;
      if (lowest === undefined || cursor.nextOffset < lowest) lowest = cursor.nextOffset;
    }
    return lowest;
  }

  private schedulePull(trigger: PullTrigger): void {
    if (this.closed) return;
    if (this.pulling) {
      this.pullAgain ??= trigger;
      return;
    }
    const probe = trigger === 'catch-up';
    const from = this.lowestNeedingMessages(probe) ?? (probe ? undefined : this.lowestNeedingMessages(false));
    if (from === undefined) return;
    void this.pull(from, trigger);
  }

  private async pull(from: number, trigger: PullTrigger): Promise<void> {
    const { store, queue, metrics, logger } = this.options;
    this.pulling = true;
    this.pullsStarted += 1;
    const seq = this.pullsStarted;
    this.lastPullAtMs = this.options.now();
    metrics.pulls.inc({ trigger });
    let result: PullResult;
    try {
      result = await store.pull(queue, from, this.options.pullMaxMessages, this.options.pullMaxBytes);
    } catch (err) {
      this.pulling = false;
      this.pullAgain = undefined;
      // The catch-up timer retries; log the first failure of a run only.
      if (!this.failing) logger.warn({ err, queue }, 'pull failed');
      this.failing = true;
      if (err instanceof QueueNotFoundError || err instanceof QueueOffsetPastEndError) {
        this.options.onQueueGone?.(queue);
      }
      return;
    }
    this.pulling = false;
    if (this.closed) return;
    if (this.failing) logger.info({ queue }, 'pull recovered');
    this.failing = false;
    this.absorb(from, result, seq);
    const again = this.pullAgain;
    this.pullAgain = undefined;
    // Continue while some ready cursor is still behind the (now known) end; a pull that made no progress
    // waits for the next event or the catch-up timer instead of spinning.
    const progressed = result.messages.length > 0 || result.nextOffset > from || result.resetToLowOffset;
    if (progressed || again !== undefined) this.schedulePullIfBehind(again ?? trigger);
  }

  private schedulePullIfBehind(trigger: PullTrigger): void {
    if (this.lowestNeedingMessages(false) !== undefined) this.schedulePull(trigger);
  }

  private absorb(from: number, result: PullResult, seq: number): void {
    const { metrics } = this.options;
    if (this.endOffset === undefined || result.endOffset > this.endOffset) this.endOffset = result.endOffset;
    let start = from;
    if (result.resetToLowOffset || result.lowOffset > from) {
      start = Math.max(from, result.lowOffset);
      let dropped = 0;
      for (const cursor of this.cursors) dropped += cursor.skipToLowOffset(result.lowOffset);
      if (dropped > 0) metrics.messagesDropped.inc({ reason: 'retention' }, dropped);
      if (this.hasWindow && this.windowEnd <= result.lowOffset) this.resetWindow();
    }
    for (const cursor of this.cursors) {
      const after = cursor.awaitingEndAfterPull;
      if (after !== undefined && seq > after) cursor.learnEnd(result.endOffset);
    }
    const end = Math.max(result.nextOffset, start);
    if (!this.hasWindow || start >= this.windowEnd) {
      this.extendWindow(start, end, result.messages);
      this.feedAll();
    } else {
      // A cursor behind the window: feed from this batch, keep the window for the head.
      this.feedAll(result.messages, start, end);
      this.feedAll();
    }
  }

  private resetWindow(): void {
    this.window = [];
    this.windowBytes = 0;
    this.hasWindow = false;
  }

  private extendWindow(start: number, end: number, messages: readonly QueuedMessage[]): void {
    if (!this.hasWindow || start !== this.windowEnd) {
      this.window = [];
      this.windowBytes = 0;
      this.windowStart = start;
    }
    this.hasWindow = true;
    this.windowEnd = end;
    for (const message of messages) {
      this.window.push(message);
      this.windowBytes += message.payload.length + message.topic.length;
    }
    let drop = 0;
    let droppedBytes = 0;
    const { windowMaxMessages, windowMaxBytes } = this.options;
    while (
      drop < this.window.length - 1 &&
      (this.window.length - drop > windowMaxMessages || this.windowBytes - droppedBytes > windowMaxBytes)
    ) {
      const message = this.window[drop]!;
      droppedBytes += message.payload.length + message.topic.length;
      drop += 1;
    }
    if (drop > 0) {
      this.windowStart = this.window[drop - 1]!.offset + 1;
      this.window = this.window.slice(drop);
      this.windowBytes -= droppedBytes;
    }
  }

  private feedAll(
    messages: readonly QueuedMessage[] = this.window,
    start = this.windowStart,
    end = this.windowEnd,
  ): void {
    if (this.feeding) {
      this.refeed = true;
      return;
    }
    this.feeding = true;
    try {
      for (let round = 0; round < MAX_FEED_ROUNDS; round++) {
        this.refeed = false;
        for (const cursor of this.cursors) feedCursor(cursor, messages, start, end);
        if (!this.refeed) break;
      }
    } finally {
      this.feeding = false;
      this.refeed = false;
    }
  }

  private feedFromWindow(cursor: ReaderCursor): void {
    if (this.hasWindow) feedCursor(cursor, this.window, this.windowStart, this.windowEnd);
  }
}

/** Feeds one cursor from `messages`, a pull's answer covering offsets [start, end), while it can take. */
function feedCursor(
  cursor: ReaderCursor,
  messages: readonly QueuedMessage[],
  start: number,
  end: number,
): void {
  if (cursor.nextOffset < start || cursor.nextOffset >= end || !cursor.canTake()) return;
  let index = lowerBound(messages, cursor.nextOffset);
  while (index < messages.length && cursor.canTake()) {
    cursor.deliver(messages[index]!);
    index += 1;
  }
  if (index >= messages.length) cursor.advanceTo(end);
}

/** The index of the first message whose offset is >= `offset`. */
function lowerBound(messages: readonly QueuedMessage[], offset: number): number {
  let low = 0;
  let high = messages.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (messages[middle]!.offset < offset) low = middle + 1;
    else high = middle;
  }
  return low;
}
