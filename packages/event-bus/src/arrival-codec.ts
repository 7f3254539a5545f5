import { arrivalEventCodec } from '@starling/proto';
import type { ArrivalEvent } from './event-bus';

const KIND_TO_WIRE = { topic: 'QUEUE_KIND_TOPIC', filter: 'QUEUE_KIND_FILTER' } as const;
const MAX_UINT32 = 0xffff_ffff;

export class ArrivalEventInvalidError extends Error {
  readonly code = 'EVENT_BUS_ARRIVAL_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ArrivalEventInvalidError';
  }
}

/**
 * Encodes an arrival event as `starling.events.v1.ArrivalEvent` (proto/starling/events/v1/events.proto): the
 * wire format is the contract in proto/, so any NATS subscriber — ours or another team's — can read it with
 * the published schema. Throws ArrivalEventInvalidError for values the schema cannot carry.
 */
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
  return arrivalEventCodec.encode({
    queue: { kind: KIND_TO_WIRE[queue.kind], name: queue.name },
    endOffset,
    shard,
    storeTimestampMs: timestampMs,
  });
}

/** Decodes an event, or returns undefined for anything that is not a readable ArrivalEvent (events are hints). */
export function decodeArrivalEvent(payload: Uint8Array): ArrivalEvent | undefined {
  let decoded: ReturnType<typeof arrivalEventCodec.decode>;
  try {
    decoded = arrivalEventCodec.decode(payload);
  } catch {
    return undefined;
  }
  const q = decoded.queue;
  if (!q) return undefined;
  const kind =
    q.kind === 'QUEUE_KIND_TOPIC' ? 'topic' : q.kind === 'QUEUE_KIND_FILTER' ? 'filter' : undefined;
  if (kind === undefined) return undefined;
  const { endOffset, shard, storeTimestampMs } = decoded;
  if (!Number.isSafeInteger(endOffset) || endOffset < 0 || !Number.isSafeInteger(storeTimestampMs))
    return undefined;
  return { queue: { kind, name: q.name }, shard, endOffset, timestampMs: storeTimestampMs };
}
