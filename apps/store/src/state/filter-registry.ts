import { validateTopicFilter } from '@starling/mqtt-topic';
import { composeKey, prefixEnd, readTimePart, stringPart, timePart } from './key-codec';
import { META_LAST_HOLD_SEQ, type StateDatabase } from './state-database';
import { invalidArgument } from './state-store-error';
import { type StateWriter, type WriteContext } from './state-writer';

/** One holder of a registered filter. */
export interface FilterHolder {
  readonly holderId: string;
  /** Absolute expiry of the hold (ms since the epoch); absent when held until unregistered. */
  readonly leaseExpiresAtMs?: number;
}

export interface RegisterFilterResult {
  /** True when this call gave the filter its first holder (its queue starts receiving entries). */
  readonly created: boolean;
  /** `queueEndOffset(filter)` read in the same transaction: where a new subscription starts. */
  readonly endOffset: number;
}

export interface UnregisterFilterResult {
  /** True when no holder remains (also for a filter that was not registered at all). */
  readonly removed: boolean;
}

/**
 * Subscription filters registered on this shard, reference-counted by holder (a client id for a
 * persistent session's subscriptions, a gateway id for its non-persistent sessions). A filter is
 * registered while it has at least one holder; `onFilterAdded` / `onFilterRemoved` fire exactly
 * when it gains its first and loses its last, after the change is durable.
 */
export interface FilterRegistry {
  /**
   * Adds `holderId` as a holder of `filter`. Idempotent per holder; registering again renews
   * (or, with `leaseMs` 0, removes) the lease. A lease keeps its absolute expiry across restarts.
   */
  register(filter: string, holderId: string, leaseMs?: number, nowMs?: number): Promise<RegisterFilterResult>;
  /** Drops one holder; unknown filters or holders are not an error. */
  unregister(filter: string, holderId: string): Promise<UnregisterFilterResult>;
  /** Drops every hold whose lease expired at or before `nowMs`; returns the filters that lost their last holder. */
  expireLeases(nowMs?: number): Promise<string[]>;
  /** Every registered filter (committed state), in key order: what the dispatcher's matcher loads at start. */
  filters(): Iterable<string>;
  /** How many holders `filter` has; 0 when not registered. */
  holderCount(filter: string): number;
  /** The holders of `filter`. */
  holders(filter: string): FilterHolder[];
  /** The earliest lease expiry, for a timer that calls `expireLeases`; undefined without leases. */
  nextLeaseExpiry(): number | undefined;
  /**
   * One page of lease-free holds (persistent sessions' holds) of the holders `include` accepts, grouped by
   * holder, in holder key order after the cursor `after`; `next` is the cursor of the next page (absent at
   * the end). `registeredUpTo` is the registration sequence when the page was read: a hold registered (or
   * registered again) later has a higher one.
   */
  leaseFreeHolds(options: {
    readonly after?: Buffer;
    readonly maxHolders: number;
    readonly include: (holderId: string) => boolean;
  }): LeaseFreeHoldsPage;
  /**
   * Drops each of `holds` that is still lease-free and was last registered at or before `registeredUpTo`
   * (so not since the caller read it); returns how many it dropped.
   */
  dropHoldsRegisteredUpTo(holds: readonly FilterHold[], registeredUpTo: number): Promise<number>;
}

export interface FilterHold {
  readonly filter: string;
  readonly holderId: string;
}

export interface LeaseFreeHoldsPage {
  readonly holders: ReadonlyArray<{ readonly holderId: string; readonly filters: readonly string[] }>;
  readonly next?: Buffer;
  readonly registeredUpTo: number;
}

/** Registry operations that run inside a caller's write transaction (session updates). */
export interface FilterRegistryOps {
  registerIn(
    context: WriteContext,
    filter: string,
    holderId: string,
    leaseMs: number,
    nowMs: number,
  ): boolean;
  unregisterIn(context: WriteContext, filter: string, holderId: string): boolean;
}

interface FilterRecord {
  readonly filter: string;
  readonly holderCount: number;
}

interface HolderRecord {
  readonly holderId: string;
  /** 0: no lease. */
  readonly leaseExpiresAtMs: number;
  /** The shard's registration sequence when last registered (absent: before layout 2, so 0). */
  readonly seq?: number;
}

interface LeaseRecord {
  readonly filter: string;
  readonly holderId: string;
}

