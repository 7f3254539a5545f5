import type { LogRecord, RecordInput } from './record-codec';
import type { SegmentInfo } from './segment';

/**
 * `sync` (default): an append resolves once its batch is fdatasync'ed — acknowledged means on disk.
 * `async`: it resolves once the batch is in the page cache (survives a process crash, not a power
 * loss); segments are fdatasync'ed every `flushIntervalMs`, on roll and on close.
 */
export type FsyncPolicy = 'sync' | 'async';

export interface CommitlogOptions {
  readonly dir: string;
  /** Maximum size of a segment file. Default 256 MiB. */
  readonly segmentBytes?: number;
  /** Largest record frame accepted (≤ segmentBytes). Default 4 MiB. */
  readonly maxRecordBytes?: number;
  readonly fsync?: FsyncPolicy;
  /** `async` only: how often written segments are fdatasync'ed. Default 1000. */
  readonly flushIntervalMs?: number;
  /** Bytes of recent durable batches kept in memory for readers. Default 64 MiB; 0 disables. */
  readonly cacheBytes?: number;
  readonly metrics?: CommitlogMetrics;
  readonly logger?: CommitlogLogger;
}

/**
 * Hooks for the store's metrics (prom-client lives outside the commitlog). All optional; durations
 * in seconds, sizes in bytes (Prometheus base units).
 */
export interface CommitlogMetrics {
  /** Per append call: from `append()` to its promise resolving. */
  observeAppendSeconds?(seconds: number): void;
  /** Per batch written: the records and bytes it held (bytes appended = the sum of `bytes`). */
  observeBatch?(records: number, bytes: number): void;
  /** Per fdatasync of a segment. */
  observeFsyncSeconds?(seconds: number): void;
  /** After open, roll and retention: how many segments and bytes the log holds. */
  setSegments?(count: number, bytes: number): void;
}

/** The part of a pino logger the commitlog uses. */
export interface CommitlogLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export type AppendResult =
  | { readonly status: 'ok'; readonly positions: readonly number[] }
  /** Record `index` would be `sizeBytes` on disk, over `maxRecordBytes`; nothing of this append was written. */
  | {
      readonly status: 'too-large';
      readonly index: number;
      readonly sizeBytes: number;
      readonly maxRecordBytes: number;
    };

/**
 * A batch that became durable under the fsync policy, in log order. Handed to `onDurable`
 * listeners exactly once, before the appenders' promises resolve. Arrays are parallel.
 */
export interface DurableBatch {
  readonly records: readonly RecordInput[];
  readonly positions: readonly number[];
  /** Frame bytes of each record. */
  readonly sizes: readonly number[];
  /** The timestamp stored for each record (the input's, or the time of the append). */
  readonly timestampsMs: readonly number[];
  /** Position just past the batch: the new `endPosition`. */
  readonly endPosition: number;
}

export type DurableListener = (batch: DurableBatch) => void;

export interface StoredRecord {
  readonly position: number;
  /** Frame bytes; `position + size` is the next record's position. */
  readonly size: number;
  readonly record: LogRecord;
}

export type ReadResult =
  | ({ readonly status: 'ok' } & StoredRecord)
  | { readonly status: 'out-of-range'; readonly lowPosition: number; readonly endPosition: number };

export type ReadFromResult =
  | { readonly status: 'ok'; readonly records: readonly StoredRecord[]; readonly nextPosition: number }
  | { readonly status: 'out-of-range'; readonly lowPosition: number; readonly endPosition: number };

export interface RecoveryReport {
  /** The previous close was clean and its checkpoint matched the files. */
  readonly clean: boolean;
  /** Bytes removed from the tail (torn or corrupt records, and segments after them). */
  readonly truncatedBytes: number;
  /** Why bytes were truncated, when they were. */
  readonly truncationReason?: string;
  /** Segment files removed because they came after the truncation point. */
  readonly deletedSegments: number;
  /** Files in the directory that are not the commitlog's (ignored, with a warning). */
  readonly ignoredFiles: readonly string[];
  readonly durationMs: number;
}

export interface RetentionPolicy {
  /** Delete sealed segments last modified more than this long before `nowMs`. */
  readonly maxAgeMs?: number;
  /** Delete the oldest sealed segments while the log is larger than this. */
  readonly maxBytes?: number;
  readonly nowMs?: number;
}

export interface RetentionResult {
  readonly deletedSegments: readonly SegmentInfo[];
  readonly newLowPosition: number;
}
