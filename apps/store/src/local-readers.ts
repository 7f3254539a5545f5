import type { DispatchRecord, IndexedEntry } from './dispatch/dispatcher';
import type { QueueRef } from './queues';
import { decodeRecordMeta } from './record-properties';
import type { StoredMessage } from './store';

/** A batch of one queue's messages, just dispatched: offsets [messages[0].offset, endOffset), in order. */
export type LocalQueueListener = (messages: readonly StoredMessage[], endOffset: number) => void;

const EMPTY = Buffer.alloc(0);

function asBuffer(bytes: Uint8Array | undefined): Buffer {
  if (bytes === undefined) return EMPTY;
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The message a pull would return for `record` at `offset` (same fields, same decoding of its properties). */
function storedMessage(record: DispatchRecord, offset: number): StoredMessage {
  const input = record.record;
  const meta = decodeRecordMeta(asBuffer(input.properties));
  return {
    offset,
    position: record.position,
    timestampMs: record.timestampMs,
    topic: record.topic,
    payload: asBuffer(input.payload),
    qos: input.qos ?? 0,
    retain: record.retain,
    publisherClientId: meta.publisherClientId,
    properties: meta.properties,
  };
}

/**
 * Readers in this process (the gateway of a standalone Starling) receive each dispatched batch's messages
 * for the queues they watch, straight from dispatch, once the entries are readable: no arrival event, pull,
 * index read or record decode for what was just written (ADR 0019). The messages are exactly what a pull of
 * those offsets returns. A reader still pulls whatever it did not receive this way (it started behind, or it
 * was pulling when a batch came): this is a shortcut, never the only path.
 */
export class LocalReaders {
  private readonly topics = new Map<string, Set<LocalQueueListener>>();
  private readonly filters = new Map<string, Set<LocalQueueListener>>();

  constructor(private readonly onError: (err: unknown) => void) {}

  /** Hands `listener` every later dispatch batch's messages of `queue`; returns the unsubscribe function. */
  watch(queue: QueueRef, listener: LocalQueueListener): () => void {
    const byName = queue.kind === 'topic' ? this.topics : this.filters;
    let listeners = byName.get(queue.name);
    if (listeners === undefined) byName.set(queue.name, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && byName.get(queue.name) === listeners) byName.delete(queue.name);
    };
  }

  /** The dispatcher's `onIndexed`: costs one map lookup per entry when some queue is watched, none otherwise. */
  readonly onIndexed = (
    records: readonly DispatchRecord[],
    entries: readonly IndexedEntry[],
    ends: ReadonlyArray<{ readonly queue: QueueRef; readonly high: number }>,
  ): void => {
    if (this.topics.size === 0 && this.filters.size === 0) return;
    // Keyed by the queue's listener set: one per watched queue, so no key string per entry.
    let found: Map<ReadonlySet<LocalQueueListener>, DispatchRecord[]> | undefined;
    let r = 0;
    for (const entry of entries) {
      const listeners = (entry.queue.kind === 'topic' ? this.topics : this.filters).get(entry.queue.name);
      if (listeners === undefined) continue;
      // Entries follow their records' log order: the record of this entry is at or after the last one.
      while (r < records.length && records[r]!.position < entry.position) r += 1;
      const record = records[r];
      if (record === undefined || record.position !== entry.position) continue;
      found ??= new Map();
      let batch = found.get(listeners);
      if (batch === undefined) found.set(listeners, (batch = []));
      batch.push(record);
    }
    if (found === undefined) return;
    for (const end of ends) {
      const listeners = (end.queue.kind === 'topic' ? this.topics : this.filters).get(end.queue.name);
      const batch = listeners === undefined ? undefined : found.get(listeners);
      if (listeners === undefined || batch === undefined) continue;
      const start = end.high - batch.length;
      const messages = batch.map((record, i) => storedMessage(record, start + i));
      for (const listener of listeners) {
        try {
          listener(messages, end.high);
        } catch (err) {
          // A reader's failure must never stop dispatch: it pulls what it missed.
          this.onError(err);
        }
      }
    }
  };
}
