import { placeBatch, type AppendSpan } from './batch-placement';
import { CommitlogError, ioError } from './errors';
import * as io from './fs-io';
import { HotTailCache } from './hot-tail-cache';
import {
  encodeRecordInto,
  MAX_TOPIC_BYTES,
  RECORD_OVERHEAD_BYTES,
  recordSize,
  type RecordInput,
} from './record-codec';
import { markClosed, recoverLog } from './recovery';
import { Segment, type SegmentInfo } from './segment';
import { LogReader } from './log-reader';
import type {
  AppendResult,
  CommitlogLogger,
  CommitlogMetrics,
  CommitlogOptions,
  DurableBatch,
  DurableListener,
  FsyncPolicy,
  ReadFromResult,
  ReadResult,
  RecoveryReport,
  RetentionPolicy,
  RetentionResult,
  StoredRecord,
} from './types';

const MiB = 1024 * 1024;
export const COMMITLOG_DEFAULTS = {
  segmentBytes: 256 * MiB,
  maxRecordBytes: 4 * MiB,
  fsync: 'sync' as FsyncPolicy,
  flushIntervalMs: 1000,
  cacheBytes: 64 * MiB,
} as const;

/**
 * Appends encode straight into this arena; a batch takes the arena's bytes as one buffer (one
 * iovec, one cache entry) instead of one allocation and one iovec per append.
 */
const ARENA_BYTES = MiB;
/**
 * `sync` mode keeps this much of the active segment zero-filled and durable past its end (the runway), refilled
 * once less than half is left. An O_DSYNC write that grows the file must also commit the new size and block
 * allocation (on ext4 a journal commit); one that overwrites zeros already on disk flushes only its data:
 * 0.15-0.2 ms instead of 0.31-0.33 ms per 10 KiB write on this machine's disk (PostgreSQL zero-fills its WAL
 * segments for the same reason). Recovery and close cut the runway off (an all-zero tail is not a torn record).
 */
const RUNWAY_BYTES = 8 * MiB;
/** One O_DSYNC write of the runway fill: an append's write waits behind at most this (≈ 1 ms here). */
const RUNWAY_FILL_CHUNK_BYTES = 256 * 1024;

