/** One append call's encoded frames, as the writer sees them. */
export interface EncodedAppend {
  /** Every frame of the call, back to back. */
  readonly buf: Buffer;
  /** Position of `buf[0]`. */
  readonly position: number;
  /** Position of each record (the first equals `position`). */
  readonly positions: readonly number[];
}

/** A run of bytes for one segment: the active one (`newBasePosition` undefined) or a new one. */
export interface Placement {
  readonly newBasePosition: number | undefined;
  readonly buffers: Buffer[];
  bytes: number;
}

/**
 * Splits a batch over segments. A batch that fits the active segment goes there whole (one
 * write). Otherwise the log rolls first — unless the active segment is still empty — and records
 * fill new segments in order, each record whole in one segment; an append call's frames are cut
 * at record boundaries only when one call alone overflows a segment. Every record is at most
 * `segmentBytes` (maxRecordBytes ≤ segmentBytes), so a fresh segment always takes the next one.
 */
export function placeBatch(
  batch: readonly EncodedAppend[],
  batchBytes: number,
  activeSizeBytes: number,
  segmentBytes: number,
): Placement[] {
  if (activeSizeBytes + batchBytes <= segmentBytes) {
    return [{ newBasePosition: undefined, buffers: batch.map((a) => a.buf), bytes: batchBytes }];
  }
  const out: Placement[] = [];
  let current: Placement | undefined;
  let currentStart = 0; // bytes in the segment before this placement
  if (activeSizeBytes === 0) {
    current = { newBasePosition: undefined, buffers: [], bytes: 0 };
    out.push(current);
  }
  for (const append of batch) {
    const length = append.buf.length;
    if (current !== undefined && currentStart + current.bytes + length <= segmentBytes) {
      current.buffers.push(append.buf);
      current.bytes += length;
      continue;
    }
    let runStart = 0;
    const count = append.positions.length;
    for (let k = 0; k < count; k++) {
      const offset = append.positions[k]! - append.position;
      const end = k + 1 < count ? append.positions[k + 1]! - append.position : length;
      if (current === undefined || currentStart + current.bytes + (end - runStart) > segmentBytes) {
        if (current !== undefined && offset > runStart) {
          current.buffers.push(append.buf.subarray(runStart, offset));
          current.bytes += offset - runStart;
        }
        current = { newBasePosition: append.position + offset, buffers: [], bytes: 0 };
        currentStart = 0;
        out.push(current);
        runStart = offset;
      }
    }
    current!.buffers.push(runStart === 0 ? append.buf : append.buf.subarray(runStart));
    current!.bytes += length - runStart;
  }
  return out.filter((p) => p.bytes > 0);
}
