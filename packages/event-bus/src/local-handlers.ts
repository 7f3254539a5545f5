import type { ArrivalEvent, ArrivalHandler, BusQueueRef } from './event-bus';

/** The map key of a queue: kind and name, so a topic and a filter with the same name stay apart. */
export function queueKey(queue: BusQueueRef): string {
  return `${queue.kind === 'topic' ? 't' : 'f'}:${queue.name}`;
}

interface Entry {
  readonly handler: ArrivalHandler;
}

export interface AddedHandler {
  /** True when this is the queue's first local handler: the caller opens the transport's interest. */
  readonly first: boolean;
  /**
   * Removes exactly this handler; idempotent. Returns true when it was the queue's last one: the caller
   * closes the transport's interest.
   */
  remove(): boolean;
}

/**
 * The local handlers of every queue a bus instance reads, reference-counted: one transport subscription per
 * queue, however many local handlers share it (the gateway's "one reader per queue").
 */
export class LocalArrivalHandlers {
  private readonly byQueue = new Map<string, Set<Entry>>();

  add(queue: BusQueueRef, handler: ArrivalHandler): AddedHandler {
    const key = queueKey(queue);
    let entries = this.byQueue.get(key);
    const first = entries === undefined;
    if (entries === undefined) {
      entries = new Set();
      this.byQueue.set(key, entries);
    }
    // A fresh object per call: the same function subscribed twice is two subscriptions.
    const entry: Entry = { handler };
    entries.add(entry);
    let removed = false;
    return {
      first,
      remove: () => {
        if (removed) return false;
        removed = true;
        const current = this.byQueue.get(key);
        if (current === undefined || !current.delete(entry)) return false;
        if (current.size > 0) return false;
        this.byQueue.delete(key);
        return true;
      },
    };
  }

  has(queue: BusQueueRef): boolean {
    return this.byQueue.has(queueKey(queue));
  }

  /** Number of queues with at least one handler. */
  get queueCount(): number {
    return this.byQueue.size;
  }

  get handlerCount(): number {
    let n = 0;
    for (const entries of this.byQueue.values()) n += entries.size;
    return n;
  }

  /**
   * Calls every handler of the event's queue. A handler that throws is reported and does not stop the
   * others; a handler removed by an earlier one during this dispatch is not called.
   */
  dispatch(event: ArrivalEvent, onHandlerError: (err: unknown) => void): number {
    const entries = this.byQueue.get(queueKey(event.queue));
    if (entries === undefined) return 0;
    if (entries.size === 1) {
      // The usual case (one reader per queue per gateway): no snapshot of the set to take.
      for (const entry of entries) {
        try {
          entry.handler(event);
        } catch (err) {
          onHandlerError(err);
        }
      }
      return 1;
    }
    let called = 0;
    for (const entry of [...entries]) {
      if (!entries.has(entry)) continue;
      called++;
      try {
        entry.handler(event);
      } catch (err) {
        onHandlerError(err);
      }
    }
    return called;
  }

  clear(): void {
    this.byQueue.clear();
  }
}
