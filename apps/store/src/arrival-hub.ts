import type { QueueRef as QueueId } from './queues';

/** "This queue now ends at this offset", after dispatch. */
export interface ArrivalNotice {
  queue: QueueId;
  endOffset: number;
  timestampMs: number;
}

export type ArrivalListener = (arrivals: readonly ArrivalNotice[]) => void;

/**
 * Fans the arrivals of each dispatch batch out to WatchArrivals streams and to long-polling pulls.
 * In-process and synchronous: a listener must not block (gRPC streams buffer, pulls resolve).
 */
export class ArrivalHub {
  private readonly listeners = new Set<ArrivalListener>();
  /** Long-poll waiters by queue key; resolved (and dropped) by the first arrival on their queue. */
  private readonly waiters = new Map<string, Set<() => void>>();

  get watcherCount(): number {
    return this.listeners.size;
  }

  subscribe(listener: ArrivalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(arrivals: readonly ArrivalNotice[]): void {
    if (arrivals.length === 0) return;
    for (const l of this.listeners) l(arrivals);
    if (this.waiters.size === 0) return;
    for (const a of arrivals) {
      const key = queueKey(a.queue);
      const set = this.waiters.get(key);
      if (!set) continue;
      this.waiters.delete(key);
      for (const wake of set) wake();
    }
  }

  /** Resolves on the next arrival for `queue`, or after `timeoutMs`, or when `signal` aborts. */
  waitFor(queue: QueueId, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const key = queueKey(queue);
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        const s = this.waiters.get(key);
        if (s) {
          s.delete(done);
          if (s.size === 0) this.waiters.delete(key);
        }
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  /** Wakes every waiter (shutdown). */
  wakeAll(): void {
    const all = [...this.waiters.values()];
    this.waiters.clear();
    for (const set of all) for (const wake of set) wake();
  }
}

function queueKey(q: QueueId): string {
  return `${q.kind}\u0000${q.name}`;
}
