import { matches, validateTopicFilter, validateTopicName } from '@starling/mqtt-topic';
import { RETAINED_TOPIC_RAW_BYTES, prefixEnd, retainedKey, retainedPrefix } from './key-codec';
import { type MessageProperties } from './message-properties';
import { type QoS } from './session-record';
import { type StateDatabase } from './state-database';
import { invalidArgument } from './state-store-error';
import { type StateWriter } from './state-writer';

/** A retained message (store.proto `RetainedMessage`). */
export interface RetainedMessage {
  readonly topic: string;
  /** Never empty: an empty retained payload deletes [MQTT-3.3.1-10]. */
  readonly payload: Uint8Array;
  readonly qos: QoS;
  readonly timestampMs: number;
  /** Commitlog position on this shard. */
  readonly position: number;
  readonly properties?: MessageProperties;
}

export type MatchRetainedResult =
  | { readonly status: 'ok'; readonly messages: RetainedMessage[] }
  /** More unexpired matches than `limit`. */
  | { readonly status: 'too-many' };

export type ListRetainedResult =
  | { readonly status: 'ok'; readonly messages: RetainedMessage[]; readonly nextPageToken: string }
  | { readonly status: 'invalid-page-token' };

export interface RetainedStore {
  /**
   * Replaces the retained message of `topic`. The caller maps a retained PUBLISH with an empty
   * payload to `delete` (and still appends it); should an empty payload reach `set` anyway it
   * deletes too, so an empty retained message is never stored [MQTT-3.3.1-10].
   */
  set(topic: string, message: Omit<RetainedMessage, 'topic'>): Promise<void>;
  /** Removes the retained message of `topic`; resolves to whether there was one. */
  delete(topic: string): Promise<boolean>;
  get(topic: string): RetainedMessage | undefined;
  /**
   * Every unexpired retained message whose topic matches `filter`, in topic order (UTF-8 byte
   * order), or `too-many` past `limit`. Scans only the keys under the filter's literal prefix
   * (the levels before its first wildcard) and, for a filter starting with a wildcard, skips the
   * `$` topics, which it can never match [MQTT-4.7.2-1].
   */
  match(filter: string, limit: number, nowMs?: number): MatchRetainedResult;
  /** A page of all retained messages in topic order (expired ones included: tooling). */
  list(pageSize: number, pageToken?: string): ListRetainedResult;
  count(): number;
}

interface RetainedRecord extends RetainedMessage {
  /** Absolute MQTT 5 message expiry, when the message has one. */
  readonly expiresAtMs?: number;
}

const DEFAULT_PAGE_SIZE = 100;
const DOLLAR = Buffer.from('$');
const AFTER_DOLLAR = Buffer.from('%');

function toMessage(record: RetainedRecord): RetainedMessage {
  const { topic, payload, qos, timestampMs, position, properties } = record;
  return properties === undefined
    ? { topic, payload, qos, timestampMs, position }
    : { topic, payload, qos, timestampMs, position, properties };
}

function isExpired(record: RetainedRecord, nowMs: number): boolean {
  return record.expiresAtMs !== undefined && record.expiresAtMs <= nowMs;
}

/** Key ranges that hold every topic `filter` can match, in key order. */
function candidateRanges(filter: string): Array<{ start?: Buffer; end?: Buffer } | { exact: Buffer }> {
  const levels = filter.split('/');
  const wildcardAt = levels.findIndex((level) => level === '+' || level === '#');
  if (wildcardAt === -1) return [{ exact: retainedKey(filter) }];
  if (wildcardAt === 0) return [{ end: DOLLAR }, { start: AFTER_DOLLAR }]; // not '$…' [MQTT-4.7.2-1]
  const literal = levels.slice(0, wildcardAt).join('/');
  const prefix = retainedPrefix(`${literal}/`);
  const below = { start: prefix, ...(prefixEnd(prefix) === undefined ? {} : { end: prefixEnd(prefix)! }) };
  // 'a/#' also matches the parent 'a' (§4.7.1.2), which sorts just before 'a/…'; for '/#' the
  // parent would be the empty topic, which cannot exist [MQTT-4.7.3-1].
  return levels[wildcardAt] === '#' && literal !== '' ? [{ exact: retainedKey(literal) }, below] : [below];
}

