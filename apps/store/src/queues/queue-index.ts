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
  queuePrefix,
  BLOCK_ENTRIES,
  writeLowKey,
} from './index-layout';
import { type QueueKind, type QueueRef } from './queue-ref';
import { QueueIndexError } from './queue-index-error';
import { NO_RUN, StagedEntries } from './staged-entries';

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
   * Assigns consecutive offsets per queue, in input order, and makes the entries readable at once
   * (`read`, `range`): they are held in memory until LMDB has committed them. Returns the new end offset
   * of every queue touched. The LMDB commit comes later, on lmdb-js's write thread, with every batch
   * staged meanwhile and the last batch's `checkpointPosition`, in one transaction (see ADR 0012). Throws
   * (and stages nothing) on invalid input or once a commit has failed.
   */
  appendBatch(entries: readonly IndexEntryInput[], checkpointPosition: number): QueueEnd[];
  /** Reads the entries appended so far, committed or not: `high` is the end offset. */
  read(queue: QueueRef, fromOffset: number, maxEntries: number, maxBytes?: number): ReadResult;
  /** The range readers see. */
  range(queue: QueueRef): QueueRange | undefined;
  /**
   * Creates the queue when absent (committed asynchronously, in order with the batches; an absent queue
   * reads as empty meanwhile); returns its end offset (where a new subscription starts).
   */
  ensureQueue(queue: QueueRef): number;
  /** Last committed commitlog position whose dispatch is in LMDB; replay starts after it. */
  checkpoint(): number | undefined;
  listQueues(): Iterable<QueueInfo>;
  queueCount(): number;
  /** Entries readable but not yet committed to LMDB (back-pressure for dispatch). */
  uncommittedEntries(): number;
  /** Retention: drops entries whose position is below `position` and raises each queue's low offset. */
  trimBefore(position: number): Promise<TrimResult>;
  /** Removes the queue and its entries (committed asynchronously, in order); false when it did not exist. */
  deleteQueue(queue: QueueRef): boolean;
  /**
   * Commits now (without waiting for the commit interval) and resolves once everything appended, created
   * or deleted so far is committed to LMDB.
   */
  flushed(): Promise<void>;
  close(): Promise<void>;
}

export type IndexDurability = 'overlapping' | 'sync' | 'none';

export interface QueueIndexOptions {
  readonly dir: string;
  readonly durability?: IndexDurability;
  /**
   * Least time between the starts of two commit rounds (0: a round starts as soon as the previous one is
   * done). A round commits every queue with staged entries once, so each queue's LMDB pages are written
   * once per round however many batches touched it (ADR 0023). Entries are readable before their commit,
   * so this trades nothing visible: longer means fewer page writes and index fsyncs, more staged entries
   * in memory, and a longer replay after a crash.
   */
  readonly commitIntervalMs?: number;
  /**
   * A round is committed in slices of at most this many queues (default 250) and entries (default
   * 50,000; a single queue's entries are never split): each slice's encode runs on the main thread in one
   * piece (about 4 µs per queue on this machine), so this bounds how long it holds the event loop, about
   * 1 ms, which an append that arrives meanwhile waits for (ADR 0018).
   */
  readonly maxQueuesPerCommit?: number;
  readonly maxEntriesPerCommit?: number;
  /** A round starts before the interval is up once this many entries are staged (default 200,000). */
  readonly maxStagedEntries?: number;
  /** Queue states kept in memory for the append path (name -> id, low, high). */
  readonly maxCachedQueues?: number;
  /** Entries removed per retention transaction before yielding the event loop. */
  readonly trimChunkEntries?: number;
  /** Called after each commit of appended entries (metrics). */
  readonly onCommit?: (stats: { entries: number; queues: number; durationSeconds: number }) => void;
}

