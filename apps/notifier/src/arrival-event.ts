import type { ArrivalEvent } from '@starling/event-bus';
import type { ArrivalOutput } from '@starling/proto';

/**
 * The bus event for one store Arrival, or undefined for an arrival without a known queue kind (a newer
 * store speaking a kind this notifier does not know; the caller counts and skips it).
 */
export function toArrivalEvent(arrival: ArrivalOutput): ArrivalEvent | undefined {
  const queue = arrival.queue;
  if (queue === null) return undefined;
  switch (queue.kind) {
    case 'QUEUE_KIND_TOPIC':
      return event('topic', queue.name, arrival);
    case 'QUEUE_KIND_FILTER':
      return event('filter', queue.name, arrival);
    case 'QUEUE_KIND_UNSPECIFIED':
      return undefined;
  }
}

function event(kind: 'topic' | 'filter', name: string, a: ArrivalOutput): ArrivalEvent {
  return { queue: { kind, name }, shard: a.shard, endOffset: a.endOffset, timestampMs: a.timestampMs };
}