/** Value of a `holdings` row (holder ‖ filter): the strings, which a hashed key part cannot give back. */
export interface HoldingRecord {
  readonly holderId: string;
  readonly filter: string;
}

export interface FilterRegistryDeps {
  readonly database: StateDatabase;
  readonly writer: StateWriter;
  readonly now: () => number;
  readonly queueEndOffset: (filter: string) => number;
  /** A hold was dropped, in the same transaction (per-holder state that lives only as long as its holds). */
  readonly onHoldRemovedIn?: (holderId: string, filter: string) => void;
}

export function holdingKey(holderId: string, filter: string): Buffer {
  return composeKey(stringPart(holderId), stringPart(filter));
}

/** True while `holderId` holds `filter`. */
export function holdsFilter(database: StateDatabase, holderId: string, filter: string): boolean {
  return database.holdings.get(holdingKey(holderId, filter)) !== undefined;
}

/** True while `holderId` holds any filter (one cursor step on the `holdings` index). */
export function holdsAnyFilter(database: StateDatabase, holderId: string): boolean {
  const prefix = stringPart(holderId);
  for (const _key of database.holdings.getKeys({ start: prefix, end: prefixEnd(prefix), limit: 1 }))
    return true;
  return false;
}

export function assertValidFilter(filter: string): void {
  const validation = validateTopicFilter(filter);
  if (!validation.ok) throw invalidArgument(`invalid topic filter: ${validation.message}`);
}

