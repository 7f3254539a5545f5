import type { MessagingServiceHandlers } from '@starling/proto';
import type { Store } from '../store';
import { appendPositions } from './status';
import { pullResult, type StoreServiceLimits } from './store-service';
import { msUntilDeadline, unary, type HandlerContext } from './handler';
import { invalidArgument } from './status';
import { qosFromWire } from './convert';

/** A first topic level names a topic queue: one level, no separator, no wildcard. */
function topicLevel(topic: string): string {
  if (topic.includes('/') || topic.includes('+') || topic.includes('#')) {
    throw invalidArgument('invalid-topic', `"${topic}" is not a first topic level (one level, no wildcards)`);
  }
  return topic;
}

function group(name: string): { kind: 'group'; id: string } {
  if (name === '') throw invalidArgument('missing-group', 'consumer group is required');
  return { kind: 'group', id: name };
}

/**
 * starling.messaging.v1.MessagingService: backend services produce exactly as a device publishes (the same
 * append, so subscribed devices receive it) and consume first-level topic queues with consumer groups.
 */
export function createMessagingServiceHandlers(
  store: Store,
  context: HandlerContext,
  limits: StoreServiceLimits,
): MessagingServiceHandlers {
  return {
    ProduceMessages: unary(context, 'ProduceMessages', async (req) => {
      const outcome = await store.append(
        req.messages.map((m, i) => ({
          topic: m.topic,
          payload: m.payload,
          qos: qosFromWire(m.qos, `message ${i}`),
          retain: m.retain,
          timestampMs: 0,
          publisherClientId: req.producerId,
          properties: {
            payloadFormatIndicator: m.payloadIsUtf8,
            ...(m.messageExpiryIntervalSeconds === undefined
              ? {}
              : { messageExpiryIntervalSeconds: m.messageExpiryIntervalSeconds }),
            contentType: m.contentType,
            responseTopic: m.responseTopic,
            correlationData: m.correlationData,
            userProperties: m.headers.map((h) => ({ key: h.key, value: h.value })),
          },
        })),
      );
      return { positions: [...appendPositions(outcome)], shard: store.shardIndex };
    }),

    ConsumeMessages: unary(context, 'ConsumeMessages', async (req, call) => {
      const consumer = group(req.group);
      const queue = { kind: 'topic' as const, name: topicLevel(req.topic) };
      let fromOffset = req.fromOffset;
      if (fromOffset === undefined) {
        fromOffset = store.state.offsets.fetch(consumer, [queue])[0]?.offset;
      }
      if (fromOffset === undefined) {
        const range = store.index.range(queue);
        fromOffset = req.start === 'START_POSITION_EARLIEST' ? (range?.low ?? 0) : (range?.high ?? 0);
      }
      const abort = new AbortController();
      call.once('cancelled', () => abort.abort());
      const outcome = await store.pull({
        queue,
        fromOffset,
        maxMessages: Math.min(req.maxMessages || limits.pullMaxMessages, limits.pullMaxMessages),
        maxBytes: Math.min(req.maxBytes || limits.pullMaxBytes, limits.pullMaxBytes),
        waitMs: Math.max(0, Math.min(req.waitMs, limits.pullMaxWaitMs, msUntilDeadline(call) - 50)),
        signal: abort.signal,
      });
      const r = pullResult(outcome, queue.name);
      return {
        messages: r.messages.map((m) => ({
          offset: m.offset,
          position: m.position,
          timestampMs: m.timestampMs,
          topic: m.topic,
          payload: m.payload,
          qos: m.qos,
          retain: m.retain,
          publisherId: m.publisherClientId,
          contentType: m.properties?.contentType ?? '',
          headers: (m.properties?.userProperties ?? []).map((u) => ({ key: u.key, value: u.value })),
          responseTopic: m.properties?.responseTopic ?? '',
          correlationData: Buffer.from(m.properties?.correlationData ?? []),
        })),
        nextOffset: r.nextOffset,
        lowOffset: r.lowOffset,
        endOffset: r.endOffset,
        resetToLowOffset: r.resetToLowOffset,
      };
    }),

    CommitConsumerOffsets: unary(context, 'CommitConsumerOffsets', async (req) => {
      const consumer = group(req.group);
      const offsets = req.offsets.map((o) => ({
        queue: { kind: 'topic' as const, name: topicLevel(o.topic) },
        offset: o.offset,
      }));
      await store.state.offsets.commit(consumer, 0, offsets);
      return {};
    }),

    FetchConsumerOffsets: unary(context, 'FetchConsumerOffsets', (req) => {
      const consumer = group(req.group);
      const queues = req.topics.map((t) => ({ kind: 'topic' as const, name: topicLevel(t) }));
      const offsets = store.state.offsets.fetch(consumer, queues.length > 0 ? queues : undefined);
      return Promise.resolve({ offsets: offsets.map((o) => ({ topic: o.queue.name, offset: o.offset })) });
    }),
  };
}