export function createRetainedStore(deps: {
  database: StateDatabase;
  writer: StateWriter;
  now: () => number;
}): RetainedStore {
  const { database, writer, now } = deps;
  const { retained } = database;

  return {
    set(topic, message) {
      // lmdb-js batches this with the other writes of the event turn (group commit) and resolves
      // once that transaction is committed (durable, see state-database.ts).
      return writer.write(() => {
        const validation = validateTopicName(topic);
        if (!validation.ok) throw invalidArgument(`invalid retained topic: ${validation.message}`);
        const { payload, qos, timestampMs, position, properties } = message;
        if (payload.length === 0) {
          retained.removeSync(retainedKey(topic));
          return;
        }
        if (![0, 1, 2].includes(qos)) throw invalidArgument(`invalid retained QoS: ${qos}`);
        const expirySeconds = properties?.messageExpiryIntervalSeconds;
        const record: RetainedRecord = {
          topic,
          payload,
          qos,
          timestampMs,
          position,
          ...(properties === undefined ? {} : { properties }),
          ...(expirySeconds === undefined ? {} : { expiresAtMs: timestampMs + expirySeconds * 1000 }),
        };
        retained.putSync(retainedKey(topic), record);
      });
    },

    delete(topic) {
      return writer.write(() => retained.removeSync(retainedKey(topic)));
    },

    get(topic) {
      const record = retained.get(retainedKey(topic)) as RetainedRecord | undefined;
      return record === undefined ? undefined : toMessage(record);
    },

    match(filter, limit, nowMs = now()) {
      const validation = validateTopicFilter(filter);
      if (!validation.ok) throw invalidArgument(`invalid topic filter: ${validation.message}`);
      const messages: RetainedMessage[] = [];
      let longTopics = false;
      const consider = (record: RetainedRecord): boolean => {
        if (!matches(filter, record.topic) || isExpired(record, nowMs)) return true;
        messages.push(toMessage(record));
        if (record.topic.length > RETAINED_TOPIC_RAW_BYTES / 4) longTopics = true;
        return messages.length <= limit;
      };
      for (const range of candidateRanges(filter)) {
        if ('exact' in range) {
          const record = retained.get(range.exact) as RetainedRecord | undefined;
          if (record !== undefined && !consider(record)) return { status: 'too-many' };
          continue;
        }
        for (const { value } of retained.getRange(range)) {
          if (!consider(value as RetainedRecord)) return { status: 'too-many' };
        }
      }
      // Only topics sharing their first RETAINED_TOPIC_RAW_BYTES bytes can be out of order.
      if (longTopics) messages.sort((a, b) => Buffer.compare(Buffer.from(a.topic), Buffer.from(b.topic)));
      return { status: 'ok', messages };
    },

    list(pageSize, pageToken = '') {
      let start: Buffer | undefined;
      if (pageToken !== '') {
        start = Buffer.from(pageToken, 'base64url');
        if (start.length === 0 || start.toString('base64url') !== pageToken)
          return { status: 'invalid-page-token' };
      }
      const size = pageSize > 0 ? pageSize : DEFAULT_PAGE_SIZE;
      const page = Array.from(
        retained.getRange({
          ...(start === undefined ? {} : { start, exclusiveStart: true }),
          limit: size + 1,
        }),
        ({ key, value }) => ({ key: Buffer.from(key), record: value as RetainedRecord }),
      );
      const more = page.length > size;
      const shown = more ? page.slice(0, size) : page;
      const last = shown[shown.length - 1];
      return {
        status: 'ok',
        messages: shown.map(({ record }) => toMessage(record)),
        nextPageToken: more && last !== undefined ? last.key.toString('base64url') : '',
      };
    },

    count() {
      return retained.getCount();
    },
  };
}
