// Conversions between the wire types of starling.store.v1 and the store's domain types.
import type {
  InFlightOutput as WireInFlight,
  MessagePropertiesOutput,
  QueueOffset as WireQueueOffset,
  QueueOffsetOutput,
  QueueRefOutput,
  SessionOutput,
  SubscriptionOutput,
  WillOutput,
} from '@starling/proto';
import type { QueueRef } from '../queues';
import type {
  InFlight,
  MessageProperties,
  QoS,
  QueueOffset,
  RetainedMessage,
  Session,
  SubscriptionOptions,
  Will,
} from '../state';
import type { StoredMessage } from '../store';
import { invalidArgument } from './status';

export function queueFromWire(ref: QueueRefOutput | null | undefined): QueueRef {
  if (!ref) throw invalidArgument('missing-queue', 'queue is required');
  switch (ref.kind) {
    case 'QUEUE_KIND_TOPIC':
      if (ref.name.includes('/') || ref.name.includes('+') || ref.name.includes('#')) {
        throw invalidArgument(
          'invalid-queue',
          `a topic queue is named by one topic level, not "${ref.name}"`,
        );
      }
      return { kind: 'topic', name: ref.name };
    case 'QUEUE_KIND_FILTER':
      if (ref.name === '') throw invalidArgument('invalid-queue', 'a filter queue needs a filter');
      return { kind: 'filter', name: ref.name };
    case 'QUEUE_KIND_UNSPECIFIED':
      throw invalidArgument('invalid-queue', 'queue kind must be QUEUE_KIND_TOPIC or QUEUE_KIND_FILTER');
  }
}

export function queueToWire(queue: QueueRef): {
  kind: 'QUEUE_KIND_TOPIC' | 'QUEUE_KIND_FILTER';
  name: string;
} {
  return { kind: queue.kind === 'topic' ? 'QUEUE_KIND_TOPIC' : 'QUEUE_KIND_FILTER', name: queue.name };
}

/** A committed offset with a session's in-flight state (ADR 0014); the state store checks the values. */
export function queueOffsetFromWire(o: QueueOffsetOutput): QueueOffset {
  const inFlight = o.inFlight.map((m): InFlight => {
    if (m.qos !== 1 && m.qos !== 2)
      throw invalidArgument('invalid-qos', `in-flight message: QoS must be 1 or 2, not ${m.qos}`);
    return { offset: m.offset, packetId: m.packetId, qos: m.qos, pubrelSent: m.pubrelSent };
  });
  return {
    queue: queueFromWire(o.queue),
    offset: o.offset,
    ...(o.sentBelow === undefined ? {} : { sentBelow: o.sentBelow }),
    ...(inFlight.length === 0 ? {} : { inFlight }),
  };
}

export function inFlightToWire(inFlight: readonly InFlight[] | undefined): WireInFlight[] {
  return (inFlight ?? []).map(({ offset, packetId, qos, pubrelSent }) => ({
    offset,
    packetId,
    qos,
    pubrelSent,
  }));
}

export function queueOffsetToWire(o: QueueOffset): WireQueueOffset {
  return {
    queue: queueToWire(o.queue),
    offset: o.offset,
    ...(o.sentBelow === undefined ? {} : { sentBelow: o.sentBelow }),
    inFlight: inFlightToWire(o.inFlight),
  };
}

export function qosFromWire(qos: number, what: string): QoS {
  if (qos === 0 || qos === 1 || qos === 2) return qos;
  throw invalidArgument('invalid-qos', `${what}: QoS must be 0, 1 or 2, not ${qos}`);
}

/** proto3 defaults make every field present; an all-default properties message means "none". */
export function propertiesFromWire(
  p: MessagePropertiesOutput | null | undefined,
): MessageProperties | undefined {
  if (!p) return undefined;
  return {
    payloadFormatIndicator: p.payloadFormatIndicator,
    ...(p.messageExpiryIntervalSeconds === undefined
      ? {}
      : { messageExpiryIntervalSeconds: p.messageExpiryIntervalSeconds }),
    contentType: p.contentType,
    responseTopic: p.responseTopic,
    correlationData: p.correlationData,
    userProperties: p.userProperties.map((u) => ({ key: u.key, value: u.value })),
  };
}

