import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@starling/observability';
import {
  TopicMatcher,
  filterFirstLevelIsWildcard,
  firstLevel,
  validateTopicFilter,
} from '@starling/mqtt-topic';
import { openCommitlog, type Commitlog, type LogRecord, type RecordInput } from './commitlog';
import { openQueueIndex, type QueueIndex, type QueueRef } from './queues';
import { openStateStore, type MessageProperties, type StateStore } from './state';
import { ArrivalHub, type ArrivalListener, type ArrivalNotice } from './arrival-hub';
import { Dispatcher, type DispatchRecord } from './dispatch/dispatcher';
import { LocalReaders, type LocalQueueListener } from './local-readers';
import { decodeRecordMeta, encodeRecordMeta } from './record-properties';
import { shardOfClient, shardOfTopic } from './sharding';
import { validateAppend, type AppendInput, type AppendRejection } from './append-validation';
import type { StoreMetrics } from './metrics';
import type { FsyncPolicy } from './config';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock';

export type { AppendInput } from './append-validation';

export interface StoreOptions {
  dataDir: string;
  fsync: FsyncPolicy;
  flushIntervalMs: number;
  /** Least time between the starts of two index commits (entries are readable before); default 100 ms. */
  indexCommitIntervalMs?: number;
  segmentBytes: number;
  tailCacheBytes: number;
  maxMessageBytes: number;
  maxBatchMessages: number;
  retentionMaxAgeMs: number;
  retentionMaxBytes: number;
  retentionCheckIntervalMs: number;
  retainedMatchLimit: number;
  shardIndex: number;
  shardCount: number;
  logger: Logger;
  metrics?: StoreMetrics;
  /** How often session expiry, pending wills and filter leases are checked. */
  housekeepingIntervalMs?: number;
  /**
   * Called when a due will is durable in the commitlog, before it is removed from the state (tests stop the
   * process here to prove the will survives).
   */
  onWillAppended?: (clientId: string) => void;
  /**
   * The filters of a client's session on its home shard (another shard), undefined when that shard stores no
   * session for it; rejects when it cannot answer. Without it the sweep of ended sessions' holds is off.
   */
  homeSessionFilters?: (shard: number, clientId: string) => Promise<readonly string[] | undefined>;
  /** How often a sweep of ended sessions' filter holds starts (default 10 min). */
  sessionSweepIntervalMs?: number;
}

/** A message read from a queue, decoded from its commitlog record. */
export interface StoredMessage {
  offset: number;
  position: number;
  timestampMs: number;
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  publisherClientId: string;
  properties: MessageProperties | undefined;
}

export type AppendOutcome = { status: 'ok'; positions: readonly number[] } | AppendRejection;

export type PullOutcome =
  | {
      status: 'ok';
      messages: StoredMessage[];
      lowOffset: number;
      endOffset: number;
      nextOffset: number;
      resetToLowOffset: boolean;
    }
  | { status: 'unknown-filter' }
  | { status: 'wrong-shard'; shard: number }
  | { status: 'offset-out-of-range'; endOffset: number };

export interface PullRequest {
  queue: QueueRef;
  fromOffset: number;
  maxMessages: number;
  maxBytes: number;
  waitMs: number;
  signal?: AbortSignal;
}

export type RegisterOutcome =
  | { status: 'ok'; queue: QueueRef; endOffset: number; created: boolean }
  | { status: 'invalid-filter'; message: string }
  | { status: 'wrong-shard'; shard: number };

/**
 * One store shard: the commitlog, the queue index the dispatcher writes, the durable state (filters,
 * sessions, offsets, retained) and the arrival hub. Opening it runs recovery; `close()` leaves it clean.
 */
export class Store {
  private readonly timers: NodeJS.Timeout[] = [];
  private closing: Promise<void> | undefined;
  private housekeeping: Promise<unknown> = Promise.resolve();
  private sweeping: Promise<unknown> | undefined;

