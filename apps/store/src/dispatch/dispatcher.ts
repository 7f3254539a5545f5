import { firstLevel, type TopicMatcher } from '@starling/mqtt-topic';
import type { DurableBatch, RecordInput } from '../commitlog';
import type { ArrivalNotice } from '../arrival-hub';
import type { QueueIndex, QueueRef } from '../queues';

/** One record to dispatch: what the commitlog made durable, with where it lies. */
export interface DispatchRecord {
  readonly topic: string;
  readonly position: number;
  readonly size: number;
  readonly timestampMs: number;
  readonly retain: boolean;
  readonly record: RecordInput;
}

/** One index entry a dispatch batch appended: the record at `position` in `queue`. */
export interface IndexedEntry {
  readonly queue: QueueRef;
  readonly position: number;
}

export interface DispatcherDeps {
  index: QueueIndex;
  matcher: TopicMatcher;
  /** Retained updates must be durable before the index checkpoint passes them (see `flush`). */
  applyRetained(records: readonly DispatchRecord[]): Promise<void>;
  /** Arrivals of each dispatch batch, once its entries are in the index (readable). */
  publishArrivals(arrivals: readonly ArrivalNotice[]): void;
  /**
   * Each dispatch batch once its entries are readable, before its arrivals: the records, the entries in the
   * order they were appended (a record's entries follow each other, records in log order), and each
   * queue's end after it. Readers in this process take the messages from here (ADR 0019). Must not throw.
   */
  onIndexed?(
    records: readonly DispatchRecord[],
    entries: readonly IndexedEntry[],
    ends: ReadonlyArray<{ readonly queue: QueueRef; readonly high: number }>,
  ): void;
  /**
   * Entries readable but not yet committed to LMDB past which dispatch waits for a commit (memory bound
   * when LMDB falls behind). Default 500,000 (about 10 MB of entries).
   */
  maxUncommittedEntries?: number;
  onDispatched?(stats: {
    records: number;
    entries: number;
    durationSeconds: number;
    checkpoint: number;
  }): void;
  onError(err: unknown): void;
}

/**
 * Writes index entries for every durable record: one in its first-level topic queue and one in every
 * registered filter queue that matches its topic, then publishes the new end offsets.
 *
 * Latency and batching: `QueueIndex.appendBatch` makes the entries readable at once and leaves the LMDB
 * commit to the index, which commits every batch staged meanwhile in one transaction (ADR 0012). So the
 * arrivals of a durable batch go out in the event-loop turn after it became durable (`setImmediate`
 * gathers the batches of one turn), whatever LMDB is doing.
 * Ordering and crash safety: dispatches run one at a time in log order; the index commits entries and the
 * checkpoint (the position just past the last record) atomically, so replaying the commitlog from the
 * checkpoint after a crash neither skips nor duplicates an entry, and assigns the offsets readers saw
 * before the crash again (dispatch is deterministic given the registered filters; a new filter starts only
 * after the index committed everything acknowledged before it: `Store.acknowledgedIndexed`). Retained
 * updates live in another LMDB environment; they are made durable *before* the batch is staged (so before
 * any checkpoint passes them), and re-applying them on replay is harmless (they are applied in log order,
 * last writer wins).
 */
export class Dispatcher {
  private pending: DispatchRecord[] = [];
  private pendingEnd = 0;
  private scheduled = false;
  /** The dispatch loop, while it runs. */
  private active: Promise<void> | undefined;
  private readonly topicQueues = new Map<string, QueueRef>();
  private readonly filterQueues = new Map<string, QueueRef>();
  private matchScratch: string[] = [];
  private failed = false;
  /** Position just past the last dispatched record (0 until the first dispatch). */
  private dispatchedEnd = 0;

  private readonly maxUncommitted: number;

  constructor(private readonly deps: DispatcherDeps) {
    this.maxUncommitted = deps.maxUncommittedEntries ?? 500_000;
  }

