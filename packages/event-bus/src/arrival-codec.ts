import type { ArrivalEvent } from './event-bus';

const MAX_UINT32 = 0xffff_ffff;

export class ArrivalEventInvalidError extends Error {
  readonly code = 'EVENT_BUS_ARRIVAL_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ArrivalEventInvalidError';
  }
}

const TWO_32 = 2 ** 32;
/** Wire values of starling.store.v1.QueueKind. */
const KIND_CODE = { topic: 1, filter: 2 } as const;
const KIND_NAME: Record<number, 'topic' | 'filter' | undefined> = { 1: 'topic', 2: 'filter' };

/**
 * Encodes an arrival event as `starling.events.v1.ArrivalEvent` (proto/starling/events/v1/events.proto): the
 * wire format is the contract in proto/, so any NATS subscriber — ours or another team's — can read it with
 * the published schema. Throws ArrivalEventInvalidError for values the schema cannot carry.
 *
 * Written by hand: every arrival of every queue goes through here (and through `decodeArrivalEvent` in every
 * gateway interested in it), and protobufjs' object conversion cost more than the NATS publish itself. The
 * bytes are the ones protobufjs writes (every field present, in field order); the tests hold both to it.
 */
export function encodeArrivalEvent(event: ArrivalEvent): Uint8Array {
  validateArrivalEvent(event);
  const { queue, shard, endOffset, timestampMs } = event;
  const nameBytes = Buffer.byteLength(queue.name, 'utf8');
  // QueueRef: kind (tag, 1-byte code), name (tag, length, bytes).
  const refBytes = 2 + 1 + varintSize(nameBytes) + nameBytes;
  const out = Buffer.allocUnsafe(1 + varintSize(refBytes) + refBytes + 1 + 10 + 1 + 5 + 1 + 10);
  let at = 0;
  out[at++] = 0x0a; // 1 queue, length-delimited
  at = writeVarint(out, at, refBytes, 0);
  out[at++] = 0x08; //   1 kind, varint
  out[at++] = KIND_CODE[queue.kind];
  out[at++] = 0x12; //   2 name, length-delimited
  at = writeVarint(out, at, nameBytes, 0);
  at += out.write(queue.name, at, 'utf8');
  out[at++] = 0x10; // 2 end_offset, varint
  at = writeVarint(out, at, endOffset >>> 0, Math.floor(endOffset / TWO_32));
  out[at++] = 0x18; // 3 shard, varint
  at = writeVarint(out, at, shard, 0);
  out[at++] = 0x20; // 4 store_timestamp_ms, varint (int64: two's complement, 10 bytes when negative)
  const high = Math.floor(timestampMs / TWO_32);
  at = writeVarint(out, at, timestampMs - high * TWO_32, high >>> 0);
  return out.subarray(0, at);
}