  private constructor(
    readonly options: StoreOptions,
    readonly commitlog: Commitlog,
    readonly index: QueueIndex,
    readonly state: StateStore,
    readonly matcher: TopicMatcher,
    private readonly dispatcher: Dispatcher,
    readonly hub: ArrivalHub,
    private readonly localReaders: LocalReaders,
    private readonly lock: DataDirLock,
    readonly recoveryReport: {
      clean: boolean;
      truncatedBytes: number;
      replayedRecords: number;
      durationMs: number;
    },
  ) {}

  get shardIndex(): number {
    return this.options.shardIndex;
  }

  get shardCount(): number {
    return this.options.shardCount;
  }

  /**
   * Locks `dataDir` (DataDirLockedError when another store holds it, before anything in it is touched), opens
   * the shard under it and recovers it: the commitlog truncates a torn tail, then every record past the index
   * checkpoint is dispatched again. Resolves once the shard can serve.
   */
  static async open(options: StoreOptions): Promise<Store> {
    const lock = acquireDataDirLock(options.dataDir, options.logger);
    try {
      return await Store.openLocked(options, lock);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  private static async openLocked(options: StoreOptions, lock: DataDirLock): Promise<Store> {
    const started = performance.now();
    const { logger, metrics } = options;
    const dirs = {
      commitlog: join(options.dataDir, 'commitlog'),
      index: join(options.dataDir, 'index'),
      state: join(options.dataDir, 'state'),
    };
    for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });

    const commitlog = await openCommitlog({
      dir: dirs.commitlog,
      segmentBytes: options.segmentBytes,
      // Frame overhead and topic on top of the payload limit: the limit the operator sets is for messages.
      maxRecordBytes: Math.min(options.segmentBytes, options.maxMessageBytes + 128 * 1024),
      fsync: options.fsync,
      flushIntervalMs: options.flushIntervalMs,
      cacheBytes: options.tailCacheBytes,
      logger: logger.child({ component: 'commitlog' }),
      ...(metrics
        ? {
            metrics: {
              observeAppendSeconds: (s: number) => metrics.appendLatency.observe(s),
              observeBatch: (records: number, bytes: number) => {
                metrics.batchSize.observe(records);
                metrics.messagesAppended.inc(records);
                metrics.bytesAppended.inc(bytes);
              },
              observeFsyncSeconds: (s: number) => {
                metrics.fsyncs.inc();
                metrics.fsyncDuration.observe(s);
              },
              setSegments: (count: number, bytes: number) => {
                metrics.segments.set(count);
                metrics.diskBytes.set(bytes);
              },
            },
          }
        : {}),
    });

    const indexOptions = {
      dir: dirs.index,
      commitIntervalMs: options.indexCommitIntervalMs ?? 1000,
      ...(metrics
        ? {
            onCommit: ({ entries, durationSeconds }: { entries: number; durationSeconds: number }) => {
              metrics.indexCommitDuration.observe(durationSeconds);
              metrics.indexCommitEntries.observe(entries);
            },
          }
        : {}),
    };
    let index = openQueueIndex(indexOptions);
    let checkpoint = index.checkpoint();
    if (checkpoint !== undefined && checkpoint > commitlog.endPosition) {
      // Only possible when the commitlog lost a tail the index had already seen (async fsync and a power
      // loss). Entries past the log's end would point at records that no longer exist and the next
      // appends would reuse their positions: the index is derived data, so rebuild it from the log.
      logger.error(
        { checkpoint, commitlogEnd: commitlog.endPosition },
        'index is ahead of the commitlog; rebuilding the index from the commitlog',
      );
      await index.close();
      rmSync(dirs.index, { recursive: true, force: true });
      mkdirSync(dirs.index, { recursive: true });
      index = openQueueIndex(indexOptions);
      checkpoint = undefined;
    }

    const matcher = new TopicMatcher();
    const indexRef = index;
    const state = openStateStore({
      dir: dirs.state,
      isHomeShard: (clientId) => shardOfClient(clientId, options.shardCount) === options.shardIndex,
      queueEndOffset: (filter) => indexRef.ensureQueue({ kind: 'filter', name: filter }),
      onFilterAdded: (filter) => {
        matcher.add(filter);
        metrics?.filters.set(matcher.size);
      },
      onFilterRemoved: (filter) => {
        matcher.remove(filter);
        indexRef.deleteQueue({ kind: 'filter', name: filter });
        metrics?.filters.set(matcher.size);
      },
    });
    for (const filter of state.filters.filters()) matcher.add(filter);
    metrics?.filters.set(matcher.size);

    const hub = new ArrivalHub();
    const localReaders = new LocalReaders((err) =>
      logger.error({ err }, 'a reader in this process failed on dispatched messages'),
    );
    const dispatcher = new Dispatcher({
      index,
      matcher,
      applyRetained: (records) => applyRetained(state, records),
      publishArrivals: (arrivals) => hub.publish(arrivals),
      onIndexed: localReaders.onIndexed,
      onDispatched: metrics
        ? ({ entries, durationSeconds, checkpoint: cp }) => {
            metrics.dispatchDuration.observe(durationSeconds);
            metrics.indexEntries.inc(entries);
            metrics.dispatchLagBytes.set(Math.max(0, commitlog.endPosition - cp));
          }
        : undefined,
      onError: (err) => logger.error({ err }, 'dispatch failed; no further dispatch until restart'),
    });

    // Replay: everything durable past the checkpoint goes through dispatch again, in log order.
    const from = Math.max(checkpoint ?? commitlog.lowPosition, commitlog.lowPosition);
    let replayed = 0;
    let chunk: DispatchRecord[] = [];
    let chunkEnd = from;
    for await (const stored of commitlog.scan(from)) {
      chunk.push(toDispatchRecord(stored.record, stored.position, stored.size));
      chunkEnd = stored.position + stored.size;
      if (chunk.length >= 10_000) {
        await dispatcher.dispatchReplayed(chunk, chunkEnd);
        replayed += chunk.length;
        chunk = [];
      }
    }
    if (chunk.length > 0) {
      await dispatcher.dispatchReplayed(chunk, chunkEnd);
      replayed += chunk.length;
    }
    // Readable already; committed before the store reports ready, so the next crash replays none of it.
    if (replayed > 0) await dispatcher.drain();
    commitlog.onDurable(dispatcher.onDurable);

    const durationMs = performance.now() - started;
    const report = {
      clean: commitlog.recovery.clean,
      truncatedBytes: commitlog.recovery.truncatedBytes,
      replayedRecords: replayed,
      durationMs,
    };
    if (metrics) {
      metrics.recoveryDuration.set(durationMs / 1000);
      metrics.recoveryTruncatedBytes.inc(report.truncatedBytes);
      metrics.recoveryReplayedRecords.inc(replayed);
      metrics.uncleanShutdown.set(report.clean ? 0 : 1);
      metrics.queues.set(index.queueCount());
      metrics.retainedMessages.set(state.retained.count());
      metrics.sessions.set(state.sessions.count());
    }
    logger.info({ ...report, from, endPosition: commitlog.endPosition }, 'store recovered');

    const store = new Store(
      options,
      commitlog,
      index,
      state,
      matcher,
      dispatcher,
      hub,
      localReaders,
      lock,
      report,
    );
    store.startTimers();
    return store;
  }