  /** The commitlog's `onDurable` listener. */
  readonly onDurable = (batch: DurableBatch): void => {
    const { records, positions, sizes, timestampsMs } = batch;
    const pending = this.pending;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      pending.push({
        topic: record.topic,
        position: positions[i]!,
        size: sizes[i]!,
        timestampMs: timestampsMs[i]!,
        retain: record.retain === true,
        record,
      });
    }
    this.pendingEnd = batch.endPosition;
    this.schedule();
  };

  /** Dispatches records replayed at recovery (not through `onDurable`), as one batch ending at `endPosition`. */
  async dispatchReplayed(records: readonly DispatchRecord[], endPosition: number): Promise<void> {
    await this.idle();
    await this.dispatch(records, endPosition);
  }

  /** Resolves once nothing handed over so far waits to be dispatched. */
  private async idle(): Promise<void> {
    for (;;) {
      if (this.active !== undefined) await this.active;
      else if (this.scheduled || this.pending.length > 0) await new Promise((r) => setImmediate(r));
      else return;
    }
  }

  /**
   * Resolves once everything handed over so far is dispatched (readable, arrivals published) and
   * committed to the index.
   */
  async drain(): Promise<void> {
    await this.idle();
    await this.deps.index.flushed();
  }

  /**
   * Resolves once every record before `position` is dispatched (readable; or nothing more is waiting),
   * without waiting for records past it: a read that must see everything acknowledged so far passes the
   * commitlog's durable end.
   */
  async reached(position: number): Promise<void> {
    while (this.dispatchedEnd < position) {
      if (this.active !== undefined) await this.active;
      else if (this.scheduled || this.pending.length > 0) await new Promise((r) => setImmediate(r));
      else return;
    }
  }

  /** Queue refs are interned: dispatch creates millions of entries naming the same few queues. */
  private topicQueue(name: string): QueueRef {
    let q = this.topicQueues.get(name);
    if (q === undefined) {
      q = { kind: 'topic', name };
      if (this.topicQueues.size > 100_000) this.topicQueues.clear();
      this.topicQueues.set(name, q);
    }
    return q;
  }

  private filterQueue(filter: string): QueueRef {
    let q = this.filterQueues.get(filter);
    if (q === undefined) {
      q = { kind: 'filter', name: filter };
      if (this.filterQueues.size > 100_000) this.filterQueues.clear();
      this.filterQueues.set(filter, q);
    }
    return q;
  }

  private schedule(): void {
    // A running loop picks the new records up when its current dispatch has committed.
    if (this.scheduled || this.active !== undefined) return;
    this.scheduled = true;
    setImmediate(this.start);
  }

  private readonly start = (): void => {
    this.scheduled = false;
    if (this.active === undefined && this.pending.length > 0) this.active = this.run();
  };

  private async run(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const records = this.pending;
        const end = this.pendingEnd;
        this.pending = [];
        await this.dispatch(records, end);
      }
    } finally {
      this.active = undefined;
    }
  }

  private async dispatch(records: readonly DispatchRecord[], endPosition: number): Promise<void> {
    if (this.failed) return;
    const started = performance.now();
    try {
      const retained = records.filter((r) => r.retain);
      if (retained.length > 0) await this.deps.applyRetained(retained);
      const entries: Array<{ queue: QueueRef; position: number; size: number; timestampMs: number }> = [];
      const matches = this.matchScratch;
      for (const r of records) {
        entries.push({
          queue: this.topicQueue(firstLevel(r.topic)),
          position: r.position,
          size: r.size,
          timestampMs: r.timestampMs,
        });
        matches.length = 0;
        this.deps.matcher.match(r.topic, matches);
        for (const f of matches) {
          entries.push({
            queue: this.filterQueue(f),
            position: r.position,
            size: r.size,
            timestampMs: r.timestampMs,
          });
        }
      }
      const ends = this.deps.index.appendBatch(entries, endPosition);
      this.dispatchedEnd = endPosition;
      this.deps.onIndexed?.(records, entries, ends);
      const now = Date.now();
      this.deps.publishArrivals(ends.map((e) => ({ queue: e.queue, endOffset: e.high, timestampMs: now })));
      this.deps.onDispatched?.({
        records: records.length,
        entries: entries.length,
        durationSeconds: (performance.now() - started) / 1000,
        checkpoint: endPosition,
      });
      // LMDB behind by more than the bound: let it commit before staging more.
      if (this.deps.index.uncommittedEntries() > this.maxUncommitted) await this.deps.index.flushed();
    } catch (err) {
      // An index write failure leaves the checkpoint where it was: a restart replays from there. Until
      // then, stop dispatching rather than skip entries (readers see no new messages; appends still land).
      this.failed = true;
      this.deps.onError(err);
    }
  }
}
