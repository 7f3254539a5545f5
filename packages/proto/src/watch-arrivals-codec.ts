import type { MessageTypeDefinition } from '@grpc/proto-loader';
import { loadPackageDefinition } from './load';
import type { QueueKind, WatchArrivalsResponse } from './types';
import { int64Size, utf8Size, varintSize, writeInt64, writeString, writeVarint } from './wire-format';

/**
 * A hand-written encoder for StoreService.WatchArrivals responses (ADR 0018). The store sends every dispatch
 * batch to every watcher. Through protobufjs that built a response, an Arrival, a QueueRef and a Long per 64-bit
 * field for each arrival and each watcher, and serialized each copy again: objects that live until grpc-js has
 * written them, long enough to survive scavenges. Here a batch is encoded once, straight from the store's
 * arrivals, into one Buffer that every watcher's stream writes as it is (the method's server serializer passes
 * Buffers through: see `installHandCodecs`).
 *
 * The bytes are the ones protobufjs writes for the same response under the loader options: fields in number
 * order, every field that is set written even at its zero value (the store always sets them all), uint64 and
 * int64 as varints (a negative int64 in ten bytes), the enum as its number. Inputs outside that fast path (an
 * offset that is not a safe non-negative integer, a name with a lone surrogate) go to protobufjs.
 */

/** A WatchArrivalsResponse's bytes, ready to be written to a WatchArrivals stream as they are. */
export type EncodedWatchArrivalsResponse = Buffer & {
  readonly __wire: 'starling.store.v1.WatchArrivalsResponse';
};

/** One arrival as the caller holds it; the encoder's `kindValue` maps its queue to a QueueKind number. */
export interface ArrivalFields<Queue extends { readonly name: string }> {
  readonly queue: Queue;
  readonly endOffset: number;
  readonly timestampMs: number;
}

/** Field tags: (field number << 3) | wire type. */
const TAG_ARRIVALS = 0x0a; // WatchArrivalsResponse.arrivals = 1, length-delimited
const TAG_QUEUE = 0x0a; // Arrival.queue = 1, length-delimited
const TAG_END_OFFSET = 0x10; // Arrival.end_offset = 2, varint (uint64)
const TAG_SHARD = 0x18; // Arrival.shard = 3, varint (uint32)
const TAG_TIMESTAMP = 0x20; // Arrival.timestamp_ms = 4, varint (int64)
const TAG_KIND = 0x08; // QueueRef.kind = 1, varint (enum)
const TAG_NAME = 0x12; // QueueRef.name = 2, length-delimited

let reference: MessageTypeDefinition<WatchArrivalsResponse, unknown> | undefined;

/** protobufjs' serializer of the response, for inputs outside the fast path. */
function protobufjsSerialize(response: WatchArrivalsResponse): Buffer {
  reference ??= loadPackageDefinition()[
    'starling.store.v1.WatchArrivalsResponse'
  ] as unknown as MessageTypeDefinition<WatchArrivalsResponse, unknown>;
  return reference.serialize(response);
}

/**
 * Encodes the response that carries `arrivals`, all from `shard`, as protobufjs would. Allocates the Buffer and
 * nothing per arrival but the sizes of its queue names (computed twice rather than kept in an array).
 */
export function encodeWatchArrivalsResponse<Queue extends { readonly name: string }>(
  arrivals: readonly ArrivalFields<Queue>[],
  shard: number,
  kindValue: (queue: Queue) => number,
): EncodedWatchArrivalsResponse {
  const shardValue = shard >>> 0;
  const shardSize = varintSize(shardValue);
  let size = 0;
  for (const a of arrivals) {
    const kind = kindValue(a.queue);
    const nameSize = utf8Size(a.queue.name);
    if (
      nameSize < 0 ||
      !isUint64(a.endOffset) ||
      !Number.isSafeInteger(a.timestampMs) ||
      !isEnumValue(kind)
    ) {
      return fallback(arrivals, shard, kindValue);
    }
    const arrivalSize = sizeArrival(nameSize, a.endOffset, shardSize, a.timestampMs);
    size += 1 + varintSize(arrivalSize) + arrivalSize;
  }
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const a of arrivals) {
    const kind = kindValue(a.queue);
    const name = a.queue.name;
    const nameSize = utf8Size(name);
    const queueSize = 2 + 1 + varintSize(nameSize) + nameSize;
    buf[pos++] = TAG_ARRIVALS;
    pos = writeVarint(buf, pos, sizeArrival(nameSize, a.endOffset, shardSize, a.timestampMs));
    buf[pos++] = TAG_QUEUE;
    pos = writeVarint(buf, pos, queueSize);
    buf[pos++] = TAG_KIND;
    buf[pos++] = kind;
    buf[pos++] = TAG_NAME;
    pos = writeVarint(buf, pos, nameSize);
    pos = writeString(buf, pos, name, nameSize);
    buf[pos++] = TAG_END_OFFSET;
    pos = writeVarint(buf, pos, a.endOffset);
    buf[pos++] = TAG_SHARD;
    pos = writeVarint(buf, pos, shardValue);
    buf[pos++] = TAG_TIMESTAMP;
    pos = writeInt64(buf, pos, a.timestampMs);
  }
  return buf as EncodedWatchArrivalsResponse;
}

/** An Arrival's bytes: the queue (kind in one byte, as the enum's values are below 128), offset, shard, time. */
function sizeArrival(nameSize: number, endOffset: number, shardSize: number, timestampMs: number): number {
  const queueSize = 2 + 1 + varintSize(nameSize) + nameSize;
  return (
    1 +
    varintSize(queueSize) +
    queueSize +
    1 +
    varintSize(endOffset) +
    1 +
    shardSize +
    1 +
    int64Size(timestampMs)
  );
}

function isUint64(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** QueueKind numbers that fit the one byte the fast path writes (protobufjs writes an enum as an int32). */
function isEnumValue(kind: number): boolean {
  return Number.isInteger(kind) && kind >= 0 && kind < 0x80;
}

function fallback<Queue extends { readonly name: string }>(
  arrivals: readonly ArrivalFields<Queue>[],
  shard: number,
  kindValue: (queue: Queue) => number,
): EncodedWatchArrivalsResponse {
  return protobufjsSerialize({
    arrivals: arrivals.map((a) => ({
      // protobufjs writes any enum number it is given, named in the .proto or not.
      queue: { kind: kindValue(a.queue) as QueueKind, name: a.queue.name },
      endOffset: a.endOffset,
      shard,
      timestampMs: a.timestampMs,
    })),
  }) as EncodedWatchArrivalsResponse;
}

/**
 * Writes encoded bytes to a WatchArrivals server stream. The stream is typed for response objects; the method's
 * server serializer (`installHandCodecs`) passes a Buffer through unchanged, so this cast is the one place where
 * the typed handler meets the pre-encoded bytes.
 */
export function writeEncodedWatchArrivals(
  call: { write(chunk: WatchArrivalsResponse): boolean },
  bytes: EncodedWatchArrivalsResponse,
): boolean {
  return call.write(bytes as unknown as WatchArrivalsResponse);
}
