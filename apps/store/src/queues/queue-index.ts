// The queue index: for every queue, an ordered run of small entries
// (queue offset -> commitlog position, size, timestamp), stored in one LMDB
// environment. See docs/adr/0003-queue-index-engine.md for why LMDB, the byte
// layout (index-layout.ts) and the durability argument.
import { setImmediate as nextTurn } from 'node:timers/promises';

import { open, type Database } from 'lmdb';

import {
  ENTRY_KEY_BYTES,
  ENTRY_VALUE_BYTES,
  LOW_KEY_BYTES,
  decodeMeta,
  encodeMeta,
  entryKey,
  lowKey,
  nameKey,
  readU32,
  readU64,
  writeEntryKey,
  writeEntryValueAt,
  queuePrefix,
  BLOCK_ENTRIES,
  writeLowKey,
} from './index-layout';
import { type QueueKind, type QueueRef } from './queue-ref';
import { QueueIndexError } from './queue-index-error';

export interface IndexEntryInput {
  readonly queue: QueueRef;
  /** Commitlog position of the message (its id). */
  readonly position: number;
  /** Record size in bytes, for `maxBytes` limits on reads. */
  readonly size: number;
  readonly timestampMs: number;
}

export interface QueueEntry {
  readonly offset: number;
  readonly position: number;
  readonly size: number;
  readonly timestampMs: number;
}

/** `low` is the first offset still readable, `high` the next offset to write. */
export interface QueueRange {
  readonly low: number;
  readonly high: number;
}

export interface QueueEnd {
  readonly queue: QueueRef;
  readonly high: number;
}

export type ReadResult =
  | {
      readonly status: 'ok';
      readonly entries: QueueEntry[];
      readonly low: number;
      readonly high: number;
      /** fromOffset was below `low` (retention moved it): entries start at `low`. */
      readonly belowLow: boolean;
    }
  | { readonly status: 'unknown-queue' };

export interface QueueInfo extends QueueRange {
  readonly queue: QueueRef;
  readonly createdMs: number;
}

export interface TrimResult {
  readonly queuesTrimmed: number;
  readonly entriesRemoved: number;
}

export interface QueueIndex {
  /**
   * Assigns consecutive offsets per queue, in input order, and commits the
   * entries, the queues' new ranges and `checkpointPosition` in one LMDB
   * transaction, on lmdb-js's write thread. Resolves once that transaction is
   * committed (readers see the entries from then on) with the new end offset
   * of every queue touched. Calls are applied one after another, in call
   * order; a batch is only encoded once the previous one has committed, so a
   * failed commit is never followed by a later batch's checkpoint.
   */
  appendBatch(entries: readonly IndexEntryInput[], checkpointPosition: number): Promise<QueueEnd[]>;
  /** Reads committed entries only: `high` is the committed end offset. */
  read(queue: QueueRef, fromOffset: number, maxEntries: number, maxBytes?: number): ReadResult;
  /** The committed range. */
  range(queue: QueueRef): QueueRange | undefined;
  /**
   * Creates the queue when absent (committed asynchronously, in order with the
   * batches; an absent queue reads as empty meanwhile); returns its committed
   * end offset (where a new subscription starts).
   */
  ensureQueue(queue: QueueRef): number;
  /** Last committed commitlog position whose dispatch is in the index; replay starts after it. */
  checkpoint(): number | undefined;
  listQueues(): Iterable<QueueInfo>;
  queueCount(): number;
  /** Retention: drops entries whose position is below `position` and raises each queue's low offset. */
  trimBefore(position: number): Promise<TrimResult>;
  /** Removes the queue and its entries (committed asynchronously, in order); false when it did not exist. */
  deleteQueue(queue: QueueRef): boolean;
  /** Resolves once every write handed to LMDB so far is committed. */
  flushed(): Promise<void>;
  close(): Promise<void>;
}

/**
 * - `overlapping` (default): lmdb-js overlappingSync. A commit is visible at
 *   once and flushed right after, off the main thread; after a power loss
 *   LMDB opens at the last flushed transaction — a consistent prefix.
 * - `sync`: every commit waits for fdatasync.
 * - `none`: never fsync. A process crash loses nothing (the page cache
 *   survives) but a power loss can leave a torn B-tree: only for tests and
 *   benchmarks. The ADR explains why this is not the default.
 */
