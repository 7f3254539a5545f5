import type { Logger } from '@starling/observability';
import type { FilterQueues } from '../types';

export interface FilterLeasesOptions {
  /** Registers (or renews) the filter on every shard that can hold it, held by this gateway. */
  readonly register: (filter: string, leaseMs: number) => Promise<FilterQueues & { created: boolean }>;
  readonly unregister: (filter: string) => Promise<void>;
  /** The lease asked of the store; renewed every third of it. */
  readonly leaseMs: number;
  readonly logger: Logger;
}

interface Entry {
  refs: number;
  leaseMs: number;
  /** Register/unregister calls of one filter run in order, so an unregister never overtakes a register. */
  chain: Promise<unknown>;
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
      entry = { refs: 0, leaseMs: lease, chain: Promise.resolve() };
      this.entries.set(filter, entry);
    }
    entry.refs += 1;
    entry.leaseMs = Math.max(entry.leaseMs, lease);
    const registering = entry.chain.then(() => this.options.register(filter, entry.leaseMs));
    entry.chain = registering.catch(() => undefined);
    try {
      const { filter: name, queues } = await registering;
      return { filter: name, queues };
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
      } finally {
        if (entry.refs === 0 && this.entries.get(filter) === entry) this.entries.delete(filter);
      }
    });
    entry.chain = unregistering.catch(() => undefined);
    return unregistering;
  }

  /** Renews every registration with a local user now (the timer calls it). */
  renewAll(): void {
    for (const [filter, entry] of this.entries) {
      if (entry.refs === 0) continue;
      const renewing = entry.chain.then(async () => {
        if (entry.refs === 0) return;
        const r = await this.options.register(filter, entry.leaseMs);
        // Created again means the lease had lapsed: entries dispatched in the gap were not queued.
        if (r.created) this.options.logger.warn({ filter }, 'filter lease had lapsed, registered again');
      });
      entry.chain = renewing.catch((e: unknown) =>
        this.options.logger.warn({ err: e, filter }, 'filter lease renewal failed'),
      );
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
