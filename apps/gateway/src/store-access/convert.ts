import type {
  InFlightOutput,
  MessageProperties as WireProperties,
  MessagePropertiesOutput as WirePropertiesOutput,
  QueueMessageOutput,
  QueueOffset,
  QueueRef,
  RetainedMessageOutput,
  Will as WireWill,
} from '@starling/proto';
import type {
  InFlightMessage,
  MessageProperties,
  OffsetCommit,
  QoS,
  QueuedMessage,
  RetainedMessage,
  ShardQueue,
  StoredQueueInFlight,
  Will,
} from '../types';

/** The store validates QoS on the way in, so anything else read back is corruption: clamp, never crash. */
export function toQoS(value: number): QoS {
  return value === 1 || value === 2 ? value : 0;
}

export function queueToWire(queue: Pick<ShardQueue, 'kind' | 'name'>): QueueRef {
  return { kind: queue.kind === 'topic' ? 'QUEUE_KIND_TOPIC' : 'QUEUE_KIND_FILTER', name: queue.name };
}

export function filterQueue(shard: number, filter: string): ShardQueue {
  return { shard, kind: 'filter', name: filter };
}

export function propertiesToWire(p: MessageProperties | undefined): WireProperties | null {
  if (p === undefined) return null;
  return {
    payloadFormatIndicator: p.payloadFormatIndicator ?? false,
    ...(p.messageExpiryIntervalSeconds === undefined
      ? {}
      : { messageExpiryIntervalSeconds: p.messageExpiryIntervalSeconds }),
    contentType: p.contentType ?? '',
    responseTopic: p.responseTopic ?? '',
    correlationData: p.correlationData ?? Buffer.alloc(0),
    userProperties: p.userProperties ?? [],
  };
}

/** Proto3 fills defaults in; the gateway's type says "absent" instead of "empty" (MQTT 5 sends only what is set). */
export function propertiesFromWire(p: WirePropertiesOutput | null): MessageProperties | undefined {
  if (p === null) return undefined;
  const out: MessageProperties = {};
  if (p.payloadFormatIndicator) out.payloadFormatIndicator = true;
  if (p.messageExpiryIntervalSeconds !== undefined) {
    out.messageExpiryIntervalSeconds = p.messageExpiryIntervalSeconds;
  }
  if (p.contentType !== '') out.contentType = p.contentType;
  if (p.responseTopic !== '') out.responseTopic = p.responseTopic;
  if (p.correlationData.length > 0) out.correlationData = p.correlationData;
  if (p.userProperties.length > 0) {
    out.userProperties = p.userProperties.map((u) => ({ key: u.key, value: u.value }));
  }
  return out;
}

export function queuedMessageFromWire(m: QueueMessageOutput): QueuedMessage {
  return {
    offset: m.offset,
    position: m.position,
    timestampMs: m.timestampMs,
    topic: m.topic,
    payload: m.payload,
    qos: toQoS(m.qos),
    retain: m.retain,
    publisherClientId: m.publisherClientId,
    properties: propertiesFromWire(m.properties),
  };
}

export function retainedFromWire(m: RetainedMessageOutput): RetainedMessage {
  return {
    topic: m.topic,
    payload: m.payload,
    qos: toQoS(m.qos),
    properties: propertiesFromWire(m.properties),
  };
}

export function willToWire(will: Will): WireWill {
  return {
    topic: will.topic,
    payload: will.payload,
    qos: will.qos,
    retain: will.retain,
    properties: propertiesToWire(will.properties),
    willDelayIntervalSeconds: will.willDelayIntervalSeconds,
  };
}

export function offsetCommitToWire(o: OffsetCommit): QueueOffset {
  return {
    queue: queueToWire(o.queue),
    offset: o.offset,
    ...(o.sentBelow === undefined ? {} : { sentBelow: o.sentBelow }),
    inFlight: (o.inFlight ?? []).map(({ offset, packetId, qos, pubrelSent }) => ({
      offset,
      packetId,
      qos,
      pubrelSent,
    })),
  };
}

/** A queue's committed in-flight state; entries that are not well-formed (never written so) are left out. */
export function storedInFlightFromWire(
  sentBelow: number | undefined,
  inFlight: readonly InFlightOutput[],
): StoredQueueInFlight {
  const messages: InFlightMessage[] = [];
  for (const { offset, packetId, qos, pubrelSent } of inFlight) {
    if ((qos !== 1 && qos !== 2) || packetId < 1 || packetId > 0xffff) continue;
    messages.push({ offset, packetId, qos, pubrelSent: pubrelSent && qos === 2 });
  }
  return { sentBelow, messages };
}