  /** Validates, appends and resolves once the batch is durable under the fsync policy. */
  async append(messages: readonly AppendInput[]): Promise<AppendOutcome> {
    const rejection = validateAppend(messages, this.options);
    if (rejection) return rejection;
    const records = new Array<RecordInput>(messages.length);
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      // One object shape for every record (no spread): `timestampMs` undefined means "now".
      records[i] = {
        topic: m.topic,
        payload: m.payload,
        qos: m.qos as 0 | 1 | 2,
        retain: m.retain,
        timestampMs: m.timestampMs > 0 ? m.timestampMs : undefined,
        properties: encodeRecordMeta(m.publisherClientId, m.properties),
      };
    }
    const result = await this.commitlog.append(records);
    if (result.status === 'too-large') {
      return {
        status: 'too-large',
        index: result.index,
        message: `message ${result.index} is ${result.sizeBytes} bytes framed, over the limit of ${result.maxRecordBytes}`,
      };
    }
    return { status: 'ok', positions: result.positions };
  }

  /** Reads a queue from an offset, waiting up to `waitMs` for a first message when there is none. */
  async pull(request: PullRequest): Promise<PullOutcome> {
    const { queue } = request;
    if (queue.kind === 'topic' && this.options.shardCount > 1) {
      const shard = shardOfTopic(queue.name, this.options.shardCount);
      if (shard !== this.options.shardIndex) return { status: 'wrong-shard', shard };
    }
    // The matcher holds exactly the registered filters (committed registrations): no LMDB read per pull.
    if (queue.kind === 'filter' && this.matcher.refCount(queue.name) === 0) {
      return { status: 'unknown-filter' };
    }
    const started = performance.now();
    let outcome = await this.readQueue(request);
    if (outcome.status === 'ok' && outcome.messages.length === 0 && request.waitMs > 0 && !this.closing) {
      await this.hub.waitFor(queue, request.waitMs, request.signal);
      if (!request.signal?.aborted) outcome = await this.readQueue(request);
    }
    this.options.metrics?.pullLatency.observe((performance.now() - started) / 1000);
    if (outcome.status === 'ok') this.options.metrics?.messagesPulled.inc(outcome.messages.length);
    return outcome;
  }

  private async readQueue(request: PullRequest): Promise<PullOutcome> {
    const { queue, fromOffset } = request;
    const read = this.index.read(queue, fromOffset, request.maxMessages, request.maxBytes);
    if (read.status === 'unknown-queue') {
      // A topic queue exists once something was published to it; before that it is empty, not unknown.
      if (fromOffset > 0) return { status: 'offset-out-of-range', endOffset: 0 };
      return {
        status: 'ok',
        messages: [],
        lowOffset: 0,
        endOffset: 0,
        nextOffset: 0,
        resetToLowOffset: false,
      };
    }
    if (fromOffset > read.high) return { status: 'offset-out-of-range', endOffset: read.high };
    const records = await Promise.all(read.entries.map((e) => this.commitlog.read(e.position)));
    // Retention deletes segments before it trims the index: the first entries may point below the log. They
    // are gone as if trimmed, so the answer says so (a higher low offset) and the reader counts them dropped.
    const logLow = this.commitlog.lowPosition;
    let low = read.low;
    const messages: StoredMessage[] = [];
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const entry = read.entries[i]!;
      if (r.status !== 'ok') {
        if (messages.length === 0 && entry.position < logLow) low = entry.offset + 1;
        continue;
      }
      const meta = decodeRecordMeta(r.record.properties);
      messages.push({
        offset: entry.offset,
        position: entry.position,
        timestampMs: r.record.timestampMs,
        topic: r.record.topic,
        payload: r.record.payload,
        qos: r.record.qos,
        retain: r.record.retain,
        publisherClientId: meta.publisherClientId,
        properties: meta.properties,
      });
    }
    const belowLow = fromOffset < low;
    const start = belowLow ? low : fromOffset;
    const last = read.entries[read.entries.length - 1];
    return {
      status: 'ok',
      messages,
      lowOffset: low,
      endOffset: read.high,
      nextOffset: last ? last.offset + 1 : start,
      resetToLowOffset: belowLow,
    };
  }

  async registerFilter(filter: string, holderId: string, leaseMs: number): Promise<RegisterOutcome> {
    const valid = validateTopicFilter(filter);
    if (!valid.ok) return { status: 'invalid-filter', message: valid.message };
    if (this.options.shardCount > 1 && !filterFirstLevelIsWildcard(filter)) {
      const shard = shardOfTopic(firstLevel(filter), this.options.shardCount);
      if (shard !== this.options.shardIndex) return { status: 'wrong-shard', shard };
    }
    // Otherwise a publish acknowledged before this call but not yet dispatched would land in the queue
    // past the end offset returned here, and the new subscriber would receive it.
    await this.acknowledgedDispatched();
    const r = await this.state.filters.register(filter, holderId, leaseMs);
    await this.filtersCommitted();
    this.options.metrics?.queues.set(this.index.queueCount());
    return {
      status: 'ok',
      queue: { kind: 'filter', name: filter },
      endOffset: r.endOffset,
      created: r.created,
    };
  }

  /** Subscribes to every dispatch; with `replay`, first hands over the end offset of every non-empty queue. */
  /**
   * Readers in this process: every later dispatch batch's messages of `queue`, as a pull of those offsets
   * would return them, once they are readable (ADR 0019). Must not throw; returns the unsubscribe function.
   */
  watchQueue(queue: QueueRef, listener: LocalQueueListener): () => void {
    return this.localReaders.watch(queue, listener);
  }

  watchArrivals(listener: ArrivalListener, replay: boolean): () => void {
    const unsubscribe = this.hub.subscribe(listener);
    this.options.metrics?.arrivalWatchers.set(this.hub.watcherCount);
    if (replay) {
      const now = Date.now();
      let batch: ArrivalNotice[] = [];
      for (const q of this.index.listQueues()) {
        if (q.high === 0) continue;
        batch.push({ queue: q.queue, endOffset: q.high, timestampMs: now });
        if (batch.length >= 1000) {
          listener(batch);
          batch = [];
        }
      }
      if (batch.length > 0) listener(batch);
    }
    return () => {
      unsubscribe();
      this.options.metrics?.arrivalWatchers.set(this.hub.watcherCount);
    };
  }

  /** True until close starts. */
  get isOpen(): boolean {
    return this.closing === undefined;
  }

  /**
   * Waits until everything acknowledged so far has been dispatched, retained updates included. Reads
   * that start a subscriber must see every publish acknowledged before it: the filter queue's end
   * offset a subscription starts from, and the retained messages it receives.
   */
  async acknowledgedDispatched(): Promise<void> {
    await this.dispatcher.reached(this.commitlog.endPosition);
  }

  /**
   * Call after adding filters, before answering: waits until the index has committed everything
   * dispatched so far, so that the checkpoint passes every record dispatched before the new filters were
   * in the matcher. Replaying the commitlog after a crash dispatches the records past the checkpoint with
   * the filters registered then; a record from before a subscription would otherwise land in its queue
   * on replay and move every offset the subscriber had read by one. (A crash before this returns leaves
   * such records in the queue, but no subscriber has read it yet, and a repeated registration starts at
   * the queue's end.)
   */
  async filtersCommitted(): Promise<void> {
    await this.index.flushed();
  }

  /** Waits until every durable batch so far is in the index (tests, shutdown). */
  async dispatched(): Promise<void> {
    await this.dispatcher.drain();
  }

  /** Applies retention now: deletes whole segments past the age or byte budget and trims the index. */
  async applyRetention(
    nowMs: number = Date.now(),
  ): Promise<{ deletedSegments: number; newLowPosition: number }> {
    const { retentionMaxAgeMs, retentionMaxBytes, metrics } = this.options;
    const result = await this.commitlog.applyRetention({
      ...(retentionMaxAgeMs > 0 ? { maxAgeMs: retentionMaxAgeMs } : {}),
      ...(retentionMaxBytes > 0 ? { maxBytes: retentionMaxBytes } : {}),
      nowMs,
    });
    if (result.deletedSegments.length > 0) {
      await this.index.trimBefore(result.newLowPosition);
      const bytes = result.deletedSegments.reduce((sum, s) => sum + s.sizeBytes, 0);
      metrics?.retentionDeletedSegments.inc(result.deletedSegments.length);
      metrics?.retentionDeletedBytes.inc(bytes);
      this.options.logger.info(
        { deletedSegments: result.deletedSegments.length, bytes, newLowPosition: result.newLowPosition },
        'retention deleted segments',
      );
    }
    return { deletedSegments: result.deletedSegments.length, newLowPosition: result.newLowPosition };
  }

  /**
   * Session expiry, pending wills and filter leases: whatever is due at `nowMs`. Runs after any housekeeping
   * in progress (the timer's included): two runs at once would both take the same due will and publish it twice.
   */
  runHousekeeping(nowMs: number = Date.now()): Promise<void> {
    return this.serialized(() => this.housekeep(nowMs));
  }

  /** Housekeeping tasks run one at a time, in call order. */
  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.housekeeping.then(task);
    this.housekeeping = run.catch(() => undefined);
    return run;
  }

  private async housekeep(nowMs: number): Promise<void> {
    const { logger, metrics } = this.options;
    const expired = await this.state.sessions.expire(nowMs);
    // At least once: a due will leaves the state only after its append is durable. A crash in between
    // publishes it again after the restart; it is never lost.
    for (const due of expired.willsDue) {
      const { clientId, will } = due;
      let outcome: AppendOutcome;
      try {
        outcome = await this.append([
          {
            topic: will.topic,
            payload: Buffer.from(will.payload),
            qos: will.qos,
            retain: will.retain,
            timestampMs: 0,
            publisherClientId: clientId,
            properties: will.properties,
          },
        ]);
      } catch (err) {
        // An I/O failure: the will stays due and the next round tries again.
        logger.error({ err, clientId }, 'will append failed; retrying');
        continue;
      }
      if (outcome.status === 'ok') this.options.onWillAppended?.(clientId);
      // A refusal (a topic of another shard, over the size limit) would be refused again: drop the will.
      else logger.warn({ clientId, outcome: outcome.status }, 'will not published');
      await this.state.sessions.removeWill(due);
    }
    if (expired.expiredClientIds.length > 0) {
      logger.info({ count: expired.expiredClientIds.length }, 'sessions expired');
    }
    await this.state.filters.expireLeases(nowMs);
    metrics?.queues.set(this.index.queueCount());
    metrics?.retainedMessages.set(this.state.retained.count());
    metrics?.sessions.set(this.state.sessions.count());
  }

  /**
   * Sweeps the filter holds of sessions that ended on their home shard. A persistent session's filter whose
   * queue also lives on this shard (a wildcard first level, or a literal one of this shard's) is held here by
   * the client id, without a lease, registered by the gateway. The home shard drops its own holds when the
   * session ends; when nothing else is told — the session expired while offline, or was deleted by an
   * administrator, while no gateway held it — the holds here would stay forever, and dispatch would keep
   * filling their queues. So, page by page, this asks the home shard of every client holding a lease-free
   * filter here whether its session still has that subscription, and drops the holds it does not (the
   * client's offsets and seen epoch here go with them).
   *
   * A hold registered after the page was read is kept whatever the answer: a gateway registers a new
   * subscription here only after the home shard stored it, so a "no" that does not know it came earlier. A
   * client whose home shard does not answer keeps its holds until a later round.
   */
  sweepSessionHolds(): Promise<{ checkedClients: number; droppedHolds: number; unanswered: number }> {
    const lookup = this.options.homeSessionFilters;
    const { shardIndex, shardCount, logger, metrics } = this.options;
    return (async () => {
      const totals = { checkedClients: 0, droppedHolds: 0, unanswered: 0 };
      if (lookup === undefined || shardCount < 2) return totals;
      let after: Buffer | undefined = undefined;
      do {
        const page = this.state.filters.leaseFreeHolds({
          ...(after === undefined ? {} : { after }),
          maxHolders: 64,
          include: (holderId) => shardOfClient(holderId, shardCount) !== shardIndex,
        });
        const answers = await Promise.all(
          page.holders.map(async ({ holderId, filters }) => {
            try {
              const kept = new Set(await lookup(shardOfClient(holderId, shardCount), holderId));
              return filters.filter((f) => !kept.has(f)).map((filter) => ({ filter, holderId }));
            } catch {
              totals.unanswered += 1;
              return [];
            }
          }),
        );
        totals.checkedClients += page.holders.length;
        const orphans = answers.flat();
        if (orphans.length > 0) {
          totals.droppedHolds += await this.state.filters.dropHoldsRegisteredUpTo(
            orphans,
            page.registeredUpTo,
          );
        }
        after = page.next;
      } while (after !== undefined && this.closing === undefined);
      if (totals.droppedHolds > 0) {
        logger.info(totals, 'swept the filter holds of sessions that ended on their home shard');
        metrics?.queues.set(this.index.queueCount());
      }
      if (totals.unanswered > 0) {
        logger.warn(
          totals,
          'home shards did not answer for some sessions; their holds stay until the next sweep',
        );
      }
      return totals;
    })();
  }

  private startTimers(): void {
    const every = (ms: number, task: () => Promise<unknown>): void => {
      const t = setInterval(() => {
        // One housekeeping task at a time.
        this.serialized(task).catch((err: unknown) =>
          this.options.logger.error({ err }, 'housekeeping failed'),
        );
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.options.housekeepingIntervalMs ?? 1000, () => this.housekeep(Date.now()));
    if (this.options.retentionMaxAgeMs > 0 || this.options.retentionMaxBytes > 0) {
      every(this.options.retentionCheckIntervalMs, () => this.applyRetention());
    }
    if (this.options.homeSessionFilters !== undefined && this.options.shardCount > 1) {
      // Not in the housekeeping chain: a round waits on other shards, and wills and expiry must not wait.
      const t = setInterval(
        () => {
          if (this.sweeping !== undefined || this.closing !== undefined) return;
          this.sweeping = this.sweepSessionHolds()
            .catch((err: unknown) => this.options.logger.error({ err }, 'sweep of session holds failed'))
            .finally(() => {
              this.sweeping = undefined;
            });
        },
        this.options.sessionSweepIntervalMs ?? 10 * 60_000,
      );
      t.unref();
      this.timers.push(t);
    }
  }

  /** Stops timers and waiters, flushes and fsyncs the commitlog (clean marker), finishes dispatch, closes. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const t of this.timers) clearInterval(t);
      this.hub.wakeAll();
      await this.housekeeping;
      await this.sweeping; // stops after the page in progress
      await this.commitlog.close();
      await this.dispatcher.drain();
      await this.index.close();
      await this.state.close();
      this.lock.release();
    })();
    return this.closing;
  }
}

function toDispatchRecord(record: LogRecord, position: number, size: number): DispatchRecord {
  return {
    topic: record.topic,
    position,
    size,
    timestampMs: record.timestampMs,
    retain: record.retain,
    record,
  };
}

/** MQTT: a retained PUBLISH replaces the topic's retained message; an empty payload deletes it [MQTT-3.3.1-10]. */
async function applyRetained(state: StateStore, records: readonly DispatchRecord[]): Promise<void> {
  await Promise.all(
    records.map((r) => {
      if (r.record.payload.length === 0) return state.retained.delete(r.topic);
      const meta = decodeRecordMeta(Buffer.from(r.record.properties ?? Buffer.alloc(0)));
      return state.retained.set(r.topic, {
        payload: r.record.payload,
        qos: r.record.qos ?? 0,
        timestampMs: r.timestampMs,
        position: r.position,
        ...(meta.properties ? { properties: meta.properties } : {}),
      });
    }),
  );
}
