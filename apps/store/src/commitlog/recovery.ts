import * as fs from 'node:fs';
import * as path from 'node:path';
import { CommitlogError, ioError } from './errors';
import * as io from './fs-io';
import { decodeRecord, RECORD_OVERHEAD_BYTES } from './record-codec';
import { parseSegmentFileName, Segment, SEGMENT_SUFFIX } from './segment';
import type { CommitlogLogger, RecoveryReport } from './types';

/** Exists while a commitlog is open; found at open, it means the last run did not close cleanly. */
export const OPEN_MARKER_FILE = 'commitlog.open';
/** Written by a clean close: where the log ends and where its last record starts. */
export const CLEAN_CHECKPOINT_FILE = 'commitlog.clean';
const CLEAN_CHECKPOINT_TMP = `${CLEAN_CHECKPOINT_FILE}.tmp`;

const SCAN_CHUNK_BYTES = 4 * 1024 * 1024;

export interface CleanCheckpoint {
  readonly endPosition: number;
  /** Undefined when the log holds no record. */
  readonly lastRecordPosition: number | undefined;
}

export interface RecoveredLog {
  /** Sorted by base position, contiguous, never empty; the last one is the active segment. */
  readonly segments: Segment[];
  readonly lastRecordPosition: number | undefined;
  readonly report: RecoveryReport;
}

/**
 * Brings `dir` to a state where every segment ends at a whole record and segments are contiguous,
 * then marks the log open. The path depends on how the last run ended:
 *  - clean (no open marker, a checkpoint that matches the files, its last record decodes): trust;
 *  - otherwise scan the last two segments validating every CRC, truncate at the first torn or
 *    corrupt record and delete any segment after it. Nothing acknowledged can be there: a batch is
 *    acknowledged only after all its bytes (in every segment it touched) are fdatasync'ed, and the
 *    writer never starts a batch before the previous one is done.
 */
export async function recoverLog(dir: string, logger: CommitlogLogger | undefined): Promise<RecoveredLog> {
  const started = performance.now();
  try {
    await fs.promises.mkdir(dir, { recursive: true });
  } catch (err) {
    throw ioError(`cannot create commitlog directory ${dir}`, err);
  }
  const listing = await listDir(dir, logger);
  let segments = listing.segments;
  const checkpoint = listing.hasMarker ? undefined : await readCheckpoint(dir);
  // A brand-new log (nothing in the directory) has nothing to recover: it starts clean.
  const fresh = segments.length === 0 && !listing.hasMarker && checkpoint === undefined;
  if (listing.hasMarker) logger?.warn({ dir }, 'commitlog was not closed cleanly');
  else if (checkpoint === undefined && !fresh)
    logger?.warn({ dir }, 'commitlog has no clean-shutdown checkpoint');

  let clean = fresh || (checkpoint !== undefined && (await verifyClean(segments, checkpoint)));
  if (!clean && checkpoint !== undefined)
    logger?.warn({ dir }, 'clean-shutdown checkpoint does not match the segments');
  let lastRecordPosition = checkpoint?.lastRecordPosition;
  let truncatedBytes = 0;
  let truncationReason: string | undefined;
  let deletedSegments = 0;

  if (!clean && segments.length > 0) {
    const repair = await scanTail(segments);
    lastRecordPosition = repair.lastRecordPosition;
    for (const { index, offset } of repair.zeroTails) {
      const segment = segments[index]!;
      logger?.info(
        { segment: segment.file, offset, zeroBytes: segment.sizeBytes - offset },
        'commitlog runway (zeros past the last record) cut off',
      );
      await segment.truncate(offset);
    }
    if (repair.truncateAt !== undefined) {
      const { index, offset, reason, tornBytes } = repair.truncateAt;
      const torn = segments[index]!;
      const dropped = segments.slice(index + 1);
      truncatedBytes = tornBytes + dropped.reduce((sum, s) => sum + s.sizeBytes, 0);
      truncationReason = reason;
      deletedSegments = dropped.length;
      logger?.warn(
        { segment: torn.file, offset, truncatedBytes, deletedSegments, reason },
        'commitlog tail truncated at the last whole record',
      );
      await torn.truncate(offset);
      for (const segment of dropped) await segment.delete();
      segments = segments.slice(0, index + 1);
    }
  }
  clean = clean && truncatedBytes === 0;

  if (segments.length === 0) {
    // Keep positions monotonic even if every segment file was removed by hand.
    segments = [await Segment.create(dir, checkpoint?.endPosition ?? 0, false)];
  }
  await markOpen(dir);
  return {
    segments,
    lastRecordPosition,
    report: {
      clean,
      truncatedBytes,
      ...(truncationReason === undefined ? {} : { truncationReason }),
      deletedSegments,
      ignoredFiles: listing.ignored,
      durationMs: performance.now() - started,
    },
  };
}