/** Throws ArrivalEventInvalidError for an event the schema cannot carry (what `encodeArrivalEvent` refuses). */
export function validateArrivalEvent(event: ArrivalEvent): void {
  const { queue, shard, endOffset, timestampMs } = event;
  if (queue.kind !== 'topic' && queue.kind !== 'filter') {
    throw new ArrivalEventInvalidError(`queue kind must be 'topic' or 'filter'`);
  }
  if (typeof queue.name !== 'string') throw new ArrivalEventInvalidError('queue name must be a string');
  if (!Number.isInteger(shard) || shard < 0 || shard > MAX_UINT32) {
    throw new ArrivalEventInvalidError(`shard must be a uint32, got ${shard}`);
  }
  if (!Number.isSafeInteger(endOffset) || endOffset < 0) {
    throw new ArrivalEventInvalidError(`endOffset must be a non-negative safe integer, got ${endOffset}`);
  }
  if (!Number.isSafeInteger(timestampMs)) {
    throw new ArrivalEventInvalidError(`timestampMs must be a safe integer, got ${timestampMs}`);
  }
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * The event a receiver of `event` gets: what decoding its encoding gives (a fresh object; a name that is not
 * well-formed UTF-16 has its lone surrogates replaced, as UTF-8 on the wire does), without the bytes.
 */
export function copyArrivalEvent(event: ArrivalEvent): ArrivalEvent {
  const name = event.queue.name;
  return {
    queue: {
      kind: event.queue.kind,
      name: SURROGATE.test(name) ? Buffer.from(name, 'utf8').toString('utf8') : name,
    },
    shard: event.shard,
    endOffset: event.endOffset,
    timestampMs: event.timestampMs,
  };
}

/** Decodes an event, or returns undefined for anything that is not a readable ArrivalEvent (events are hints). */
export function decodeArrivalEvent(payload: Uint8Array): ArrivalEvent | undefined {
  const reader = new Reader(payload);
  let kind: 'topic' | 'filter' | undefined;
  let name = '';
  let sawQueue = false;
  let endOffset = 0;
  let shard = 0;
  let timestampMs = 0;
  try {
    while (reader.at < reader.end) {
      const tag = reader.uint32();
      switch (tag) {
        case 0x0a: {
          // A repeated message field merges; QueueRef's fields are scalars, so the last one wins.
          const end = reader.lengthEnd();
          sawQueue = true;
          while (reader.at < end) {
            const inner = reader.uint32();
            if (inner === 0x08) kind = KIND_NAME[reader.uint32() | 0];
            else if (inner === 0x12) name = reader.string();
            else reader.skip(inner & 7);
          }
          if (reader.at !== end) return undefined;
          break;
        }
        case 0x10:
          endOffset = reader.uint64();
          break;
        case 0x18:
          shard = reader.uint32();
          break;
        case 0x20:
          timestampMs = reader.int64();
          break;
        default:
          reader.skip(tag & 7);
      }
    }
  } catch {
    return undefined;
  }
  if (!sawQueue || kind === undefined || reader.at !== reader.end) return undefined;
  if (!Number.isSafeInteger(endOffset) || endOffset < 0 || !Number.isSafeInteger(timestampMs))
    return undefined;
  return { queue: { kind, name }, shard, endOffset, timestampMs };
}

function varintSize(value: number): number {
  let size = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** Writes the 64-bit varint of `low` + `high` * 2^32 (both uint32) at `at`; returns the position after it. */
function writeVarint(out: Buffer, at: number, low: number, high: number): number {
  while (high !== 0 || low > 127) {
    out[at++] = (low & 0x7f) | 0x80;
    low = ((low >>> 7) | (high << 25)) >>> 0;
    high >>>= 7;
  }
  out[at++] = low;
  return at;
}

class MalformedError extends Error {}

/** A cursor over protobuf wire bytes; every read throws MalformedError past the end. */
class Reader {
  at = 0;
  readonly end: number;
  private readonly bytes: Buffer;

  constructor(payload: Uint8Array) {
    this.bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    this.end = payload.byteLength;
  }

  /** The low 32 bits of a varint (what proto's uint32 and enums keep), as an unsigned number. */
  uint32(): number {
    this.varint();
    return this.low;
  }

  uint64(): number {
    this.varint();
    return this.high * TWO_32 + this.low;
  }

  int64(): number {
    this.varint();
    return (this.high >= 0x8000_0000 ? this.high - TWO_32 : this.high) * TWO_32 + this.low;
  }

  /** A length prefix: returns where the delimited bytes end. */
  lengthEnd(): number {
    const length = this.uint32();
    const end = this.at + length;
    if (this.high !== 0 || end > this.end) throw new MalformedError('length past the end');
    return end;
  }

  string(): string {
    const end = this.lengthEnd();
    const value = this.bytes.toString('utf8', this.at, end);
    this.at = end;
    return value;
  }

  /** Skips a field of `wireType` (groups, long deprecated, are malformed here). */
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.advance(8);
    else if (wireType === 2) this.at = this.lengthEnd();
    else if (wireType === 5) this.advance(4);
    else throw new MalformedError(`wire type ${wireType}`);
  }

  private low = 0;
  private high = 0;

  private advance(n: number): void {
    if (this.at + n > this.end) throw new MalformedError('field past the end');
    this.at += n;
  }

  /** Reads up to 10 bytes into `low` / `high` (uint32 halves of the 64-bit value). */
  private varint(): void {
    let low = 0;
    let high = 0;
    for (let i = 0; ; i++) {
      if (this.at >= this.end || i === 10) throw new MalformedError('varint past the end');
      const b = this.bytes[this.at++]!;
      if (i < 4) low |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        low |= (b & 0x0f) << 28;
        high |= (b & 0x7f) >> 4;
      } else high |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) break;
    }
    this.low = low >>> 0;
    this.high = high >>> 0;
  }
}
