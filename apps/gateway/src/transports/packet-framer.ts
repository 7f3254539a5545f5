/**
 * Splits a byte stream into whole MQTT control packets (fixed header + remaining length bytes) BEFORE
 * anything is parsed, so that the size limit is enforced from the fixed header alone: a packet whose
 * remaining length announces more than the limit is refused as soon as its length bytes arrive, without
 * buffering (let alone allocating) its body. Frames that lie inside one chunk are returned as views of it;
 * only a packet split across chunks is copied together.
 */

/** Why the byte stream cannot be framed: both close the connection. */
export type FramingProblem =
  /** The remaining length (plus the fixed header) is over the configured maximum packet size. */
  | 'packet-too-large'
  /** A fifth remaining-length byte: the variable length encoding allows at most four [MQTT-2.2.3]. */
  | 'malformed-remaining-length';

export interface FramedChunk {
  /** Whole packets completed by this chunk, in order. */
  readonly frames: Buffer[];
  /** Set when the stream cannot go on; `frames` still holds the packets before the problem. */
  readonly problem?: FramingProblem;
}

/** At most four bytes encode the remaining length: 268,435,455 bytes [MQTT-2.2.3]. */
const MAX_LENGTH_BYTES = 4;

export class PacketFramer {
  /** Fixed header bytes read so far for the current packet (type byte + length bytes). */
  private headerBytes = 0;
  private remainingLength = 0;
  private multiplier = 1;
  /** Body bytes still missing once the header is complete; -1 while the header is being read. */
  private missing = -1;
  /** Pieces of the current packet that arrived in earlier chunks (copied: they outlive the chunk). */
  private parts: Buffer[] = [];
  private failed: FramingProblem | undefined;

  constructor(private readonly maxPacketBytes: number) {}

  push(chunk: Buffer): FramedChunk {
    const frames: Buffer[] = [];
    if (this.failed !== undefined) return { frames, problem: this.failed };
    // Where the current packet starts in this chunk; -1 when it began in an earlier chunk.
    let start = this.headerBytes === 0 && this.parts.length === 0 ? 0 : -1;
    let pos = 0;
    while (pos < chunk.length) {
      if (this.missing < 0) {
        const byte = chunk[pos]!;
        pos += 1;
        if (this.headerBytes === 0) {
          this.headerBytes = 1;
          continue;
        }
        this.headerBytes += 1;
        this.remainingLength += (byte & 0x7f) * this.multiplier;
        this.multiplier *= 128;
        if ((byte & 0x80) !== 0) {
          if (this.headerBytes - 1 >= MAX_LENGTH_BYTES)
            return this.fail(frames, 'malformed-remaining-length');
          continue;
        }
        if (this.headerBytes + this.remainingLength > this.maxPacketBytes) {
          return this.fail(frames, 'packet-too-large');
        }
        this.missing = this.remainingLength;
      }
      const take = Math.min(this.missing, chunk.length - pos);
      pos += take;
      this.missing -= take;
      if (this.missing > 0) break;
      // The packet is complete at `pos`.
      if (start >= 0) {
        frames.push(chunk.subarray(start, pos));
      } else {
        this.parts.push(chunk.subarray(0, pos));
        frames.push(Buffer.concat(this.parts));
      }
      this.parts = [];
      this.headerBytes = 0;
      this.remainingLength = 0;
      this.multiplier = 1;
      this.missing = -1;
      start = pos;
    }
    // Keep the unfinished packet's bytes (a copy: the chunk's memory may be pooled and large).
    if (this.headerBytes > 0) {
      const from = start >= 0 ? start : 0;
      if (from < chunk.length) this.parts.push(Buffer.from(chunk.subarray(from)));
    }
    return { frames };
  }

  private fail(frames: Buffer[], problem: FramingProblem): FramedChunk {
    this.failed = problem;
    this.parts = [];
    return { frames, problem };
  }
}

/** Bytes of the fixed header of a complete frame: the type byte and the remaining length bytes. */
export function fixedHeaderBytes(frame: Buffer): number {
  let i = 1;
  while (i < frame.length && i <= MAX_LENGTH_BYTES && (frame[i]! & 0x80) !== 0) i += 1;
  return i + 1;
}