interface PendingAppend extends AppendSpan {
  readonly records: readonly RecordInput[];
  /** The timestamp given to records without one. */
  readonly timestampMs: number;
  readonly startedAt: number;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Opens (creating or recovering) the commitlog in `options.dir`. The returned log is the only
 * writer of that directory until `close()`.
 */
export async function openCommitlog(options: CommitlogOptions): Promise<Commitlog> {
  const settings = resolveOptions(options);
  const recovered = await recoverLog(options.dir, options.logger);
  const log = new Commitlog(settings, recovered.segments, recovered.lastRecordPosition, recovered.report);
  try {
    await log.prepareActiveSegment();
  } catch (err) {
    await log.close();
    throw err;
  }
  return log;
}

interface Settings {
  readonly dir: string;
  readonly segmentBytes: number;
  readonly maxRecordBytes: number;
  readonly fsync: FsyncPolicy;
  readonly flushIntervalMs: number;
  readonly cacheBytes: number;
  readonly metrics: CommitlogMetrics | undefined;
  readonly logger: CommitlogLogger | undefined;
}

function resolveOptions(options: CommitlogOptions): Settings {
  const s: Settings = {
    dir: options.dir,
    segmentBytes: options.segmentBytes ?? COMMITLOG_DEFAULTS.segmentBytes,
    maxRecordBytes:
      options.maxRecordBytes ?? Math.min(COMMITLOG_DEFAULTS.maxRecordBytes, options.segmentBytes ?? Infinity),
    fsync: options.fsync ?? COMMITLOG_DEFAULTS.fsync,
    flushIntervalMs: options.flushIntervalMs ?? COMMITLOG_DEFAULTS.flushIntervalMs,
    cacheBytes: options.cacheBytes ?? COMMITLOG_DEFAULTS.cacheBytes,
    metrics: options.metrics,
    logger: options.logger,
  };
  const problems: string[] = [];
  if (!Number.isSafeInteger(s.segmentBytes) || s.segmentBytes < RECORD_OVERHEAD_BYTES)
    problems.push(`segmentBytes ${s.segmentBytes} (≥ ${RECORD_OVERHEAD_BYTES})`);
  if (
    !Number.isSafeInteger(s.maxRecordBytes) ||
    s.maxRecordBytes < RECORD_OVERHEAD_BYTES ||
    s.maxRecordBytes > s.segmentBytes
  ) {
    problems.push(
      `maxRecordBytes ${s.maxRecordBytes} (${RECORD_OVERHEAD_BYTES} ≤ maxRecordBytes ≤ segmentBytes)`,
    );
  }
  if (s.fsync !== 'sync' && s.fsync !== 'async')
    problems.push(`fsync ${String(s.fsync)} ('sync' or 'async')`);
  if (!(s.flushIntervalMs > 0)) problems.push(`flushIntervalMs ${s.flushIntervalMs} (> 0)`);
  if (!(s.cacheBytes >= 0)) problems.push(`cacheBytes ${s.cacheBytes} (≥ 0)`);
  if (problems.length > 0)
    throw new CommitlogError('STORE_CONFIG', `bad commitlog options: ${problems.join(', ')}`);
  return s;
}

/**
 * The append-only log: one writer with group commit, positional reads, retention by whole segments.
 *
 * Group commit: `append()` encodes the records right away into a shared arena and queues the
 * call. While a batch is being written (and, in `sync` mode, made durable) new appends wait; when
 * it completes every queued append goes out as the next batch in one `writev` per segment touched.
 * In `sync` mode the active segment is opened O_DSYNC, so that write is also the fdatasync (one
 * thread-pool round trip instead of two). Positions are assigned at `append()` time, in call order, so they never depend on how
 * appends were batched — rolling a segment does not move a position either.
 */
export class Commitlog {
  readonly recovery: RecoveryReport;
  private segmentList: Segment[];
  /** Next position to hand out (includes queued appends). */
  private reservedEnd: number;
  /** Just past the last durable record: what readers may see. */
  private durableEnd: number;
  private lastRecord: number | undefined;
  private pending: PendingAppend[] = [];
  private pendingBytes = 0;
  private flushing = false;
  private flushScheduled = false;
  private failure: CommitlogError | undefined;
  private closing: Promise<void> | undefined;
  private readonly listeners = new Set<DurableListener>();
  private readonly cache: HotTailCache;
  private readonly reader: LogReader;
  /** `async` mode: segments written since their last fdatasync. */
  private readonly dirty = new Set<Segment>();
  private readonly flushTimer: NodeJS.Timeout | undefined;
  private background: Promise<void> = Promise.resolve();
  private idleWaiters: Array<() => void> = [];
  private retentionChain: Promise<unknown> = Promise.resolve();
  private topicBytesScratch: number[] = [];
  private arena: Buffer = Buffer.allocUnsafeSlow(ARENA_BYTES);
  private arenaUsed = 0;
  /** Bytes of the pending appends that no longer sit in the arena (it filled up). */
  private pendingChunks: Buffer[] = [];
  /** The zero fill in flight (`sync` mode), over [from, to) of `segment`. */
  private runwayFill: { segment: Segment; from: number; done: Promise<void> } | undefined;
  /** A zero fill failed (a full disk, say): appends go on growing the file, as without a runway. */
  private runwayOff = false;

  /** @internal use `openCommitlog` */
  constructor(
    private readonly settings: Settings,
    segments: Segment[],
    lastRecordPosition: number | undefined,
    recovery: RecoveryReport,
  ) {
    this.segmentList = segments;
    this.recovery = recovery;
    this.reservedEnd = this.active.endPosition;
    this.durableEnd = this.reservedEnd;
    this.lastRecord = lastRecordPosition;
    this.cache = new HotTailCache(settings.cacheBytes);
    this.reader = new LogReader(this.cache, settings.dir);
    if (settings.fsync === 'async') {
      this.flushTimer = setInterval(this.onFlushInterval, settings.flushIntervalMs);
      this.flushTimer.unref();
    }
    this.reportSegments();
  }

  get dir(): string {
    return this.settings.dir;
  }

  /** Position of the oldest byte still stored (the first segment's base). */
  get lowPosition(): number {
    return this.segmentList[0]!.basePosition;
  }

  /** Position just past the last durable record; the next append starts at or after it. */
  get endPosition(): number {
    return this.durableEnd;
  }

  /** Position of the last durable record, undefined when unknown or the log is empty. */
  get lastRecordPosition(): number | undefined {
    return this.lastRecord;
  }

