import type { ArrivalEvent } from './event-bus';

/**
 * The wire form of an arrival event on NATS: a fixed 22-byte header, then the queue name. Big-endian.
 *
 *   offset  size  field
 *        0     1  version (1)
 *        1     1  queue kind: 0 = topic, 1 = filter
 *        2     4  shard (uint32)
 *        6     8  end offset (uint64; decoders reject values above 2^53 - 1)
 *       14     8  store timestamp, Unix ms (int64)
 *       22     n  queue name, UTF-8, to the end of the payload (no length prefix, no terminator)
 *
 * It mirrors `starling.events.v1.ArrivalEvent` field for field, without pulling protobuf into this package.
 * A future layout bumps the version byte; decoders drop versions they do not know (events are hints).
 */
export const ARRIVAL_CODEC_VERSION = 1;
export const ARRIVAL_HEADER_BYTES = 22;

const KIND_TOPIC = 0;
const KIND_FILTER = 1;
const MAX_UINT32 = 0xffff_ffff;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class ArrivalEventInvalidError extends Error {
  readonly code = 'EVENT_BUS_ARRIVAL_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ArrivalEventInvalidError';
  }
}

/** Encodes an event. Throws {@link ArrivalEventInvalidError} for fields outside their wire range (a bug). */
export function encodeArrivalEvent(event: ArrivalEvent): Uint8Array {
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
  const name = Buffer.from(queue.name, 'utf8');
  const out = Buffer.allocUnsafe(ARRIVAL_HEADER_BYTES + name.length);
  out.writeUInt8(ARRIVAL_CODEC_VERSION, 0);
  out.writeUInt8(queue.kind === 'topic' ? KIND_TOPIC : KIND_FILTER, 1);
  out.writeUInt32BE(shard, 2);
  out.writeBigUInt64BE(BigInt(endOffset), 6);
  out.writeBigInt64BE(BigInt(timestampMs), 14);
  name.copy(out, ARRIVAL_HEADER_BYTES);
  return out;
}

/** Decodes an event, or returns undefined for anything this version cannot read (unknown version, bad UTF-8). */
export function decodeArrivalEvent(payload: Uint8Array): ArrivalEvent | undefined {
  if (payload.length < ARRIVAL_HEADER_BYTES) return undefined;
  const view = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (view.readUInt8(0) !== ARRIVAL_CODEC_VERSION) return undefined;
  const kindByte = view.readUInt8(1);
  const kind = kindByte === KIND_TOPIC ? 'topic' : kindByte === KIND_FILTER ? 'filter' : undefined;
  if (kind === undefined) return undefined;
  const shard = view.readUInt32BE(2);
  const endOffset = view.readBigUInt64BE(6);
  const timestampMs = view.readBigInt64BE(14);
  if (endOffset > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  if (timestampMs > BigInt(Number.MAX_SAFE_INTEGER) || timestampMs < BigInt(Number.MIN_SAFE_INTEGER)) {
    return undefined;
  }
  let name: string;
  try {
    name = strictUtf8.decode(view.subarray(ARRIVAL_HEADER_BYTES));
  } catch {
    return undefined;
  }
  return {
    queue: { kind, name },
    shard,
    endOffset: Number(endOffset),
    timestampMs: Number(timestampMs),
  };
}
