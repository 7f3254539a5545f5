import type { Logger } from '@starling/observability';
import type { FilterQueues, ShardQueue } from '../types';

/** One shard's answer to a registration: the queue, its end offset, and whether this call created it. */
export interface RegisteredQueue {
  readonly queue: ShardQueue;
  readonly endOffset: number;
  readonly created: boolean;
}

export interface FilterLeasesOptions {
  /** Registers (or renews) the filter on every shard that can hold it, held by this gateway. */
  readonly register: (filter: string, leaseMs: number) => Promise<readonly RegisteredQueue[]>;
  readonly unregister: (filter: string) => Promise<void>;
  /** The lease asked of the store; renewed every third of it. */
  readonly leaseMs: number;
  readonly logger: Logger;
  /**
   * A filter this gateway held had lost its registration (the lease lapsed: the store was away longer than
   * the lease, or this gateway could not renew): the store dropped the queue and this call created it again,
   * empty. `queues` are the shards where that happened, with their new end offsets.
   */
  readonly onLapsed?: (lapsed: FilterQueues) => void;
}

interface Entry {
  refs: number;
  leaseMs: number;
  /** Register/unregister calls of one filter run in order, so an unregister never overtakes a register. */
  chain: Promise<unknown>;
  /** Registered on every shard at least once: from then on, a registration that creates the queue means it lapsed. */
  registered: boolean;
  /** A renewal of this filter alone is queued (`renew`). */
  renewing: boolean;
}

/**
 * Filter registrations of the clean sessions on this gateway: ONE store registration per filter (holder =
 * gateway id, with a lease), reference-counted by the local sessions that read it. The lease means a
 * gateway that dies cannot pin a filter forever; a timer renews every live registration at a third of it.
 */
export class FilterLeases {
  private readonly entries = new Map<string, Entry>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: FilterLeasesOptions) {
    this.timer = setInterval(() => this.renewAll(), Math.max(1, Math.floor(options.leaseMs / 3)));
    this.timer.unref();
  }

  /** Filters registered (with at least one local user). */
  get size(): number {
    return this.entries.size;
  }

  refs(filter: string): number {
    return this.entries.get(filter)?.refs ?? 0;
  }

  /**
   * Takes one reference. Every call registers again (idempotent for the store, renews the lease): a new
   * subscription must start at the queue's end offset *now*, not at the first user's.
   */
  async acquire(filter: string, leaseMs: number): Promise<FilterQueues> {
    // The renewal period is fixed by the configured lease, so a caller may lengthen the lease, not shorten it.
    const lease = Math.max(leaseMs, this.options.leaseMs);
    let entry = this.entries.get(filter);
    if (entry === undefined) {
      entry = { refs: 0, leaseMs: lease, chain: Promise.resolve(), registered: false, renewing: false };
      this.entries.set(filter, entry);
    }
    entry.refs += 1;
    entry.leaseMs = Math.max(entry.leaseMs, lease);
    const registering = entry.chain.then(() => this.registerNow(filter, entry));
    entry.chain = registering.catch(() => undefined);
    try {
      const queues = await registering;
      return { filter, queues: queues.map(({ queue, endOffset }) => ({ queue, endOffset })) };
    } catch (e) {
      await this.release(filter).catch(() => undefined);
      throw e;
    }
  }

  /** Drops one reference; the last one unregisters the filter from the store. */
  release(filter: string): Promise<void> {
    const entry = this.entries.get(filter);
    if (entry === undefined || entry.refs === 0) return Promise.resolve();
    entry.refs -= 1;
    if (entry.refs > 0) return Promise.resolve();
    const unregistering = entry.chain.then(async () => {
      if (entry.refs > 0) return; // taken again while queued
      try {
        await this.options.unregister(filter);
        entry.registered = false;
      } finally {
        if (entry.refs === 0 && this.entries.get(filter) === entry) this.entries.delete(filter);
      }
    });
    entry.chain = unregistering.catch(() => undefined);
    return unregistering;
  }

  /** Renews every registration with a local user now (the timer calls it). */
  renewAll(): void {
    for (const [filter, entry] of this.entries) this.queueRenewal(filter, entry);
  }

  /**
   * Renews one filter's registration now, unless a renewal of it is already queued: what a reader calls when
   * the store no longer knows its queue (NOT_FOUND) or the queue is shorter than its cursors (OUT_OF_RANGE).
   */
  renew(filter: string): void {
    const entry = this.entries.get(filter);
    if (entry === undefined || entry.renewing) return;
    entry.renewing = true;
    this.queueRenewal(filter, entry, () => {
      entry.renewing = false;
    });
  }

  private queueRenewal(filter: string, entry: Entry, done?: () => void): void {
    if (entry.refs === 0) {
      done?.();
      return;
    }
    const renewing = entry.chain.then(async () => {
      done?.();
      if (entry.refs > 0) await this.registerNow(filter, entry);
    });
    entry.chain = renewing.catch((e: unknown) =>
      this.options.logger.warn({ err: e, filter }, 'filter lease renewal failed'),
    );
  }

  /** Registers on every shard; a shard that created the queue of a filter registered before has lapsed. */
  private async registerNow(filter: string, entry: Entry): Promise<readonly RegisteredQueue[]> {
    const queues = await this.options.register(filter, entry.leaseMs);
    const lapsed = entry.registered ? queues.filter((q) => q.created) : [];
    entry.registered = true;
    if (lapsed.length > 0) {
      // Entries dispatched while the filter was not registered were not queued: they are lost to its readers.
      this.options.logger.warn(
        { filter, shards: lapsed.map((q) => q.queue.shard) },
        'filter registration had lapsed; registered again, readers restart at the new end',
      );
      this.options.onLapsed?.({
        filter,
        queues: lapsed.map(({ queue, endOffset }) => ({ queue, endOffset })),
      });
    }
    return queues;
  }

  close(): void {
    clearInterval(this.timer);
  }
}
