/** Record boundaries of one append call in the batch. */
export interface AppendSpan {
  /** Position of the first record. */
  readonly position: number;
  /** Bytes of all its frames. */
  readonly byteLength: number;
  /** Position of each record (the first equals `position`). */
  readonly positions: readonly number[];
}

/** A run of bytes for one segment: the active one (`newBasePosition` undefined) or a new one. */
export interface Placement {
  readonly newBasePosition: number | undefined;
  readonly buffers: Buffer[];
  readonly bytes: number;
}

/**
 * Splits a batch over segments. The batch is `chunks`, contiguous bytes starting at
 * `batchStart`, made of the frames of `appends` in order. A batch that fits the active segment
 * goes there whole (one write). Otherwise the log rolls first — unless the active segment is still
 * empty — and records fill new segments in order, each record whole in one segment. Every record
 * is at most `segmentBytes` (maxRecordBytes ≤ segmentBytes), so a fresh segment always takes the
 * next one.
 */
export function placeBatch(
  chunks: readonly Buffer[],
  batchStart: number,
  batchBytes: number,
  appends: readonly AppendSpan[],
  activeSizeBytes: number,
  segmentBytes: number,
): Placement[] {
  if (activeSizeBytes + batchBytes <= segmentBytes) {
    return [{ newBasePosition: undefined, buffers: [...chunks], bytes: batchBytes }];
  }
  // Cut points: positions where a new segment starts.
  const cuts: number[] = [];
  let segmentStart = batchStart - activeSizeBytes;
  if (activeSizeBytes > 0) {
    cuts.push(batchStart);
    segmentStart = batchStart;
  }
  for (const append of appends) {
    const count = append.positions.length;
    for (let k = 0; k < count; k++) {
      const start = append.positions[k]!;
      const end = k + 1 < count ? append.positions[k + 1]! : append.position + append.byteLength;
      if (end - segmentStart > segmentBytes && start > segmentStart) {
        cuts.push(start);
        segmentStart = start;
      }
    }
  }
  const batchEnd = batchStart + batchBytes;
  const out: Placement[] = [];
  let from = batchStart;
  let newBasePosition: number | undefined;
  for (const cut of [...cuts, batchEnd]) {
    if (cut > from) {
      out.push({ newBasePosition, buffers: sliceChunks(chunks, batchStart, from, cut), bytes: cut - from });
    }
    if (cut < batchEnd) newBasePosition = cut;
    from = cut;
  }
  return out;
}

/** The bytes [from, to) of `chunks`, which hold contiguous bytes starting at position `start`. */
function sliceChunks(chunks: readonly Buffer[], start: number, from: number, to: number): Buffer[] {
  const out: Buffer[] = [];
  let at = start;
  for (const chunk of chunks) {
    const chunkEnd = at + chunk.length;
    if (chunkEnd > from && at < to) {
      const s = Math.max(from, at) - at;
      const e = Math.min(to, chunkEnd) - at;
      out.push(s === 0 && e === chunk.length ? chunk : chunk.subarray(s, e));
    }
    at = chunkEnd;
    if (at >= to) break;
  }
  return out;
}