export function createFilterRegistry(deps: FilterRegistryDeps): {
  registry: FilterRegistry;
  ops: FilterRegistryOps;
} {
  const { database, writer, now, queueEndOffset, onHoldRemovedIn } = deps;
  const { filters, holders, leases, holdings } = database;

  const filterKey = (filter: string): Buffer => stringPart(filter);
  const holderKey = (filter: string, holderId: string): Buffer =>
    composeKey(stringPart(filter), stringPart(holderId));
  const leaseKey = (expiresAtMs: number, filter: string, holderId: string): Buffer =>
    composeKey(timePart(expiresAtMs), stringPart(filter), stringPart(holderId));

  function registerIn(
    context: WriteContext,
    filter: string,
    holderId: string,
    leaseMs: number,
    nowMs: number,
  ): boolean {
    assertValidFilter(filter);
    if (holderId.length === 0) throw invalidArgument('empty filter holder id');
    if (!Number.isSafeInteger(leaseMs) || leaseMs < 0) throw invalidArgument(`invalid lease: ${leaseMs} ms`);
    const key = holderKey(filter, holderId);
    const existing = holders.get(key) as HolderRecord | undefined;
    if (existing !== undefined && existing.leaseExpiresAtMs !== 0) {
      leases.removeSync(leaseKey(existing.leaseExpiresAtMs, filter, holderId));
    }
    const leaseExpiresAtMs = leaseMs === 0 ? 0 : nowMs + leaseMs;
    const seq = ((database.meta.get(META_LAST_HOLD_SEQ) as number | undefined) ?? 0) + 1;
    database.meta.putSync(META_LAST_HOLD_SEQ, seq);
    holders.putSync(key, { holderId, leaseExpiresAtMs, seq } satisfies HolderRecord);
    if (leaseExpiresAtMs !== 0) {
      leases.putSync(leaseKey(leaseExpiresAtMs, filter, holderId), {
        filter,
        holderId,
      } satisfies LeaseRecord);
    }
    if (existing !== undefined) return false;
    holdings.putSync(holdingKey(holderId, filter), { holderId, filter } satisfies HoldingRecord);
    const record = filters.get(filterKey(filter)) as FilterRecord | undefined;
    filters.putSync(filterKey(filter), {
      filter,
      holderCount: (record?.holderCount ?? 0) + 1,
    } satisfies FilterRecord);
    if (record !== undefined) return false;
    context.filterAdded(filter);
    return true;
  }

  /** Returns true when no holder remains. */
  function unregisterIn(context: WriteContext, filter: string, holderId: string): boolean {
    const key = holderKey(filter, holderId);
    const existing = holders.get(key) as HolderRecord | undefined;
    const record = filters.get(filterKey(filter)) as FilterRecord | undefined;
    if (existing === undefined) return record === undefined;
    holders.removeSync(key);
    holdings.removeSync(holdingKey(holderId, filter));
    if (existing.leaseExpiresAtMs !== 0)
      leases.removeSync(leaseKey(existing.leaseExpiresAtMs, filter, holderId));
    onHoldRemovedIn?.(holderId, filter);
    const remaining = (record?.holderCount ?? 1) - 1;
    if (remaining > 0) {
      filters.putSync(filterKey(filter), { filter, holderCount: remaining } satisfies FilterRecord);
      return false;
    }
    filters.removeSync(filterKey(filter));
    context.filterRemoved(filter);
    return true;
  }

  const registry: FilterRegistry = {
    register(filter, holderId, leaseMs = 0, nowMs = now()) {
      return writer.write((context) => {
        const created = registerIn(context, filter, holderId, leaseMs, nowMs);
        return { created, endOffset: queueEndOffset(filter) };
      });
    },

    unregister(filter, holderId) {
      return writer.write((context) => ({ removed: unregisterIn(context, filter, holderId) }));
    },

    expireLeases(nowMs = now()) {
      return writer.write((context) => {
        // Collect first: the index is modified while we go.
        const due = Array.from(leases.getRange({ end: timePart(nowMs + 1) }), ({ key, value }) => ({
          expiresAtMs: readTimePart(key),
          lease: value as LeaseRecord,
        }));
        const emptied: string[] = [];
        for (const { expiresAtMs, lease } of due) {
          const holder = holders.get(holderKey(lease.filter, lease.holderId)) as HolderRecord | undefined;
          if (holder?.leaseExpiresAtMs !== expiresAtMs) {
            leases.removeSync(leaseKey(expiresAtMs, lease.filter, lease.holderId)); // stale entry
            continue;
          }
          if (unregisterIn(context, lease.filter, lease.holderId)) emptied.push(lease.filter);
        }
        return emptied;
      });
    },

    filters() {
      return filters.getRange().map(({ value }) => (value as FilterRecord).filter);
    },

    holderCount(filter) {
      return (filters.get(filterKey(filter)) as FilterRecord | undefined)?.holderCount ?? 0;
    },

    holders(filter) {
      const prefix = stringPart(filter);
      return Array.from(holders.getRange({ start: prefix, end: prefixEnd(prefix) }), ({ value }) => {
        const { holderId, leaseExpiresAtMs } = value as HolderRecord;
        return leaseExpiresAtMs === 0 ? { holderId } : { holderId, leaseExpiresAtMs };
      });
    },

    nextLeaseExpiry() {
      for (const key of leases.getKeys({ limit: 1 })) return readTimePart(key);
      return undefined;
    },

    leaseFreeHolds({ after, maxHolders, include }) {
      const registeredUpTo = (database.meta.get(META_LAST_HOLD_SEQ) as number | undefined) ?? 0;
      const page: Array<{ holderId: string; filters: string[] }> = [];
      let current: { holderId: string; filters: string[] } | undefined = undefined;
      let lastHolder: string | undefined = undefined;
      let lastKey: Buffer | undefined = undefined;
      let included = false;
      let seen = 0;
      for (const { key, value } of holdings.getRange(after === undefined ? {} : { start: after })) {
        const k = Buffer.from(key);
        if (after !== undefined && k.equals(after)) continue;
        const { holderId, filter } = value as HoldingRecord;
        if (holderId !== lastHolder) {
          // Pages end between holders: a holder's holds are looked at together.
          if (seen === maxHolders && lastKey !== undefined)
            return { holders: page, next: lastKey, registeredUpTo };
          seen += 1;
          lastHolder = holderId;
          included = include(holderId);
          current = undefined;
        }
        lastKey = k;
        if (!included) continue;
        const hold = holders.get(holderKey(filter, holderId)) as HolderRecord | undefined;
        if (hold === undefined || hold.leaseExpiresAtMs !== 0) continue;
        if (current === undefined) {
          current = { holderId, filters: [] };
          page.push(current);
        }
        current.filters.push(filter);
      }
      return { holders: page, registeredUpTo };
    },

    dropHoldsRegisteredUpTo(drops, registeredUpTo) {
      return writer.write((context) => {
        let dropped = 0;
        for (const { filter, holderId } of drops) {
          const hold = holders.get(holderKey(filter, holderId)) as HolderRecord | undefined;
          if (hold === undefined || hold.leaseExpiresAtMs !== 0 || (hold.seq ?? 0) > registeredUpTo) continue;
          unregisterIn(context, filter, holderId);
          dropped += 1;
        }
        return dropped;
      });
    },
  };

  return { registry, ops: { registerIn, unregisterIn } };
}