interface QueueState {
  readonly id: number;
  readonly kind: QueueKind;
  readonly name: string;
  readonly createdMs: number;
  low: number;
  /** Next offset to assign: the end offset readers see. */
  high: number;
  /** End offset of the entries committed to LMDB; [committedHigh, high) are staged (`headRun` on). */
  committedHigh: number;
  /** End offset of the entries handed to LMDB (committed or being committed). */
  encodedHigh: number;
  /**
   * Its staged runs (StagedEntries), from the one holding `committedHigh` to the last; NO_RUN when
   * everything is committed. `unencodedRun` is the first not yet handed to LMDB (NO_RUN: none).
   */
  headRun: number;
  lastRun: number;
  unencodedRun: number;
  /** False until the commit that writes its name and meta (a queue created by a staged batch). */
  persisted: boolean;
  /** Removed by deleteQueue: a staged batch must not write it back. */
  deleted: boolean;
  /** Commitlog position of the entry at `low` (its `lows` row), undefined when LMDB holds none of it. */
  lowPosition: number | undefined;
  /** Sequence number of the last batch that touched it: de-duplicates without a Set. */
  batch: number;
  /** Its entries in that batch, then the next entry number to write them at. */
  batchCount: number;
  batchEntry: number;
  /** `{ kind, name }`, made once: every batch that touches the queue returns it with the new end. */
  readonly ref: QueueRef;
}

const EMPTY = Buffer.alloc(0);
const CHECKPOINT_KEY = 'checkpoint';
const NEXT_QUEUE_ID_KEY = 'nextQueueId';
const MAX_QUEUE_ID = 0xffff_ffff;