interface Listing {
  segments: Segment[];
  hasMarker: boolean;
  ignored: string[];
}

async function listDir(dir: string, logger: CommitlogLogger | undefined): Promise<Listing> {
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch (err) {
    throw ioError(`cannot list commitlog directory ${dir}`, err);
  }
  const segments: Segment[] = [];
  const ignored: string[] = [];
  let hasMarker = false;
  for (const name of names) {
    const base = parseSegmentFileName(name);
    if (base !== undefined) {
      const stat = await fs.promises.stat(path.join(dir, name)).catch((err: unknown) => {
        throw ioError(`cannot stat segment ${name}`, err);
      });
      segments.push(Segment.existing(dir, base, stat.size, stat.mtimeMs));
    } else if (name === OPEN_MARKER_FILE) {
      hasMarker = true;
    } else if (name === CLEAN_CHECKPOINT_FILE || name === CLEAN_CHECKPOINT_TMP) {
      // read below (or a leftover of a close that crashed half-way: replaced at the next close)
    } else if (name.endsWith(SEGMENT_SUFFIX)) {
      // A `.log` outside the scheme is most likely a renamed or hand-copied segment: skipping it
      // would silently drop data and leave a gap in the positions, so refuse to open instead.
      throw new CommitlogError(
        'STORE_SEGMENT_NAME',
        `${path.join(dir, name)} looks like a segment but is not named <20-digit base position>${SEGMENT_SUFFIX}; move it away`,
      );
    } else {
      ignored.push(name);
      logger?.warn({ dir, file: name }, 'ignoring a file that is not part of the commitlog');
    }
  }
  segments.sort((a, b) => a.basePosition - b.basePosition);
  return { segments, hasMarker, ignored };
}