export function propertiesToWire(p: MessageProperties | undefined) {
  if (!p) return null;
  return {
    payloadFormatIndicator: p.payloadFormatIndicator ?? false,
    ...(p.messageExpiryIntervalSeconds === undefined
      ? {}
      : { messageExpiryIntervalSeconds: p.messageExpiryIntervalSeconds }),
    contentType: p.contentType ?? '',
    responseTopic: p.responseTopic ?? '',
    correlationData: Buffer.from(p.correlationData ?? []),
    userProperties: (p.userProperties ?? []).map((u) => ({ key: u.key, value: u.value })),
  };
}

export function messageToWire(m: StoredMessage) {
  return {
    offset: m.offset,
    position: m.position,
    timestampMs: m.timestampMs,
    topic: m.topic,
    payload: m.payload,
    qos: m.qos,
    retain: m.retain,
    publisherClientId: m.publisherClientId,
    properties: propertiesToWire(m.properties),
  };
}

export function subscriptionFromWire(s: SubscriptionOutput): SubscriptionOptions {
  if (s.retainHandling > 2) {
    throw invalidArgument(
      'invalid-subscription',
      `retain handling must be 0, 1 or 2, not ${s.retainHandling}`,
    );
  }
  return {
    filter: s.filter,
    qos: qosFromWire(s.qos, `subscription "${s.filter}"`),
    noLocal: s.noLocal,
    retainAsPublished: s.retainAsPublished,
    retainHandling: s.retainHandling as 0 | 1 | 2,
    subscriptionIdentifier: s.subscriptionIdentifier,
  };
}

export function willFromWire(w: WillOutput | null | undefined): Will | undefined {
  if (!w) return undefined;
  const properties = propertiesFromWire(w.properties);
  return {
    topic: w.topic,
    payload: w.payload,
    qos: qosFromWire(w.qos, 'will'),
    retain: w.retain,
    ...(properties ? { properties } : {}),
    willDelayIntervalSeconds: w.willDelayIntervalSeconds,
  };
}

function willToWire(w: Will | undefined) {
  if (!w) return null;
  return {
    topic: w.topic,
    payload: Buffer.from(w.payload),
    qos: w.qos,
    retain: w.retain,
    properties: propertiesToWire(w.properties),
    willDelayIntervalSeconds: w.willDelayIntervalSeconds,
  };
}

export function sessionToWire(s: Session): SessionOutput {
  return {
    clientId: s.clientId,
    ownerId: s.ownerId,
    epoch: s.epoch,
    subscriptions: s.subscriptions.map((sub) => ({
      filter: sub.filter,
      qos: sub.qos,
      noLocal: sub.noLocal,
      retainAsPublished: sub.retainAsPublished,
      retainHandling: sub.retainHandling,
      subscriptionIdentifier: sub.subscriptionIdentifier,
      ...(sub.committedOffset === undefined ? {} : { committedOffset: sub.committedOffset }),
      ...(sub.sentBelow === undefined ? {} : { sentBelow: sub.sentBelow }),
      inFlight: inFlightToWire(sub.inFlight),
    })),
    will: willToWire(s.will),
    sessionExpiryIntervalSeconds: s.sessionExpiryIntervalSeconds,
    disconnectedAtMs: s.disconnectedAtMs,
    pendingPubrels: [...s.pendingPubrels],
    inboundQos2Ids: [...s.inboundQos2Ids],
  };
}

export function retainedToWire(m: RetainedMessage) {
  return {
    topic: m.topic,
    payload: Buffer.from(m.payload),
    qos: m.qos,
    timestampMs: m.timestampMs,
    position: m.position,
    properties: propertiesToWire(m.properties),
  };
}