export function openQueueIndex(options: QueueIndexOptions): QueueIndex {
  const durability = options.durability ?? 'overlapping';
  const commitIntervalMs = options.commitIntervalMs ?? 0;
  const maxCachedQueues = options.maxCachedQueues ?? 200_000;
  const trimChunkEntries = options.trimChunkEntries ?? 20_000;
  const maxQueuesPerCommit = options.maxQueuesPerCommit ?? 250;
  const maxEntriesPerCommit = options.maxEntriesPerCommit ?? 50_000;
  const maxStagedEntries = options.maxStagedEntries ?? 200_000;

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
  // time: they get their own bytes (the staged chunks, never written again), never a scratch buffer.
  const keyScratch = Buffer.allocUnsafeSlow(ENTRY_KEY_BYTES);
  const lowScratch = Buffer.allocUnsafeSlow(LOW_KEY_BYTES);
  const metaScratch = Buffer.allocUnsafeSlow(1024);
  const NO_SCRATCH = Buffer.alloc(0);

  const caches: Record<QueueKind, Map<string, QueueState>> = { topic: new Map(), filter: new Map() };
  /** Queues deleted by a write not committed yet: LMDB still has them, lookups must not. */
  const deleting: Record<QueueKind, Set<string>> = { topic: new Set(), filter: new Set() };
  const storedCheckpoint = stateDb.get(CHECKPOINT_KEY);
  /** Checkpoint of the last staged batch. */
  let checkpointPosition = storedCheckpoint;
  let committedCheckpoint = storedCheckpoint;
  let nextQueueId = stateDb.get(NEXT_QUEUE_ID_KEY) ?? 1;
  let batchSeq = 0;
  let closed = false;
  let failure: unknown;
  let trimChain: Promise<unknown> = Promise.resolve();
  /** Asynchronous write groups handed to lmdb-js and not committed yet. */
  let inflight = 0;
  let idleWaiters: Array<() => void> = [];

  // Staged batches: readable, not yet handed to LMDB. `dirty` lists the queues with staged entries (or a
  // staged creation), in the order a batch first touched them.
  let dirty: QueueState[] = [];
  let stagedCheckpoint: number | undefined;
  let stagedEntries = 0;
  /** Entries handed to LMDB and not yet committed. */
  let encodedEntries = 0;
  /** Batches staged, and batches whose commit is done: `flushed` waits for the second to catch up. */
  let stagedSeq = 0;
  let committedSeq = 0;
  /** The commit of the last encode, while it runs: one at a time, so a failure stops the next. */
  let committing: Promise<void> | undefined;
  let encodeTimer: NodeJS.Timeout | undefined;
  let encodeQueued = false;
  let lastRoundAt = -Infinity;
  let commitWaiters: Array<() => void> = [];
  /** Entries readable before their commit, and what appendBatch reuses from batch to batch. */
  const staged = new StagedEntries();
  /**
   * The round being committed (`startRound`): its queues, the next one to encode, the checkpoint its last
   * slice writes (pending until that slice is encoded), the batches it covers and where they end in `staged`.
   */
  let round: QueueState[] = [];
  let roundNext = 0;
  let roundCheckpoint: number | undefined;
  let roundCheckpointPending = false;
  let roundSeq = 0;
  let roundMark = staged.mark();
  const touchedScratch: QueueState[] = [];
  /** Each entry's queue in the batch being staged (stale past its length: states, bounded by a batch). */
  const entryStates: QueueState[] = [];
  /** The LMDB values of the commit in flight (its blocks), reused by the next (one commit at a time). */
  let encodeBytes = Buffer.alloc(0);

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

  function newState(id: number, kind: QueueKind, name: string, createdMs: number): QueueState {
    return {
      id,
      kind,
      name,
      createdMs,
      low: 0,
      high: 0,
      committedHigh: 0,
      encodedHigh: 0,
      headRun: NO_RUN,
      lastRun: NO_RUN,
      unencodedRun: NO_RUN,
      persisted: true,
      deleted: false,
      lowPosition: undefined,
      batch: 0,
      batchCount: 0,
      batchEntry: 0,
      ref: { kind, name },
    };
  }

  function loadState(queue: QueueRef, id: number): QueueState {
    const value = metaDb.getBinary(id);
    if (value === undefined)
      throw new QueueIndexError('STORE_INDEX_CORRUPT', `queue ${id} has a name but no meta`);
    const meta = decodeMeta(value);
    if (meta.kind !== queue.kind || meta.name !== queue.name) {
      throw new QueueIndexError('STORE_INDEX_CORRUPT', `queue ${id} meta does not match its name key`);
    }
    const state = newState(id, meta.kind, meta.name, meta.createdMs);
    state.low = meta.low;
    state.high = meta.high;
    state.committedHigh = meta.high;
    state.encodedHigh = meta.high;
    state.lowPosition = meta.low < meta.high ? positionAt(id, meta.low) : undefined;
    return state;
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

  /** A new queue, in memory only: its name and meta are written by whoever creates it. */
  function create(queue: QueueRef): QueueState {
    if (nextQueueId > MAX_QUEUE_ID) throw new QueueIndexError('STORE_INDEX_FULL', 'queue ids exhausted');
    const state = newState(nextQueueId++, queue.kind, queue.name, Date.now());
    state.persisted = false;
    caches[queue.kind].set(queue.name, state);
    return state;
  }

  /** Nothing of it lives only in memory: it can be evicted and reloaded from LMDB. */
  function isClean(state: QueueState): boolean {
    return state.persisted && state.committedHigh === state.high;
  }

  /** A failed synchronous transaction rolled LMDB back: forget what may have run ahead of it. */
  function resetAfterAbort(): void {
    // States holding staged or uncommitted work are the only copy of it: they stay.
    for (const cache of [caches.topic, caches.filter]) {
      for (const [name, state] of cache) if (isClean(state)) cache.delete(name);
    }
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
   * Insertion-order eviction of clean states: the hot queues of the next batch are reloaded with two
   * gets. Only while nothing is in flight: a reloaded state would miss what an uncommitted write changed.
   */
  function evictIfNeeded(): void {
    if (inflight > 0) return;
    const total = caches.topic.size + caches.filter.size;
    if (total <= maxCachedQueues) return;
    let excess = total - Math.floor(maxCachedQueues * 0.9);
    for (const cache of [caches.filter, caches.topic]) {
      for (const [name, state] of cache) {
        if (excess <= 0) return;
        if (!isClean(state)) continue;
        cache.delete(name);
        excess--;
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

  /**
   * Validates everything first (nothing is staged before a throw), then assigns offsets and stages each
   * touched queue's new entries as one run (StagedEntries: no object per entry, queue or batch but the
   * end offsets returned). Nothing reaches LMDB here: `encode` hands every staged batch over at once, later.
   */
  function appendBatch(entries: readonly IndexEntryInput[], checkpoint: number): QueueEnd[] {
    assertWritable();
    if (checkpointPosition !== undefined && checkpoint < checkpointPosition) {
      throw new QueueIndexError(
        'STORE_INDEX_CHECKPOINT_REGRESSED',
        `checkpoint ${checkpoint} is below the committed checkpoint ${checkpointPosition}`,
      );
    }
    // Pass 1: validate, and load every existing queue into the cache (a damaged index throws here,
    // before anything is staged).
    let missing = 0;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (entry.position > checkpoint) {
        throw new QueueIndexError(
          'STORE_INDEX_ENTRY_AFTER_CHECKPOINT',
          `entry position ${entry.position} is after checkpoint ${checkpoint}`,
        );
      }
      if (lookup(entry.queue) === undefined) missing++;
    }
    if (missing > 0 && nextQueueId + missing - 1 > MAX_QUEUE_ID)
      throw new QueueIndexError('STORE_INDEX_FULL', 'queue ids exhausted');

    const batch = ++batchSeq;
    const touched = touchedScratch;
    touched.length = 0;
    // Pass 2: offsets, and how many entries of this batch each touched queue gets.
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      // Every existing queue is cached since pass 1: a miss is a queue to create.
      const state = caches[entry.queue.kind].get(entry.queue.name) ?? create(entry.queue);
      if (state.batch !== batch) {
        state.batch = batch;
        state.batchCount = 0;
        touched.push(state);
      }
      state.batchCount++;
      entryStates[i] = state;
    }
    // Pass 3: each touched queue's entries of this batch are one run of consecutive staged entries.
    let entry = staged.takeEntries(entries.length);
    const ends: QueueEnd[] = new Array<QueueEnd>(touched.length);
    for (let t = 0; t < touched.length; t++) {
      const state = touched[t]!;
      state.batchEntry = entry;
      const run = staged.addRun(state.high, entry, state.batchCount, state.lastRun);
      entry += state.batchCount;
      if (state.headRun === NO_RUN) state.headRun = run;
      if (state.unencodedRun === NO_RUN) {
        state.unencodedRun = run;
        // Not in `dirty` yet when nothing of it is staged.
        if (state.encodedHigh === state.high) dirty.push(state);
      }
      state.lastRun = run;
      state.high += state.batchCount;
      ends[t] = { queue: state.ref, high: state.high };
    }
    for (let i = 0; i < entries.length; i++) {
      const state = entryStates[i]!;
      const input = entries[i]!;
      staged.writeEntry(state.batchEntry++, input.position, input.size, input.timestampMs);
    }
    stagedEntries += entries.length;
    checkpointPosition = checkpoint;
    stagedCheckpoint = checkpoint;
    stagedSeq++;
    scheduleEncode(false);
    return ends;
  }

  /**
   * Starts the next round when one is due: at most once per commit interval, at once when `now` (a flush)
   * or when the staged entries pass `maxStagedEntries`. A running round goes on slice after slice.
   */
  function scheduleEncode(now: boolean): void {
    if (committing !== undefined || closed) return; // the running commit schedules the next slice
    if (roundNext < round.length || roundCheckpointPending) {
      queueEncode();
      return;
    }
    if (stagedCheckpoint === undefined && dirty.length === 0) return;
    const wait =
      now || stagedEntries >= maxStagedEntries ? 0 : lastRoundAt + commitIntervalMs - performance.now();
    if (wait > 0) {
      encodeTimer ??= setTimeout(runEncode, wait);
      return;
    }
    queueEncode();
  }

  function queueEncode(): void {
    if (encodeTimer !== undefined) {
      clearTimeout(encodeTimer);
      encodeTimer = undefined;
    }
    // Batches staged in this event-loop turn go into the same round.
    if (!encodeQueued) {
      encodeQueued = true;
      setImmediate(runEncode);
    }
  }

  const runEncode = (): void => {
    encodeTimer = undefined;
    encodeQueued = false;
    if (committing !== undefined || closed || failure !== undefined) return;
    if (roundNext >= round.length && !roundCheckpointPending) {
      if (stagedCheckpoint === undefined && dirty.length === 0) return;
      startRound();
    }
    encodeSlice();
  };

  /**
   * A round takes every queue with staged entries and the last checkpoint. Its queues are committed in
   * slices, the checkpoint with the last one: so each queue's LMDB pages are written once per round however
   * many batches touched it (ADR 0023), while each slice's encode holds the event loop only briefly.
   */
  function startRound(): void {
    round = dirty;
    roundNext = 0;
    roundCheckpoint = stagedCheckpoint;
    roundCheckpointPending = true;
    roundSeq = stagedSeq;
    roundMark = staged.mark();
    dirty = [];
    stagedCheckpoint = undefined;
    lastRoundAt = performance.now();
  }

  /**
   * Hands the round's next queues (at most `maxQueuesPerCommit`, and `maxEntriesPerCommit` entries unless a
   * single queue has more) to lmdb-js in one synchronous run, so that it commits them in one transaction:
   * per queue, its staged chunks as blocks (split every BLOCK_ENTRIES) keyed by their first offset, its
   * meta, its name if it is new and its `lows` row if LMDB held none of it. The last slice also writes the
   * round's checkpoint. One commit at a time: a failed commit is never followed by a later checkpoint.
   */
  function encodeSlice(): void {
    const from = roundNext;
    let to = from;
    let entries = 0;
    while (to < round.length && to - from < maxQueuesPerCommit) {
      const state = round[to]!;
      const count = state.high - state.encodedHigh;
      if (to > from && entries + count > maxEntriesPerCommit) break;
      entries += count;
      to++;
    }
    roundNext = to;
    const last = to === round.length;
    const queues = round.slice(from, to);
    const checkpoint = last ? roundCheckpoint : undefined;
    const seq = roundSeq;
    const mark = roundMark;
    if (last) roundCheckpointPending = false;
    stagedEntries -= entries;
    encodedEntries += entries;
    const started = performance.now();
    // Every block of this commit is a view of one buffer; LMDB reads it until the commit is done, and
    // the next encode starts after that.
    if (encodeBytes.length < entries * ENTRY_VALUE_BYTES) {
      encodeBytes = Buffer.allocUnsafeSlow(Math.max(entries * ENTRY_VALUE_BYTES, 2 * encodeBytes.length));
    }
    let at = 0;
    let created = false;
    const highs: number[] = new Array<number>(queues.length);
    for (let q = 0; q < queues.length; q++) {
      const state = queues[q]!;
      highs[q] = state.high;
      // A deleted queue's staged entries are never written.
      if (state.deleted) {
        state.unencodedRun = NO_RUN;
        state.encodedHigh = state.high;
        continue;
      }
      if (!state.persisted) {
        void namesDb.put(nameKey(state), state.id);
        created = true;
      }
      // The staged runs from `unencodedRun` on: those past what LMDB already has or is committing.
      const first = state.unencodedRun;
      if (first !== NO_RUN && state.low === state.encodedHigh) {
        // LMDB holds none of this queue's entries: register its new low entry for retention.
        state.lowPosition = staged.position(staged.entryOf(first, 0));
        void lowsDb.put(writeLowKey(lowScratch, state.lowPosition, state.id), EMPTY);
      }
      const start = at;
      for (let run = first; run !== NO_RUN; run = staged.next(run)) {
        const count = staged.count(run);
        staged.copyOut(run, 0, count, encodeBytes, at);
        at += count * ENTRY_VALUE_BYTES;
      }
      const blockBytes = BLOCK_ENTRIES * ENTRY_VALUE_BYTES;
      for (let block = start; block < at; block += blockBytes) {
        const key = writeEntryKey(
          keyScratch,
          state.id,
          state.encodedHigh + (block - start) / ENTRY_VALUE_BYTES,
        );
        void entriesDb.put(key, encodeBytes.subarray(block, Math.min(at, block + blockBytes)));
      }
      state.unencodedRun = NO_RUN;
      state.encodedHigh = state.high;
      void metaDb.put(state.id, encodeMeta(NO_SCRATCH, state));
    }
    if (created) void stateDb.put(NEXT_QUEUE_ID_KEY, nextQueueId);
    const commit =
      checkpoint !== undefined
        ? stateDb.put(CHECKPOINT_KEY, checkpoint)
        : stateDb.put(NEXT_QUEUE_ID_KEY, nextQueueId);
    committing = track(commit, () => {
      if (checkpoint !== undefined) committedCheckpoint = checkpoint;
      for (let q = 0; q < queues.length; q++) {
        const state = queues[q]!;
        state.persisted = true;
        const high = highs[q]!;
        if (high > state.committedHigh) state.committedHigh = high;
        // Drop the runs this commit wrote (whole runs: an encode takes every staged run of a queue).
        let head = state.headRun;
        while (head !== NO_RUN && staged.firstOffset(head) < state.committedHigh) head = staged.next(head);
        state.headRun = head;
        if (head === NO_RUN) state.lastRun = NO_RUN;
      }
      encodedEntries -= entries;
      if (last) {
        // Every entry staged before the round started was in one of its slices (or is a deleted queue's).
        staged.release(mark);
        round = [];
        roundNext = 0;
        committedSeq = seq;
      }
      options.onCommit?.({
        entries,
        queues: queues.length,
        durationSeconds: (performance.now() - started) / 1000,
      });
    }).then(
      () => {
        committing = undefined;
        wakeCommitWaiters();
        scheduleEncode(false);
      },
      () => {
        committing = undefined;
        wakeCommitWaiters();
      },
    );
  }

  function wakeCommitWaiters(): void {
    const waiters = commitWaiters;
    commitWaiters = [];
    for (const wake of waiters) wake();
  }

  function read(queue: QueueRef, fromOffset: number, maxEntries: number, maxBytes = Infinity): ReadResult {
    assertOpen();
    const state = lookup(queue);
    if (state === undefined) return { status: 'unknown-queue' };
    const { id, low, high, committedHigh } = state;
    const belowLow = fromOffset < low;
    const start = Math.max(fromOffset, low);
    const end = Math.min(high, start + Math.max(0, maxEntries));
    const entries: QueueEntry[] = [];
    let bytes = 0;
    /** Adds one entry from an LMDB block; false once `maxBytes` is reached. */
    const take = (value: Buffer, at: number, offset: number): boolean => {
      const size = readU32(value, at + 8);
      // Always return at least one entry, so a record larger than maxBytes cannot stall a reader.
      if (entries.length > 0 && bytes + size > maxBytes) return false;
      bytes += size;
      entries.push({ offset, position: readU64(value, at), size, timestampMs: readU64(value, at + 12) });
      return true;
    };
    let offset = start;
    let full = false;
    // Committed entries from LMDB: the cache may be ahead of LMDB's snapshot until the commit callback
    // has run, so LMDB is read only below `committedHigh`; the rest comes from the tail.
    const lmdbEnd = Math.min(end, committedHigh);
    if (offset < lmdbEnd) {
      // Blocks hold consecutive offsets from their key on: start at the block holding `start`.
      const floor = blockAt(id, offset);
      scan: for (const { key, value } of entriesDb.getRange({
        start: entryKey(id, floor === undefined ? offset : floor.first),
        end: entryKey(id, lmdbEnd),
      })) {
        const first = readU64(key, 4);
        const count = value.length / ENTRY_VALUE_BYTES;
        for (let i = Math.max(0, offset - first); i < count && offset < lmdbEnd; i++) {
          if (!take(value, i * ENTRY_VALUE_BYTES, offset)) {
            full = true;
            break scan;
          }
          offset++;
        }
      }
    }
    if (!full && offset < end) {
      for (let run = state.headRun; run !== NO_RUN; run = staged.next(run)) {
        const first = staged.firstOffset(run);
        const count = staged.count(run);
        if (first + count <= offset) continue;
        for (let i = offset - first; i < count && offset < end; i++, offset++) {
          const entry = staged.entryOf(run, i);
          const size = staged.size(entry);
          if (entries.length > 0 && bytes + size > maxBytes) {
            full = true;
            break;
          }
          bytes += size;
          entries.push({
            offset,
            position: staged.position(entry),
            size,
            timestampMs: staged.timestampMs(entry),
          });
        }
        if (full || offset >= end) break;
      }
    }
    evictIfNeeded();
    return { status: 'ok', entries, low, high, belowLow };
  }

  function range(queue: QueueRef): QueueRange | undefined {
    assertOpen();
    const state = lookup(queue);
    return state === undefined ? undefined : { low: state.low, high: state.high };
  }

  function ensureQueue(queue: QueueRef): number {
    assertOpen();
    const existing = lookup(queue);
    if (existing !== undefined) return existing.high;
    assertWritable();
    const created = create(queue);
    // Eviction waits for this commit (it runs only with nothing in flight), so the state cannot be
    // reloaded from LMDB before its name is there.
    created.persisted = true;
    void namesDb.put(nameKey(queue), created.id);
    void metaDb.put(created.id, encodeMeta(NO_SCRATCH, created));
    // The creation commits with the current lmdb-js batch; nothing waits for it (an absent queue is empty).
    track(stateDb.put(NEXT_QUEUE_ID_KEY, nextQueueId), () => undefined).catch(() => undefined);
    return created.high;
  }

  function* listQueues(): Iterable<QueueInfo> {
    assertOpen();
    // LMDB's rows, with the end offsets readers see for queues that have uncommitted entries.
    for (const { value } of metaDb.getRange({})) {
      const meta = decodeMeta(value);
      const cached = caches[meta.kind].get(meta.name);
      if (deleting[meta.kind].has(meta.name) && cached === undefined) continue;
      yield {
        queue: { kind: meta.kind, name: meta.name },
        low: cached?.low ?? meta.low,
        high: cached?.high ?? meta.high,
        createdMs: meta.createdMs,
      };
    }
    // Queues created by a batch not committed yet.
    for (const cache of [caches.topic, caches.filter]) {
      for (const state of [...cache.values()]) {
        if (state.persisted || state.deleted) continue;
        yield {
          queue: { kind: state.kind, name: state.name },
          low: state.low,
          high: state.high,
          createdMs: state.createdMs,
        };
      }
    }
  }

  function queueCount(): number {
    assertOpen();
    let unpersisted = 0;
    for (const state of dirty) if (!state.persisted && !state.deleted) unpersisted++;
    for (const state of round) if (!state.persisted && !state.deleted) unpersisted++;
    return (metaDb.getStats() as { entryCount: number }).entryCount + unpersisted;
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
    const { id, committedHigh, encodedHigh } = state;
    if (state.lowPosition !== undefined) void lowsDb.remove(writeLowKey(lowScratch, state.lowPosition, id));
    // Committed blocks, then those of the commit in flight (it starts at the committed end); staged
    // entries are never written (`deleted`).
    const keys: Buffer[] = [];
    for (const key of entriesDb.getKeys({ start: queuePrefix(id), end: entryKey(id, committedHigh) }))
      keys.push(Buffer.from(key));
    for (const key of keys) void entriesDb.remove(key);
    for (let offset = committedHigh; offset < encodedHigh; offset += BLOCK_ENTRIES)
      void entriesDb.remove(writeEntryKey(keyScratch, id, offset));
    void namesDb.remove(nameKey(queue));
    const commit = metaDb.remove(id);
    state.deleted = true;
    caches[queue.kind].delete(queue.name);
    deleting[queue.kind].add(queue.name);
    track(commit, () => undefined).catch(() => undefined);
    return true;
  }

  /** Resolves once the batches staged before the call are committed (or a commit failed). */
  async function committedThrough(seq: number): Promise<void> {
    while (committedSeq < seq && failure === undefined && !closed) {
      if (committing === undefined) {
        if (encodeTimer !== undefined) clearTimeout(encodeTimer);
        runEncode();
        if (committing === undefined) return; // nothing left to encode
      }
      await new Promise<void>((resolve) => commitWaiters.push(resolve));
    }
  }

  async function flushed(): Promise<void> {
    await committedThrough(stagedSeq);
    await whenIdle();
  }

  async function close(): Promise<void> {
    if (closed) return;
    await committedThrough(stagedSeq);
    closed = true;
    if (encodeTimer !== undefined) clearTimeout(encodeTimer);
    encodeTimer = undefined;
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
    uncommittedEntries: () => stagedEntries + encodedEntries,
    trimBefore,
    deleteQueue,
    flushed,
    close,
  };
}