export type IndexDurability = 'overlapping' | 'sync' | 'none';

export interface QueueIndexOptions {
  readonly dir: string;
  readonly durability?: IndexDurability;
  /** Queue states kept in memory for the append path (name -> id, low, high). */
  readonly maxCachedQueues?: number;
  /** Entries removed per retention transaction before yielding the event loop. */
  readonly trimChunkEntries?: number;
}

interface QueueState {
  readonly id: number;
  readonly kind: QueueKind;
  readonly name: string;
  readonly createdMs: number;
  low: number;
  /** Next offset to assign (includes batches not committed yet). */
  high: number;
  /** End offset of the committed entries: what readers see. */
  committedHigh: number;
  /** Commitlog position of the entry at `low` (its `lows` row), undefined when the queue is empty. */
  lowPosition: number | undefined;
  /** Sequence number of the last batch that touched it: de-duplicates without a Set. */
  batch: number;
  /** Its position in that batch's list of touched queues. */
  slot: number;
}

const EMPTY = Buffer.alloc(0);
const CHECKPOINT_KEY = 'checkpoint';
const NEXT_QUEUE_ID_KEY = 'nextQueueId';
const MAX_QUEUE_ID = 0xffff_ffff;

export function openQueueIndex(options: QueueIndexOptions): QueueIndex {
  const durability = options.durability ?? 'overlapping';
  const maxCachedQueues = options.maxCachedQueues ?? 200_000;
  const trimChunkEntries = options.trimChunkEntries ?? 20_000;

  const env = open({
    path: options.dir,
    maxDbs: 6,
    noSync: durability === 'none',
    overlappingSync: durability === 'overlapping',
  });
  const entriesDb: Database<Buffer, Buffer> = env.openDB('entries', {
    keyEncoding: 'binary',
    encoding: 'binary',
  });
  const lowsDb: Database<Buffer, Buffer> = env.openDB('lows', { keyEncoding: 'binary', encoding: 'binary' });
  const metaDb: Database<Buffer, number> = env.openDB('meta', { keyEncoding: 'uint32', encoding: 'binary' });
  const namesDb: Database<number, string> = env.openDB('names', { encoding: 'ordered-binary' });
  const stateDb: Database<number, string> = env.openDB('state', { encoding: 'ordered-binary' });

  // Keys are copied into lmdb-js's instruction buffer at once (async puts included), so one scratch
  // buffer serves every key. Values of asynchronous puts are read by the write thread at commit
  // time: they get their own bytes (one slab per batch), never a scratch buffer.
  const keyScratch = Buffer.allocUnsafeSlow(ENTRY_KEY_BYTES);
  const lowScratch = Buffer.allocUnsafeSlow(LOW_KEY_BYTES);
  const metaScratch = Buffer.allocUnsafeSlow(1024);
  const NO_SCRATCH = Buffer.alloc(0);

  const caches: Record<QueueKind, Map<string, QueueState>> = { topic: new Map(), filter: new Map() };
  /** Queues deleted by a write not committed yet: LMDB still has them, lookups must not. */
  const deleting: Record<QueueKind, Set<string>> = { topic: new Set(), filter: new Set() };
  let checkpointPosition = stateDb.get(CHECKPOINT_KEY);
  let committedCheckpoint = checkpointPosition;
  let nextQueueId = stateDb.get(NEXT_QUEUE_ID_KEY) ?? 1;
  let batchSeq = 0;
  let closed = false;
  let failure: unknown;
  let trimChain: Promise<unknown> = Promise.resolve();
  let appendChain: Promise<unknown> = Promise.resolve();
  /** Asynchronous write groups handed to lmdb-js and not committed yet. */
  let inflight = 0;
  let idleWaiters: Array<() => void> = [];

  function assertOpen(): void {
    if (closed) throw new QueueIndexError('STORE_INDEX_CLOSED', 'queue index is closed');
  }

  function assertWritable(): void {
    assertOpen();
    if (failure !== undefined) {
      throw new QueueIndexError('STORE_INDEX_FAILED', 'an index commit failed; reopen to recover', {
        cause: failure,
      });
    }
  }

  function loadState(queue: QueueRef, id: number): QueueState {
    const value = metaDb.getBinary(id);
    if (value === undefined)
      throw new QueueIndexError('STORE_INDEX_CORRUPT', `queue ${id} has a name but no meta`);
    const meta = decodeMeta(value);
    if (meta.kind !== queue.kind || meta.name !== queue.name) {
      throw new QueueIndexError('STORE_INDEX_CORRUPT', `queue ${id} meta does not match its name key`);
    }
    return {
      id,
      kind: meta.kind,
      name: meta.name,
      createdMs: meta.createdMs,
      low: meta.low,
      high: meta.high,
      committedHigh: meta.high,
      lowPosition: meta.low < meta.high ? positionAt(id, meta.low) : undefined,
      batch: 0,
      slot: 0,
    };
  }

  /** Cache, then LMDB (a queue whose deletion is still being committed is gone already). */
  function lookup(queue: QueueRef): QueueState | undefined {
    const cache = caches[queue.kind];
    const cached = cache.get(queue.name);
    if (cached !== undefined) return cached;
    if (deleting[queue.kind].has(queue.name)) return undefined;
    const id = namesDb.get(nameKey(queue));
    if (id === undefined) return undefined;
    const state = loadState(queue, id);
    cache.set(queue.name, state);
    return state;
  }

  /**
   * Creates an absent queue by asynchronous puts in the current lmdb-js batch, in order with
   * everything else written asynchronously. The caller puts `nextQueueId` once it is done creating.
   */
  function create(queue: QueueRef): QueueState {
    if (nextQueueId > MAX_QUEUE_ID) throw new QueueIndexError('STORE_INDEX_FULL', 'queue ids exhausted');
    const state: QueueState = {
      id: nextQueueId++,
      kind: queue.kind,
      name: queue.name,
      createdMs: Date.now(),
      low: 0,
      high: 0,
      committedHigh: 0,
      lowPosition: undefined,
      batch: 0,
      slot: 0,
    };
    void namesDb.put(nameKey(queue), state.id);
    caches[queue.kind].set(queue.name, state);
    return state;
  }

  /** A failed transaction rolled LMDB back: forget in-memory state that may have run ahead of it. */
  function resetAfterAbort(): void {
    caches.topic.clear();
    caches.filter.clear();
    nextQueueId = stateDb.get(NEXT_QUEUE_ID_KEY) ?? 1;
    checkpointPosition = stateDb.get(CHECKPOINT_KEY);
    committedCheckpoint = checkpointPosition;
  }

  /** Synchronous write transactions run only when no asynchronous write is in flight (see `whenIdle`). */
  function inWriteTxn<T>(action: () => T): T {
    try {
      return env.transactionSync(action);
    } catch (error) {
      resetAfterAbort();
      throw error;
    }
  }

  /**
   * Tracks one group of asynchronous writes (all in the current lmdb-js batch, so one transaction):
   * `onCommitted` runs once LMDB committed it. A failed commit latches the index as failed: the
   * in-memory state ran ahead of LMDB, so no further write is accepted until it is reopened.
   */
  function track<T>(commit: Promise<unknown>, onCommitted: () => T): Promise<T> {
    inflight++;
    return commit.then(
      () => {
        settle();
        return onCommitted();
      },
      (error: unknown) => {
        failure ??= error;
        settle();
        throw error;
      },
    );
  }

  function settle(): void {
    if (--inflight > 0) return;
    deleting.topic.clear();
    deleting.filter.clear();
    evictIfNeeded();
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves once nothing written asynchronously is uncommitted (check `inflight` again after). */
  async function whenIdle(): Promise<void> {
    while (inflight > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
  }

  /**
   * Insertion-order eviction: the hot queues of the next batch are reloaded with two gets. Only
   * while nothing is in flight: a reloaded state would miss the offsets of uncommitted entries.
   */
  function evictIfNeeded(): void {
    if (inflight > 0) return;
    const total = caches.topic.size + caches.filter.size;
    if (total <= maxCachedQueues) return;
    let excess = total - Math.floor(maxCachedQueues * 0.9);
    for (const cache of [caches.filter, caches.topic]) {
      for (const name of cache.keys()) {
        if (excess-- <= 0) return;
        cache.delete(name);
      }
    }
  }

  /** The block holding `offset` of queue `id` (the last block key at or below it), or undefined. */
  function blockAt(id: number, offset: number): { first: number; value: Buffer } | undefined {
    for (const { key, value } of entriesDb.getRange({
      start: entryKey(id, offset),
      end: queuePrefix(id),
      reverse: true,
      limit: 1,
    })) {
      const first = readU64(key, 4);
      if (offset - first < value.length / ENTRY_VALUE_BYTES) return { first, value };
    }
    return undefined;
  }

  function positionAt(id: number, offset: number): number {
    const block = blockAt(id, offset);
    if (block === undefined)
      throw new QueueIndexError('STORE_INDEX_CORRUPT', `queue ${id} has no entry at ${offset}`);
    return readU64(block.value, (offset - block.first) * ENTRY_VALUE_BYTES);
  }

  function appendBatch(entries: readonly IndexEntryInput[], checkpoint: number): Promise<QueueEnd[]> {
    const run = appendChain.then(() => encodeBatch(entries, checkpoint));
    appendChain = run.catch(() => undefined);
    return run;
  }

  /**
   * Validates everything first (nothing may be handed to lmdb-js before a throw: asynchronous puts
   * cannot be taken back), then encodes every put of the batch in one synchronous run, so lmdb-js
   * puts them all, with the checkpoint, in one transaction (one event-turn batch).
   */
  function encodeBatch(entries: readonly IndexEntryInput[], checkpoint: number): Promise<QueueEnd[]> {
    assertWritable();
    if (checkpointPosition !== undefined && checkpoint < checkpointPosition) {
      throw new QueueIndexError(
        'STORE_INDEX_CHECKPOINT_REGRESSED',
        `checkpoint ${checkpoint} is below the committed checkpoint ${checkpointPosition}`,
      );
    }
    // Pass 1: validate, and load every existing queue into the cache (a damaged index throws here,
    // before anything is handed to lmdb-js). No eviction runs until the batch is committed.
    let missing: Set<string> | undefined;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (entry.position > checkpoint) {
        throw new QueueIndexError(
          'STORE_INDEX_ENTRY_AFTER_CHECKPOINT',
          `entry position ${entry.position} is after checkpoint ${checkpoint}`,
        );
      }
      if (lookup(entry.queue) === undefined) (missing ??= new Set()).add(nameKey(entry.queue));
    }
    if (missing !== undefined && nextQueueId + missing.size - 1 > MAX_QUEUE_ID)
      throw new QueueIndexError('STORE_INDEX_FULL', 'queue ids exhausted');

    const batch = ++batchSeq;
    const touched: QueueState[] = [];
    // Pass 2: offsets, and each touched queue's entries of this batch (indexes into `entries`).
    const members: number[][] = [];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      // Every existing queue is cached since pass 1: a miss is a queue to create.
      const state = caches[entry.queue.kind].get(entry.queue.name) ?? create(entry.queue);
      if (state.batch !== batch) {
        state.batch = batch;
        state.slot = touched.length;
        touched.push(state);
        members.push([]);
        // An empty queue gains a low entry: register it for retention.
        if (state.low === state.high) {
          state.lowPosition = entry.position;
          void lowsDb.put(writeLowKey(lowScratch, entry.position, state.id), EMPTY);
        }
      }
      members[state.slot]!.push(i);
    }
    // Pass 3: one block value per queue (split every BLOCK_ENTRIES), keyed by its first offset.
    const slab = Buffer.allocUnsafeSlow(Math.max(1, entries.length) * ENTRY_VALUE_BYTES);
    let at = 0;
    for (let t = 0; t < touched.length; t++) {
      const state = touched[t]!;
      const list = members[t]!;
      for (let from = 0; from < list.length; from += BLOCK_ENTRIES) {
        const to = Math.min(list.length, from + BLOCK_ENTRIES);
        const start = at;
        for (let k = from; k < to; k++) {
          const entry = entries[list[k]!]!;
          writeEntryValueAt(slab, at, entry.position, entry.size, entry.timestampMs);
          at += ENTRY_VALUE_BYTES;
        }
        void entriesDb.put(writeEntryKey(keyScratch, state.id, state.high + from), slab.subarray(start, at));
      }
      state.high += list.length;
    }
    if (missing !== undefined) void stateDb.put(NEXT_QUEUE_ID_KEY, nextQueueId);
    const highs = touched.map((s) => s.high);
    for (const state of touched) void metaDb.put(state.id, encodeMeta(NO_SCRATCH, state));
    const commit = stateDb.put(CHECKPOINT_KEY, checkpoint);
    checkpointPosition = checkpoint;
    return track(commit, () => {
      committedCheckpoint = checkpoint;
      const ends: QueueEnd[] = new Array<QueueEnd>(touched.length);
      for (let i = 0; i < touched.length; i++) {
        const s = touched[i]!;
        const high = highs[i]!;
        if (high > s.committedHigh) s.committedHigh = high;
        ends[i] = { queue: { kind: s.kind, name: s.name }, high };
      }
      return ends;
    });
  }

  function read(queue: QueueRef, fromOffset: number, maxEntries: number, maxBytes = Infinity): ReadResult {
    assertOpen();
    const state = lookup(queue);
    if (state === undefined) return { status: 'unknown-queue' };
    const { id, low } = state;
    // Only what is committed: the cache runs ahead of LMDB while a batch is in flight.
    const high = state.committedHigh;
    const belowLow = fromOffset < low;
    const start = Math.max(fromOffset, low);
    const end = Math.min(high, start + Math.max(0, maxEntries));
    const entries: QueueEntry[] = [];
    if (start < end) {
      let bytes = 0;
      // Blocks hold consecutive offsets from their key on: start at the block holding `start`.
      const floor = blockAt(id, start);
      scan: for (const { key, value } of entriesDb.getRange({
        start: entryKey(id, floor === undefined ? start : floor.first),
        end: entryKey(id, end),
      })) {
        const first = readU64(key, 4);
        const count = value.length / ENTRY_VALUE_BYTES;
        for (let i = Math.max(0, start - first); i < count; i++) {
          const offset = first + i;
          if (offset >= end) break scan;
          const at = i * ENTRY_VALUE_BYTES;
          const size = readU32(value, at + 8);
          // Always return at least one entry, so a record larger than maxBytes cannot stall a reader.
          if (entries.length > 0 && bytes + size > maxBytes) break scan;
          bytes += size;
          entries.push({ offset, position: readU64(value, at), size, timestampMs: readU64(value, at + 12) });
        }
      }
    }
    evictIfNeeded();
    return { status: 'ok', entries, low, high, belowLow };
  }

  function range(queue: QueueRef): QueueRange | undefined {
    assertOpen();
    const state = lookup(queue);
    return state === undefined ? undefined : { low: state.low, high: state.committedHigh };
  }

  function ensureQueue(queue: QueueRef): number {
    assertOpen();
    const existing = lookup(queue);
    if (existing !== undefined) return existing.committedHigh;
    assertWritable();
    const created = create(queue);
    void metaDb.put(created.id, encodeMeta(NO_SCRATCH, created));
    // The creation commits with the current lmdb-js batch; nothing waits for it (an absent queue is empty).
    track(stateDb.put(NEXT_QUEUE_ID_KEY, nextQueueId), () => undefined).catch(() => undefined);
    return created.committedHigh;
  }

  function* listQueues(): Iterable<QueueInfo> {
    assertOpen();
    for (const { value } of metaDb.getRange({})) {
      const meta = decodeMeta(value);
      yield {
        queue: { kind: meta.kind, name: meta.name },
        low: meta.low,
        high: meta.high,
        createdMs: meta.createdMs,
      };
    }
  }

  function queueCount(): number {
    assertOpen();
    return (metaDb.getStats() as { entryCount: number }).entryCount;
  }

  /**
   * One retention transaction: takes queues from the `lows` index (ordered by
   * the position of their low entry) whose low entry is below `position`,
   * removes their entries below it, re-registers the new low. Returns the
   * number of entries removed and whether nothing is left to trim.
   */
  function trimChunk(position: number, totals: { queuesTrimmed: number; entriesRemoved: number }): boolean {
    let budget = trimChunkEntries;
    const rows: Buffer[] = [];
    for (const key of lowsDb.getKeys({ start: lowKey(0, 0), end: lowKey(position, 0), limit: 1024 }))
      rows.push(key);
    if (rows.length === 0) return true;
    for (const row of rows) {
      if (budget <= 0) break;
      const id = readU32(row, 8);
      const metaValue = metaDb.getBinary(id);
      if (metaValue === undefined)
        throw new QueueIndexError('STORE_INDEX_CORRUPT', `retention row for missing queue ${id}`);
      const meta = decodeMeta(metaValue);
      // Whole blocks below `position` go; a block straddling it stays (reads skip below `low`).
      const floor = blockAt(id, meta.low);
      const gone: Buffer[] = [];
      let removed = 0;
      let low = meta.low;
      let lowPosition: number | undefined;
      scan: for (const { key, value } of entriesDb.getRange({
        start: entryKey(id, floor === undefined ? meta.low : floor.first),
        end: entryKey(id, meta.high),
      })) {
        if (removed >= budget) break;
        const first = readU64(key, 4);
        const count = value.length / ENTRY_VALUE_BYTES;
        for (let i = Math.max(0, low - first); i < count; i++) {
          const at = readU64(value, i * ENTRY_VALUE_BYTES);
          if (at >= position) {
            lowPosition = at;
            break scan;
          }
          low = first + i + 1;
          removed++;
        }
        gone.push(Buffer.from(key));
      }
      if (removed === 0) {
        throw new QueueIndexError(
          'STORE_INDEX_CORRUPT',
          `retention row of queue ${id} is below its low entry`,
        );
      }
      for (const key of gone) entriesDb.removeSync(key);
      lowsDb.removeSync(row);
      // The scan stopped at the new low entry, or at a block boundary (budget, or nothing left).
      if (lowPosition === undefined && low < meta.high) lowPosition = positionAt(id, low);
      if (lowPosition !== undefined) lowsDb.putSync(writeLowKey(lowScratch, lowPosition, id), EMPTY);
      meta.low = low;
      metaDb.putSync(id, encodeMeta(metaScratch, meta));
      const cached = caches[meta.kind].get(meta.name);
      if (cached !== undefined) {
        cached.low = low;
        cached.lowPosition = lowPosition;
      }
      budget -= removed;
      // A queue split across chunks by the budget is counted once, by the chunk that finishes it.
      if (lowPosition === undefined || lowPosition >= position) totals.queuesTrimmed++;
      totals.entriesRemoved += removed;
    }
    return false;
  }

  async function trimBefore(position: number): Promise<TrimResult> {
    assertOpen();
    const run = trimChain.then(async () => {
      const totals = { queuesTrimmed: 0, entriesRemoved: 0 };
      // Each chunk is its own synchronous transaction and leaves the index consistent; appends
      // interleave between chunks. A chunk starts only when no asynchronous write is in flight (it
      // reads and rewrites `meta` rows an uncommitted batch may also write), and in the same
      // synchronous run as that check.
      for (;;) {
        await whenIdle();
        if (closed) break;
        if (inflight > 0) continue;
        assertWritable();
        if (inWriteTxn(() => trimChunk(position, totals))) break;
        await nextTurn();
      }
      return totals;
    });
    trimChain = run.catch(() => undefined);
    return run;
  }

  /**
   * Asynchronous removes, in order with the batches before them (whose entries they also remove):
   * the queue is gone for lookups at once (`deleting`), from LMDB once the removes commit.
   */
  function deleteQueue(queue: QueueRef): boolean {
    assertOpen();
    const state = lookup(queue);
    if (state === undefined) return false;
    assertWritable();
    const { id, low, high, committedHigh } = state;
    if (low < high && state.lowPosition !== undefined)
      void lowsDb.remove(writeLowKey(lowScratch, state.lowPosition, id));
    // Committed blocks, then those of the batch in flight (it starts at the committed end).
    const keys: Buffer[] = [];
    for (const key of entriesDb.getKeys({ start: queuePrefix(id), end: entryKey(id, committedHigh) }))
      keys.push(Buffer.from(key));
    for (const key of keys) void entriesDb.remove(key);
    for (let offset = committedHigh; offset < high; offset += BLOCK_ENTRIES)
      void entriesDb.remove(writeEntryKey(keyScratch, id, offset));
    void namesDb.remove(nameKey(queue));
    const commit = metaDb.remove(id);
    caches[queue.kind].delete(queue.name);
    deleting[queue.kind].add(queue.name);
    track(commit, () => undefined).catch(() => undefined);
    return true;
  }

  async function flushed(): Promise<void> {
    await appendChain;
    await whenIdle();
  }

  async function close(): Promise<void> {
    if (closed) return;
    await appendChain;
    closed = true;
    await trimChain;
    await whenIdle();
    await env.close();
  }

  return {
    appendBatch,
    read,
    range,
    ensureQueue,
    checkpoint: () => committedCheckpoint,
    listQueues,
    queueCount,
    trimBefore,
    deleteQueue,
    flushed,
    close,
  };
}
