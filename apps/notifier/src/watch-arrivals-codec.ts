/**
 * The live WatchArrivals stream, read by hand (starling.store.v1.WatchArrivalsRequest / WatchArrivalsResponse in
 * proto/starling/store/v1/store.proto): every arrival of every queue of a shard goes through here. Decoded
 * by protobufjs, each arrival cost an Arrival object, a QueueRef, a Long per 64-bit field and an event
 * object; walking the response's bytes instead hands each arrival's fields to a visitor, and only its queue
 * name becomes a string. The replay stream (rare: one per reconnect) stays on the generated client.
 */

/** A queue kind this notifier knows, or undefined (QUEUE_KIND_UNSPECIFIED, a kind newer than this code, or no queue). */
export type ArrivalKind = 'topic' | 'filter' | undefined;

/** Called once per Arrival, in message order, with the proto3 defaults for absent fields. */
export type ArrivalVisitor = (
  kind: ArrivalKind,
  name: string,
  endOffset: number,
  shard: number,
  timestampMs: number,
) => void;

export class WatchArrivalsMalformedError extends Error {
  readonly code = 'NOTIFIER_ARRIVALS_MALFORMED';
  override readonly name = 'WatchArrivalsMalformedError';
}

export const WATCH_ARRIVALS_METHOD = '/starling.store.v1.StoreService/WatchArrivals';

const TWO_32 = 4_294_967_296;
/** Wire values of starling.store.v1.QueueKind. */
const KINDS: readonly ArrivalKind[] = [undefined, 'topic', 'filter'];

/** WatchArrivalsRequest: field 1 replay_end_offsets, field 2 replay_only (bools; false is omitted). */
export function encodeWatchArrivalsRequest(request: {
  replayEndOffsets?: boolean;
  replayOnly?: boolean;
}): Buffer {
  const bytes: number[] = [];
  if (request.replayEndOffsets === true) bytes.push(0x08, 1);
  if (request.replayOnly === true) bytes.push(0x10, 1);
  return Buffer.from(bytes);
}

/**
 * Visits every Arrival of one WatchArrivalsResponse (field 1, repeated Arrival); returns how many there were.
 * Throws WatchArrivalsMalformedError for bytes that are not a readable response (arrivals before the fault
 * have been visited: they are hints, so that is harmless).
 */
export function forEachArrival(bytes: Buffer, visit: ArrivalVisitor): number {
  const r = new Cursor(bytes);
  let count = 0;
  while (r.at < r.end) {
    const tag = r.varint32();
    if (tag !== 0x0a) {
      r.skip(tag);
      continue;
    }
    const end = r.lengthEnd(r.end);
    let kind: ArrivalKind;
    let name = '';
    let endOffset = 0;
    let shard = 0;
    let timestampMs = 0;
    let hasQueue = false;
    while (r.at < end) {
      const field = r.varint32();
      switch (field) {
        case 0x0a: {
          // QueueRef; a repeated message field merges, and its fields are scalars, so the last one wins.
          hasQueue = true;
          const queueEnd = r.lengthEnd(end);
          while (r.at < queueEnd) {
            const inner = r.varint32();
            if (inner === 0x08) kind = KINDS[r.varint32()];
            else if (inner === 0x12) name = r.string(queueEnd);
            else r.skip(inner, queueEnd);
          }
          if (r.at !== queueEnd) throw new WatchArrivalsMalformedError('queue ref overruns its length');
          break;
        }
        case 0x10:
          endOffset = r.varint64(false, end);
          break;
        case 0x18:
          shard = r.varint32(end);
          break;
        case 0x20:
          timestampMs = r.varint64(true, end);
          break;
        default:
          r.skip(field, end);
      }
    }
    if (r.at !== end) throw new WatchArrivalsMalformedError('arrival overruns its length');
    count++;
    visit(hasQueue ? kind : undefined, name, endOffset, shard, timestampMs);
  }
  return count;
}

/** A cursor over protobuf wire bytes; every read is bounded by the end it is given. */
class Cursor {
  at = 0;
  readonly end: number;

  constructor(private readonly bytes: Buffer) {
    this.end = bytes.length;
  }

  /** A varint's low 32 bits, unsigned (what uint32, enums and tags keep); up to 10 bytes are read. */
  varint32(end = this.end): number {
    const b = this.bytes;
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (this.at >= end || shift > 63) throw new WatchArrivalsMalformedError('varint past the end');
      const byte = b[this.at++]!;
      if (shift < 32) value |= (byte & 0x7f) << shift;
      if (byte < 0x80) return value >>> 0;
    }
  }

  /** A 64-bit varint as a number (exact up to 2^53); `signed` reads int64's two's complement. */
  varint64(signed: boolean, end: number): number {
    const b = this.bytes;
    let low = 0;
    let high = 0;
    for (let i = 0; ; i++) {
      if (this.at >= end || i === 10) throw new WatchArrivalsMalformedError('varint past the end');
      const byte = b[this.at++]!;
      if (i < 4) low |= (byte & 0x7f) << (7 * i);
      else if (i === 4) {
        low |= (byte & 0x0f) << 28;
        high |= (byte & 0x7f) >> 4;
      } else high |= (byte & 0x7f) << (7 * i - 32);
      if (byte < 0x80) break;
    }
    low >>>= 0;
    high >>>= 0;
    if (signed && high >= 0x8000_0000) return (high - TWO_32) * TWO_32 + low;
    return high * TWO_32 + low;
  }

  /** A length prefix: where the delimited bytes end (within `end`). */
  lengthEnd(end: number): number {
    const length = this.varint32(end);
    const to = this.at + length;
    if (to > end) throw new WatchArrivalsMalformedError('length past the end');
    return to;
  }

  string(end: number): string {
    const to = this.lengthEnd(end);
    const value = this.bytes.toString('utf8', this.at, to);
    this.at = to;
    return value;
  }

  /** Skips the value of a field with tag `tag`; groups are malformed here. */
  skip(tag: number, end = this.end): void {
    switch (tag & 7) {
      case 0:
        this.varint32(end);
        return;
      case 1:
        this.advance(8, end);
        return;
      case 2:
        this.at = this.lengthEnd(end);
        return;
      case 5:
        this.advance(4, end);
        return;
      default:
        throw new WatchArrivalsMalformedError(`wire type ${tag & 7}`);
    }
  }

  private advance(n: number, end: number): void {
    if (this.at + n > end) throw new WatchArrivalsMalformedError('field past the end');
    this.at += n;
  }
}