async function readCheckpoint(dir: string): Promise<CleanCheckpoint | undefined> {
  let text: string;
  try {
    text = await fs.promises.readFile(path.join(dir, CLEAN_CHECKPOINT_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as { endPosition?: unknown; lastRecordPosition?: unknown };
    const end = parsed.endPosition;
    const last = parsed.lastRecordPosition;
    if (typeof end !== 'number' || !Number.isSafeInteger(end) || end < 0) return undefined;
    if (last !== null && (typeof last !== 'number' || !Number.isSafeInteger(last) || last < 0 || last >= end))
      return undefined;
    return { endPosition: end, lastRecordPosition: last ?? undefined };
  } catch {
    return undefined;
  }
}

/** Cheap check of a clean shutdown: contiguous files ending where the checkpoint says, last record whole. */
async function verifyClean(segments: Segment[], checkpoint: CleanCheckpoint): Promise<boolean> {
  if (segments.length === 0) return false;
  if (firstGap(segments) !== undefined) return false;
  const last = segments[segments.length - 1]!;
  if (last.endPosition !== checkpoint.endPosition) return false;
  const lastPosition = checkpoint.lastRecordPosition;
  if (lastPosition === undefined) return segments[0]!.basePosition === checkpoint.endPosition;
  const holder = findSegment(segments, lastPosition);
  if (holder === undefined) return false;
  const size = checkpoint.endPosition - lastPosition;
  if (size < RECORD_OVERHEAD_BYTES || lastPosition + size > holder.endPosition) return false;
  const bytes = await holder.read(lastPosition - holder.basePosition, size);
  const decoded = decodeRecord(bytes, 0);
  return decoded.status === 'ok' && decoded.size === size;
}

interface TailScan {
  lastRecordPosition: number | undefined;
  /** Runways to cut off: whole records end at `offset`, zeros follow. */
  zeroTails: Array<{ index: number; offset: number }>;
  /** `tornBytes`: the damaged bytes at `offset`, not counting a runway's zeros after them. */
  truncateAt?: { index: number; offset: number; reason: string; tornBytes: number };
}

/** Validates the last two segments record by record (CRC included) and finds where the whole records end. */
async function scanTail(segments: Segment[]): Promise<TailScan> {
  const gap = firstGap(segments);
  if (gap !== undefined && gap < segments.length - 2) {
    const s = segments[gap]!;
    throw new CommitlogError(
      'STORE_SEGMENT_CORRUPT',
      `segment ${s.file} ends at ${s.endPosition} but the next segment starts at ${segments[gap + 1]!.basePosition}; not near the tail, so not repaired`,
    );
  }
  let lastRecordPosition: number | undefined;
  const zeroTails: Array<{ index: number; offset: number }> = [];
  const cutAt = (index: number, offset: number, reason: string, tornBytes: number): TailScan => ({
    lastRecordPosition,
    zeroTails,
    truncateAt: { index, offset, reason, tornBytes },
  });
  for (let index = Math.max(0, segments.length - 2); index < segments.length; index++) {
    const segment = segments[index]!;
    const result = await scanSegment(segment);
    if (result.lastRecordOffset !== undefined)
      lastRecordPosition = segment.basePosition + result.lastRecordOffset;
    if (result.invalid !== undefined) {
      const tornBytes = (result.dataEnd ?? segment.sizeBytes) - result.validBytes;
      return cutAt(index, result.validBytes, result.invalid, tornBytes);
    }
    if (result.zeroTail) zeroTails.push({ index, offset: result.validBytes });
    const end = segment.basePosition + result.validBytes;
    const next = segments[index + 1];
    if (next !== undefined && next.basePosition !== end) {
      // Whole records, but the next file does not start where this one ends: what follows was never
      // part of one consistent log. Everything after this segment goes.
      return cutAt(
        index,
        result.validBytes,
        `next segment starts at ${next.basePosition}, expected ${end}`,
        0,
      );
    }
  }
  if (lastRecordPosition === undefined && segments.length > 2) {
    // The last two segments are empty (possible after two rolls in one batch that then failed):
    // the last record, if any, sits further back. Dispatch only needs the end, so leave it unknown.
    return { lastRecordPosition: undefined, zeroTails };
  }
  return { lastRecordPosition, zeroTails };
}

interface SegmentScan {
  validBytes: number;
  lastRecordOffset: number | undefined;
  invalid?: string;
  /** With `invalid`: where the runway's zeros start after the damaged bytes (the file's end without one). */
  dataEnd?: number;
  /** Whole records up to `validBytes`, zeros after: the runway, cut off without counting as damage. */
  zeroTail?: true;
}

/**
 * Scans one segment. Where whole records stop, the rest is either the runway (zeros the `sync` writer laid down
 * ahead of its end: `zeroTail`, not damage) or a torn/corrupt tail (`invalid`); `dataEnd` is where its last
 * non-zero byte ends, for the count of truncated bytes.
 */
async function scanSegment(segment: Segment): Promise<SegmentScan> {
  const scan = await scanRecords(segment);
  if (scan.invalid === undefined) return scan;
  const dataEnd = await runwayStart(segment, scan.validBytes);
  if (dataEnd === scan.validBytes)
    return { validBytes: scan.validBytes, lastRecordOffset: scan.lastRecordOffset, zeroTail: true };
  return { ...scan, dataEnd };
}

/**
 * Where the segment's trailing zeros start, at or after `from`: `from` when everything from there is zero. A
 * run of fewer than RUNWAY_MIN_ZEROS zeros before the end (a torn record's own zero bytes) does not count: the
 * runway is at least megabytes long.
 */
async function runwayStart(segment: Segment, from: number): Promise<number> {
  const end = await nonZeroEnd(segment, from);
  return end === from || segment.sizeBytes - end >= RUNWAY_MIN_ZEROS ? end : segment.sizeBytes;
}

const RUNWAY_MIN_ZEROS = 4096;

/** Offset just past the last non-zero byte at or after `from` (`from` when there is none). */
async function nonZeroEnd(segment: Segment, from: number): Promise<number> {
  let end = from;
  for (let offset = from; offset < segment.sizeBytes;) {
    const chunk = await segment.read(offset, Math.min(SCAN_CHUNK_BYTES, segment.sizeBytes - offset));
    if (chunk.length === 0) break;
    for (let i = chunk.length - 1; i >= 0; i--) {
      if (chunk[i] !== 0) {
        end = offset + i + 1;
        break;
      }
    }
    offset += chunk.length;
  }
  return end;
}

async function scanRecords(segment: Segment): Promise<SegmentScan> {
  const fileSize = segment.sizeBytes;
  let offset = 0;
  let lastRecordOffset: number | undefined;
  const torn = (recordOffset: number, why: string): SegmentScan => ({
    validBytes: recordOffset,
    lastRecordOffset,
    invalid: why,
  });
  while (offset < fileSize) {
    const chunk = await segment.read(offset, Math.min(SCAN_CHUNK_BYTES, fileSize - offset));
    if (chunk.length === 0) return torn(offset, 'segment shrank while being scanned');
    let at = 0;
    for (;;) {
      const decoded = decodeRecord(chunk, at);
      if (decoded.status === 'ok') {
        lastRecordOffset = offset + at;
        at += decoded.size;
        continue;
      }
      const recordOffset = offset + at;
      if (decoded.status === 'corrupt') return torn(recordOffset, `corrupt record: ${decoded.reason}`);
      // Incomplete: either the chunk ends mid-record (read on) or the file does (a torn tail).
      if (recordOffset === fileSize) return { validBytes: fileSize, lastRecordOffset };
      const remaining = chunk.length - at;
      if (remaining < 5) {
        if (offset + chunk.length >= fileSize)
          return torn(recordOffset, `torn record: ${remaining}-byte header fragment`);
        break;
      }
      const claimed = chunk.readUInt32BE(at + 1);
      if (claimed < RECORD_OVERHEAD_BYTES)
        return torn(recordOffset, `corrupt record: length ${claimed} below the minimum`);
      if (recordOffset + claimed > fileSize) {
        return torn(recordOffset, `torn record: ${fileSize - recordOffset} of ${claimed} bytes present`);
      }
      if (claimed > SCAN_CHUNK_BYTES) {
        // One record bigger than a chunk: read exactly it.
        const big = decodeRecord(await segment.read(recordOffset, claimed), 0);
        if (big.status !== 'ok')
          return torn(
            recordOffset,
            `corrupt record: ${big.status === 'corrupt' ? big.reason : 'short read'}`,
          );
        lastRecordOffset = recordOffset;
        at += big.size;
      }
      break;
    }
    if (at === 0) return torn(offset, 'segment shrank while being scanned');
    offset += at;
  }
  return { validBytes: fileSize, lastRecordOffset };
}

function firstGap(segments: Segment[]): number | undefined {
  for (let i = 0; i + 1 < segments.length; i++) {
    if (segments[i]!.endPosition !== segments[i + 1]!.basePosition) return i;
  }
  return undefined;
}

export function findSegment(segments: readonly Segment[], position: number): Segment | undefined {
  let lo = 0;
  let hi = segments.length - 1;
  let found: Segment | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const segment = segments[mid]!;
    if (segment.basePosition <= position) {
      found = segment;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found !== undefined && position < found.endPosition ? found : undefined;
}

async function markOpen(dir: string): Promise<void> {
  try {
    await fs.promises.rm(path.join(dir, CLEAN_CHECKPOINT_FILE), { force: true });
    await fs.promises.writeFile(path.join(dir, OPEN_MARKER_FILE), `${process.pid}\n`);
    await io.fsyncDir(dir);
  } catch (err) {
    throw ioError(`cannot mark commitlog ${dir} open`, err);
  }
}

/** Clean close: checkpoint where the log ends, then remove the open marker. Segments are already synced. */
export async function markClosed(dir: string, checkpoint: CleanCheckpoint): Promise<void> {
  const tmp = path.join(dir, CLEAN_CHECKPOINT_TMP);
  try {
    const body = JSON.stringify({
      endPosition: checkpoint.endPosition,
      lastRecordPosition: checkpoint.lastRecordPosition ?? null,
    });
    const fd = await io.open(tmp, 'w');
    try {
      await new Promise<void>((resolve, reject) =>
        fs.write(fd, body, 0, 'utf8', (err) => (err ? reject(err) : resolve())),
      );
      await io.fsync(fd);
    } finally {
      await io.close(fd);
    }
    await fs.promises.rename(tmp, path.join(dir, CLEAN_CHECKPOINT_FILE));
    await fs.promises.rm(path.join(dir, OPEN_MARKER_FILE), { force: true });
    await io.fsyncDir(dir);
  } catch (err) {
    throw ioError(`cannot mark commitlog ${dir} closed`, err);
  }
}