  /**
   * Appends `records` as one unit: all are written or none. Resolves once the batch holding them
   * is durable under the fsync policy (after `onDurable` listeners saw it). Rejects with a
   * `CommitlogError` on I/O failure (the log then refuses appends until reopened) or after close.
   */
  append(records: readonly RecordInput[]): Promise<AppendResult> {
    if (this.closing !== undefined)
      return Promise.reject(new CommitlogError('STORE_CLOSED', 'commitlog is closed'));
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const count = records.length;
    if (count === 0) return Promise.resolve({ status: 'ok', positions: [] });
    const { maxRecordBytes } = this.settings;
    const topicBytes = this.topicBytesScratch;
    let total = 0;
    for (let i = 0; i < count; i++) {
      const record = records[i]!;
      const tb = Buffer.byteLength(record.topic, 'utf8');
      const size = recordSize(record, tb);
      if (size > maxRecordBytes || tb > MAX_TOPIC_BYTES) {
        return Promise.resolve({ status: 'too-large', index: i, sizeBytes: size, maxRecordBytes });
      }
      topicBytes[i] = tb;
      total += size;
    }
    const startedAt = this.settings.metrics?.observeAppendSeconds === undefined ? 0 : performance.now();
    if (this.arenaUsed + total > this.arena.length) this.sealArena(total);
    const arena = this.arena;
    const start = this.arenaUsed;
    const timestampMs = Date.now();
    const position = this.reservedEnd;
    const positions = new Array<number>(count);
    let at = start;
    for (let i = 0; i < count; i++) {
      positions[i] = position + at - start;
      at += encodeRecordInto(arena, at, records[i]!, topicBytes[i]!, timestampMs);
    }
    this.arenaUsed = at;
    if (topicBytes.length > 1024) this.topicBytesScratch = [];
    this.reservedEnd += total;
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({
        position,
        byteLength: total,
        positions,
        records,
        timestampMs,
        startedAt,
        resolve,
        reject,
      });
      this.pendingBytes += total;
      this.scheduleFlush();
    });
  }

  /**
   * Calls `listener` with every batch once it is durable, in log order, before the appenders hear
   * back. Dispatch indexes from here, so it never indexes what a crash could take back. Returns an
   * unsubscribe function. A listener must not throw (a throw is logged and otherwise ignored).
   */
  onDurable(listener: DurableListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The record at `position`, which must be a position `append` returned. */
  read(position: number): Promise<ReadResult> {
    return this.reader.read(this.segmentList, position, this.lowPosition, this.durableEnd);
  }

  /**
   * Whole records from `position` on, about `maxBytes` of them (at least one if any remain). An
   * empty list means `position` is the end of the log; continue from `nextPosition`.
   */
  readFrom(position: number, maxBytes: number): Promise<ReadFromResult> {
    return this.reader.readFrom(this.segmentList, position, maxBytes, this.lowPosition, this.durableEnd);
  }

  /** Every record from `fromPosition` to the end of the log as it grows while scanning (recovery replay). */
  async *scan(
    fromPosition: number = this.lowPosition,
    chunkBytes: number = MiB,
  ): AsyncGenerator<StoredRecord> {
    let position = fromPosition;
    for (;;) {
      const result = await this.readFrom(position, chunkBytes);
      if (result.status === 'out-of-range') {
        throw new CommitlogError(
          'STORE_OUT_OF_RANGE',
          `cannot scan from ${position}: the log holds [${result.lowPosition}, ${result.endPosition})`,
        );
      }
      if (result.records.length === 0) return;
      yield* result.records;
      position = result.nextPosition;
    }
  }

  segments(): SegmentInfo[] {
    const last = this.segmentList.length - 1;
    return this.segmentList.map((s, i) => s.info(i === last));
  }

  /** Deletes every sealed segment that lies wholly below `position` (a queue low-water mark). */
  deleteSegmentsBefore(position: number): Promise<RetentionResult> {
    return this.removeOldest((segment) => segment.endPosition <= position);
  }

  /** Deletes the oldest sealed segments while they are older than `maxAgeMs` or the log is over `maxBytes`. */
  applyRetention(policy: RetentionPolicy): Promise<RetentionResult> {
    const nowMs = policy.nowMs ?? Date.now();
    return this.removeOldest(
      (segment, logBytes) =>
        (policy.maxBytes !== undefined && logBytes > policy.maxBytes) ||
        (policy.maxAgeMs !== undefined && nowMs - segment.lastModifiedMs > policy.maxAgeMs),
    );
  }

  /**
   * Waits for queued appends, fdatasyncs everything written, records a clean-shutdown checkpoint
   * and removes the open marker. After a write failure the marker stays, so the next open recovers.
   */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  /** @internal called by `openCommitlog`: a bad directory fails at open, not at the first append. */
  async prepareActiveSegment(): Promise<void> {
    await this.active.openForAppend(this.settings.fsync === 'sync');
  }

  /** Moves the arena's bytes to the pending chunks and gives the arena room for `needBytes`. */
  private sealArena(needBytes: number): void {
    if (this.arenaUsed > 0) this.pendingChunks.push(this.takeArenaBytes());
    if (this.arena.length < needBytes) this.arena = Buffer.allocUnsafeSlow(Math.max(ARENA_BYTES, needBytes));
  }

  /**
   * The arena's used bytes as a buffer the writer and cache may keep. A mostly full arena is handed
   * over whole (a new one is allocated); a mostly empty one is copied out and reused, so a small
   * batch does not pin a megabyte in the cache.
   */
  private takeArenaBytes(): Buffer {
    const used = this.arenaUsed;
    let bytes: Buffer;
    if (used * 2 >= this.arena.length) {
      bytes = this.arena.subarray(0, used);
      this.arena = Buffer.allocUnsafeSlow(ARENA_BYTES);
    } else {
      bytes = Buffer.allocUnsafe(used);
      this.arena.copy(bytes, 0, 0, used);
    }
    this.arenaUsed = 0;
    return bytes;
  }

  private get active(): Segment {
    return this.segmentList[this.segmentList.length - 1]!;
  }

  private scheduleFlush(): void {
    if (this.flushing || this.flushScheduled) return;
    this.flushScheduled = true;
    // setImmediate, not nextTick: callers resumed by the previous batch get to append first.
    setImmediate(this.onFlushTick);
  }

  private readonly onFlushTick = (): void => {
    this.flushScheduled = false;
    // A tick armed by a completing batch (see flushBatch) may find nothing to write.
    if (!this.flushing && this.pending.length === 0) this.wakeIdleWaiters();
    else void this.flushBatch();
  };

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  private async flushBatch(): Promise<void> {
    if (this.flushing || this.pending.length === 0) return;
    this.flushing = true;
    const batch = this.pending;
    const bytes = this.pendingBytes;
    const chunks = this.pendingChunks;
    if (this.arenaUsed > 0) chunks.push(this.takeArenaBytes());
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingChunks = [];
    try {
      await this.writeBatch(batch, chunks, bytes);
      // The next batch's tick is armed before the listeners run and the appenders hear back: immediates run
      // in the order they were set, so this one comes before any a listener sets in this turn (dispatch sets
      // one). The appends that the resumed appenders make in this turn's microtasks then go to disk first,
      // and dispatch's work on this batch runs while the disk writes the next one, instead of before it.
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.onFlushTick);
      }
      this.completeBatch(batch, chunks, bytes);
    } catch (err) {
      this.fail(err, batch);
    }
    this.flushing = false;
    if (this.failure !== undefined) this.fail(this.failure, []);
    if (this.pending.length > 0) this.scheduleFlush();
    else if (!this.flushScheduled) this.wakeIdleWaiters();
  }

  private async writeBatch(batch: PendingAppend[], chunks: Buffer[], bytes: number): Promise<void> {
    const batchStart = batch[0]!.position;
    const placements = placeBatch(
      chunks,
      batchStart,
      bytes,
      batch,
      this.active.sizeBytes,
      this.settings.segmentBytes,
    );
    const touched: Segment[] = [];
    let rolled = false;
    const now = Date.now();
    const sync = this.settings.fsync === 'sync';
    for (const placement of placements) {
      if (placement.newBasePosition !== undefined) {
        const sealed = this.active;
        // Before the next segment exists: recovery only trims a runway off the last segment.
        await this.cutRunway(sealed);
        this.segmentList.push(await Segment.create(this.settings.dir, placement.newBasePosition, sync));
        rolled = true;
        this.settings.logger?.info(
          { sealedBasePosition: sealed.basePosition, basePosition: placement.newBasePosition },
          'segment rolled',
        );
      }
      const segment = this.active;
      // Zeros must never land on data: a fill over the range this write covers finishes first.
      const fill = this.runwayFill;
      if (fill !== undefined && fill.segment === segment && fill.from < segment.sizeBytes + placement.bytes)
        await fill.done;
      const started = performance.now();
      try {
        // `async`: the write only reaches the page cache, a copy of microseconds; on this thread it skips
        // a thread-pool round trip, whose queueing behind the index's LMDB commits (same pool) was the tail
        // of the acknowledgement (ADR 0006). `sync`: O_DSYNC waits for the disk, so off the event loop.
        if (sync) await segment.write(placement.buffers, segment.sizeBytes);
        else segment.writeSync(placement.buffers, segment.sizeBytes);
      } catch (err) {
        throw ioError(`cannot write segment ${segment.file}`, err);
      }
      // In sync mode the descriptor is O_DSYNC, so this write was the fdatasync too.
      if (sync) this.settings.metrics?.observeFsyncSeconds?.((performance.now() - started) / 1000);
      segment.sizeBytes += placement.bytes;
      segment.lastModifiedMs = now;
      touched.push(segment);
      if (sync) this.extendRunway(segment);
    }
    if (sync) {
      // Each write above returned once durable (O_DSYNC); a new segment's name needs the directory synced.
      if (rolled) await this.syncDir();
    } else {
      for (const segment of touched) this.dirty.add(segment);
      // A sealed segment will not be written again: flush it now rather than at the next tick.
      if (rolled) this.inBackground(async () => Promise.all([this.syncDirty(), this.syncDir()]));
    }
    if (rolled) this.reportSegments();
  }

  private completeBatch(batch: PendingAppend[], chunks: Buffer[], bytes: number): void {
    const last = batch[batch.length - 1]!;
    let at = batch[0]!.position;
    for (const chunk of chunks) {
      this.cache.add(at, chunk);
      at += chunk.length;
    }
    this.durableEnd = at;
    this.lastRecord = last.positions[last.positions.length - 1];
    let records = 0;
    for (const append of batch) records += append.positions.length;
    const { metrics } = this.settings;
    metrics?.observeBatch?.(records, bytes);
    if (this.listeners.size > 0) this.notifyDurable(batch, records);
    const timed = metrics?.observeAppendSeconds !== undefined;
    const now = timed ? performance.now() : 0;
    for (const append of batch) {
      append.resolve({ status: 'ok', positions: append.positions });
      if (timed) metrics?.observeAppendSeconds?.((now - append.startedAt) / 1000);
    }
  }

  private notifyDurable(batch: PendingAppend[], count: number): void {
    const records = new Array<RecordInput>(count);
    const positions = new Array<number>(count);
    const sizes = new Array<number>(count);
    const timestampsMs = new Array<number>(count);
    let i = 0;
    for (const append of batch) {
      const end = append.position + append.byteLength;
      const n = append.positions.length;
      for (let k = 0; k < n; k++, i++) {
        const record = append.records[k]!;
        const position = append.positions[k]!;
        records[i] = record;
        positions[i] = position;
        sizes[i] = (k + 1 < n ? append.positions[k + 1]! : end) - position;
        timestampsMs[i] = record.timestampMs ?? append.timestampMs;
      }
    }
    const durable: DurableBatch = { records, positions, sizes, timestampsMs, endPosition: this.durableEnd };
    for (const listener of this.listeners) {
      try {
        listener(durable);
      } catch (err) {
        this.settings.logger?.error({ err }, 'commitlog durable listener threw');
      }
    }
  }

  /** A write or fsync failed: the tail is in an unknown state, so fail this batch and everything queued. */
  private fail(err: unknown, batch: PendingAppend[]): void {
    if (this.failure === undefined) {
      this.failure = err instanceof CommitlogError ? err : ioError('commitlog write failed', err);
      this.settings.logger?.error({ err: this.failure }, 'commitlog failed; appends refused until reopened');
    }
    const queued = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingChunks = [];
    this.arenaUsed = 0;
    for (const append of batch) append.reject(this.failure);
    for (const append of queued) append.reject(this.failure);
  }

  private async datasync(segment: Segment): Promise<void> {
    const started = performance.now();
    try {
      await segment.datasync();
    } catch (err) {
      throw ioError(`cannot fdatasync segment ${segment.file}`, err);
    }
    this.settings.metrics?.observeFsyncSeconds?.((performance.now() - started) / 1000);
  }

  private async syncDir(): Promise<void> {
    try {
      await io.fsyncDir(this.settings.dir);
    } catch (err) {
      throw ioError(`cannot fsync directory ${this.settings.dir}`, err);
    }
  }

  private async syncDirty(): Promise<void> {
    const segments = [...this.dirty];
    this.dirty.clear();
    await Promise.all(segments.map((segment) => this.datasync(segment)));
  }

  private readonly onFlushInterval = (): void => {
    if (this.dirty.size > 0) this.inBackground(() => this.syncDirty());
  };

  /** Runs `work` after earlier background work; a failure poisons the log like a failed write. */
  /** Starts a zero fill when less than half the runway is left (at most one at a time). */
  private extendRunway(segment: Segment): void {
    if (this.runwayFill !== undefined || this.runwayOff || this.failure !== undefined) return;
    if (segment.zeroedEnd - segment.sizeBytes >= RUNWAY_BYTES / 2) return;
    // A megabyte clear of the end when there is no runway yet, so the next writes need not wait for the fill.
    const from = Math.max(segment.zeroedEnd, segment.sizeBytes + MiB);
    const to = Math.min(this.settings.segmentBytes, segment.sizeBytes + RUNWAY_BYTES);
    if (to <= from) return;
    const fill = {
      segment,
      from,
      done: segment.writeZeros(from, to, RUNWAY_FILL_CHUNK_BYTES).then(
        () => {
          segment.zeroedEnd = to;
        },
        (err: unknown) => {
          this.runwayOff = true;
          this.settings.logger?.warn(
            { err, segment: segment.file },
            'zero fill failed; appends grow the file',
          );
        },
      ),
    };
    this.runwayFill = fill;
    void fill.done.finally(() => {
      if (this.runwayFill === fill) this.runwayFill = undefined;
    });
  }

  /** Waits for a fill of `segment` and cuts its zeros off (durably): the file ends at its last record. */
  private async cutRunway(segment: Segment): Promise<void> {
    const fill = this.runwayFill;
    if (fill !== undefined && fill.segment === segment) await fill.done;
    if (segment.zeroedEnd > segment.sizeBytes) await segment.truncate(segment.sizeBytes);
  }

  private inBackground(work: () => Promise<unknown>): void {
    this.background = this.background
      .then(work)
      .then(() => undefined)
      .catch((err: unknown) => this.fail(err, []));
  }

  private whenIdle(): Promise<void> {
    if (!this.flushing && !this.flushScheduled && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async closeNow(): Promise<void> {
    await this.whenIdle();
    if (this.flushTimer !== undefined) clearInterval(this.flushTimer);
    await this.background;
    await this.retentionChain.catch(() => undefined);
    try {
      if (this.failure === undefined) {
        // A clean shutdown leaves every segment exactly as long as its records.
        await this.cutRunway(this.active);
        await Promise.all([...this.dirty, this.active].map((segment) => this.datasync(segment)));
        this.dirty.clear();
        await markClosed(this.settings.dir, {
          endPosition: this.durableEnd,
          lastRecordPosition: this.lastRecord,
        });
      }
    } finally {
      this.cache.clear();
      await Promise.allSettled(this.segmentList.map((segment) => segment.close()));
    }
  }

  private removeOldest(
    shouldDelete: (segment: Segment, logBytes: number) => boolean,
  ): Promise<RetentionResult> {
    const run = this.retentionChain.then(async () => {
      if (this.closing !== undefined) throw new CommitlogError('STORE_CLOSED', 'commitlog is closed');
      let logBytes = this.segmentList.reduce((sum, s) => sum + s.sizeBytes, 0);
      let count = 0;
      // Never the active (last) segment, and only what is wholly durable.
      while (count < this.segmentList.length - 1) {
        const segment = this.segmentList[count]!;
        if (segment.endPosition > this.durableEnd || !shouldDelete(segment, logBytes)) break;
        logBytes -= segment.sizeBytes;
        count++;
      }
      const victims = this.segmentList.slice(0, count);
      if (count > 0) {
        this.segmentList = this.segmentList.slice(count);
        this.cache.dropBelow(this.lowPosition);
        for (const segment of victims) this.dirty.delete(segment);
        for (const segment of victims) await segment.delete();
        this.settings.logger?.info(
          { deletedSegments: count, lowPosition: this.lowPosition },
          'segments deleted',
        );
        this.reportSegments();
      }
      return { deletedSegments: victims.map((s) => s.info(false)), newLowPosition: this.lowPosition };
    });
    this.retentionChain = run.catch(() => undefined);
    return run;
  }

  private reportSegments(): void {
    const { metrics } = this.settings;
    if (metrics?.setSegments === undefined) return;
    const bytes = this.segmentList.reduce((sum, s) => sum + s.sizeBytes, 0);
    metrics.setSegments(this.segmentList.length, bytes);
  }
}
