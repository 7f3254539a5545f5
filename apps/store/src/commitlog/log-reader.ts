import { CommitlogError } from './errors';
import type { HotTailCache } from './hot-tail-cache';
import { decodeRecord, RECORD_OVERHEAD_BYTES, type DecodeOptions } from './record-codec';
import { findSegment } from './recovery';
import type { Segment } from './segment';
import type { ReadFromResult, ReadResult, StoredRecord } from './types';

/** Bytes fetched by a single-record read before the frame length is known: most records fit. */
const READ_AHEAD_BYTES = 8 * 1024;
/**
 * Records served from the hot-tail cache are the buffers the appenders encoded and checksummed in this
 * process; they never went through a file, so their CRC is not computed again (ADR 0008). Reads from a
 * segment file always verify it.
 */
const FROM_CACHE: DecodeOptions = Object.freeze({ verifyCrc: false });

/**
 * Reads records by position: from the hot-tail cache when the position is recent, otherwise with
 * positional reads on the segment's descriptor. Readers only see [lowPosition, endPosition): the
 * durable part of the log, so nothing a crash could take back.
 */
export class LogReader {
  constructor(
    private readonly cache: HotTailCache,
    private readonly dir: string,
  ) {}

  async read(segments: readonly Segment[], position: number, low: number, end: number): Promise<ReadResult> {
    if (position < low || position >= end)
      return { status: 'out-of-range', lowPosition: low, endPosition: end };
    const cached = this.cache.find(position);
    if (cached !== undefined)
      return { status: 'ok', ...this.decodeAt(cached.buf, position - cached.position, position, undefined) };
    const segment = findSegment(segments, position);
    if (segment === undefined) return { status: 'out-of-range', lowPosition: low, endPosition: end }; // deleted meanwhile
    const offset = position - segment.basePosition;
    const limit = Math.min(segment.endPosition, end) - position;
    let bytes = await segment.read(offset, Math.min(READ_AHEAD_BYTES, limit));
    if (bytes.length >= RECORD_OVERHEAD_BYTES) {
      const claimed = bytes.readUInt32BE(1);
      if (claimed > bytes.length && claimed <= limit) bytes = await segment.read(offset, claimed);
    }
    return { status: 'ok', ...this.decodeAt(bytes, 0, position, segment) };
  }

  async readFrom(
    segments: readonly Segment[],
    position: number,
    maxBytes: number,
    low: number,
    end: number,
  ): Promise<ReadFromResult> {
    if (position < low || position > end)
      return { status: 'out-of-range', lowPosition: low, endPosition: end };
    const records: StoredRecord[] = [];
    let next = position;
    let taken = 0;
    // Cache first: entries are contiguous, so walk them while the budget lasts.
    let entry = next < end ? this.cache.find(next) : undefined;
    while (entry !== undefined && next < end) {
      const stored = this.decodeAt(entry.buf, next - entry.position, next, undefined);
      if (records.length > 0 && taken + stored.size > maxBytes) break;
      records.push(stored);
      taken += stored.size;
      next += stored.size;
      if (next >= entry.position + entry.buf.length) entry = this.cache.find(next);
    }
    if (records.length > 0 || next >= end) return { status: 'ok', records, nextPosition: next };

    const segment = findSegment(segments, next);
    if (segment === undefined) return { status: 'out-of-range', lowPosition: low, endPosition: end };
    const offset = next - segment.basePosition;
    const limit = Math.min(segment.endPosition, end) - next;
    let bytes = await segment.read(offset, Math.min(Math.max(maxBytes, RECORD_OVERHEAD_BYTES), limit));
    if (bytes.length >= RECORD_OVERHEAD_BYTES) {
      const claimed = bytes.readUInt32BE(1);
      if (claimed > bytes.length && claimed <= limit) bytes = await segment.read(offset, claimed);
    }
    let at = 0;
    while (at < bytes.length) {
      const decoded = decodeRecord(bytes, at);
      if (decoded.status === 'ok') {
        records.push({ position: next, size: decoded.size, record: decoded.record });
        at += decoded.size;
        next += decoded.size;
      } else if (decoded.status === 'incomplete' && records.length > 0) {
        break; // the chunk ended mid-record: the caller continues from `next`
      } else {
        throw this.corrupt(
          next,
          segment,
          decoded.status === 'corrupt' ? decoded.reason : 'the frame runs past the end of the log',
        );
      }
    }
    return { status: 'ok', records, nextPosition: next };
  }

  /** Decodes the record at `buf[offset]`: from `segment` (CRC verified), or from the cache when undefined. */
  private decodeAt(
    buf: Buffer,
    offset: number,
    position: number,
    segment: Segment | undefined,
  ): StoredRecord {
    const decoded = decodeRecord(buf, offset, segment === undefined ? FROM_CACHE : undefined);
    if (decoded.status === 'ok') return { position, size: decoded.size, record: decoded.record };
    throw this.corrupt(
      position,
      segment,
      decoded.status === 'corrupt' ? decoded.reason : 'the frame runs past the end of the log',
    );
  }

  private corrupt(position: number, segment: Segment | undefined, why: string): CommitlogError {
    const where = segment === undefined ? `the hot-tail cache of ${this.dir}` : segment.file;
    return new CommitlogError(
      'STORE_SEGMENT_CORRUPT',
      `no valid record at position ${position} in ${where}: ${why}`,
    );
  }
}
