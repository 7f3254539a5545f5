import { validateTopicName } from '@starling/mqtt-topic';
import type { MessageProperties } from './state';
import { shardOfTopic } from './sharding';

/** A message to append, as the gRPC layer hands it over. */
export interface AppendInput {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  /** 0: the store sets its append time. */
  timestampMs: number;
  publisherClientId: string;
  properties: MessageProperties | undefined | null;
}

/** Why a batch was refused; nothing of it was written. `index` names the offending message. */
export type AppendRejection =
  | { status: 'empty-batch'; message: string }
  | { status: 'batch-too-large'; message: string }
  | { status: 'invalid-topic'; index: number; message: string }
  | { status: 'invalid-qos'; index: number; message: string }
  | { status: 'too-large'; index: number; message: string }
  | { status: 'wrong-shard'; index: number; shard: number; message: string };

interface Limits {
  maxMessageBytes: number;
  maxBatchMessages: number;
  shardIndex: number;
  shardCount: number;
}

/** Checks a whole batch before anything is written: all or nothing. */
export function validateAppend(
  messages: readonly AppendInput[],
  limits: Limits,
): AppendRejection | undefined {
  if (messages.length === 0) return { status: 'empty-batch', message: 'the batch holds no message' };
  if (messages.length > limits.maxBatchMessages) {
    return {
      status: 'batch-too-large',
      message: `the batch holds ${messages.length} messages, over the limit of ${limits.maxBatchMessages}`,
    };
  }
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    const topic = validateTopicName(m.topic);
    if (!topic.ok) return { status: 'invalid-topic', index: i, message: `message ${i}: ${topic.message}` };
    if (m.qos !== 0 && m.qos !== 1 && m.qos !== 2) {
      return {
        status: 'invalid-qos',
        index: i,
        message: `message ${i}: QoS must be 0, 1 or 2, not ${m.qos}`,
      };
    }
    if (m.payload.length > limits.maxMessageBytes) {
      return {
        status: 'too-large',
        index: i,
        message: `message ${i}: payload of ${m.payload.length} bytes is over the limit of ${limits.maxMessageBytes}`,
      };
    }
    if (limits.shardCount > 1) {
      const shard = shardOfTopic(m.topic, limits.shardCount);
      if (shard !== limits.shardIndex) {
        return {
          status: 'wrong-shard',
          index: i,
          shard,
          message: `message ${i}: topic "${m.topic}" belongs to shard ${shard}, this is shard ${limits.shardIndex}`,
        };
      }
    }
  }
  return undefined;
}
