import { type RootDatabase } from 'lmdb';

/** Hooks told when the set of registered filters changes (the dispatcher's in-memory matcher). */
export interface FilterHooks {
  readonly onFilterAdded?: (filter: string) => void;
  readonly onFilterRemoved?: (filter: string) => void;
}

/** What a write transaction can do besides reading and writing LMDB. */
export interface WriteContext {
  /** The filter gained its first holder in this transaction. */
  filterAdded(filter: string): void;
  /** The filter lost its last holder in this transaction. */
  filterRemoved(filter: string): void;
}

export interface StateWriter {
  /**
   * Runs `body` atomically in a write transaction and resolves with its result once the
   * transaction is durable. `body` runs synchronously on the main thread while LMDB's write lock
   * is held, so it may read, check and write (fencing, reference counts) without races. It must
   * not be async.
   */
  write<T>(body: (context: WriteContext) => T): Promise<T>;
}

type FilterChange = 'added' | 'removed';

/**
 * Why `childTransaction` and not `transaction`: lmdb-js runs every queued callback of one event
 * turn inside one LMDB transaction (group commit: one fsync for all of them). A plain
 * `transaction` callback that throws halfway leaves its earlier writes in that shared
 * transaction; a child transaction is aborted on throw, so each call is all or nothing while
 * still sharing the parent's commit.
 *
 * Filter hooks run after the commit, in commit order, with each transaction's changes
 * coalesced (removing and re-adding a filter in one update is no change at all), so the
 * dispatcher never starts or stops dispatching on a registration that a crash could take back.
 *
 * One more coalescing, across transactions: transaction A removes a filter's last holder and a
 * later B adds one back before A's removal was announced (B ran while A was committing, or in
 * the same batch). B has already read `queueEndOffset(filter)` from the existing queue, so
 * announcing A's removal (upon which the queue module may drop the queue and restart its
 * offsets) would leave B's subscription pointing past the end. So a removal is not announced
 * while a later transaction's addition of the same filter is in flight, and that addition is
 * then not announced either: the filter simply stays.
 */
export function createStateWriter(env: RootDatabase, hooks: FilterHooks): StateWriter {
  let nextSequence = 0;
  let nextToDeliver = 0;
  const settled = new Map<number, ReadonlyMap<string, FilterChange>>();
  /** Additions run by transactions whose changes are not announced yet. */
  const additionsInFlight = new Map<string, number>();
  /** Removals left unannounced because an addition was in flight; that addition is skipped too. */
  const suppressedRemovals = new Map<string, number>();

  const increment = (counts: Map<string, number>, filter: string): void => {
    counts.set(filter, (counts.get(filter) ?? 0) + 1);
  };
  const decrement = (counts: Map<string, number>, filter: string): boolean => {
    const count = counts.get(filter) ?? 0;
    if (count === 0) return false;
    if (count === 1) counts.delete(filter);
    else counts.set(filter, count - 1);
    return true;
  };

  function announce(filter: string, change: FilterChange): void {
    if (change === 'added') {
      decrement(additionsInFlight, filter);
      if (!decrement(suppressedRemovals, filter)) hooks.onFilterAdded?.(filter);
    } else if (additionsInFlight.has(filter)) {
      increment(suppressedRemovals, filter);
    } else {
      hooks.onFilterRemoved?.(filter);
    }
  }

  /** `counted`: the body finished, so its additions were counted as in flight. */
  function settle(
    sequence: number,
    changes: ReadonlyMap<string, FilterChange>,
    committed: boolean,
    counted: boolean,
  ): void {
    settled.set(sequence, committed ? changes : new Map());
    if (!committed && counted) {
      for (const [filter, change] of changes) if (change === 'added') decrement(additionsInFlight, filter);
    }
    for (let ready = settled.get(nextToDeliver); ready !== undefined; ready = settled.get(nextToDeliver)) {
      settled.delete(nextToDeliver);
      nextToDeliver += 1;
      for (const [filter, change] of ready) announce(filter, change);
    }
  }

  return {
    async write<T>(body: (context: WriteContext) => T): Promise<T> {
      let sequence = -1;
      let changes = new Map<string, FilterChange>();
      let counted = false;
      try {
        const result = await env.childTransaction(() => {
          // Callbacks run in the order they were queued, which is commit order.
          sequence = nextSequence++;
          changes = new Map();
          const context: WriteContext = {
            filterAdded(filter) {
              if (changes.get(filter) === 'removed') changes.delete(filter);
              else changes.set(filter, 'added');
            },
            filterRemoved(filter) {
              if (changes.get(filter) === 'added') changes.delete(filter);
              else changes.set(filter, 'removed');
            },
          };
          const result = body(context);
          for (const [filter, change] of changes)
            if (change === 'added') increment(additionsInFlight, filter);
          counted = true;
          return result;
        });
        settle(sequence, changes, true, counted);
        return result;
      } catch (error) {
        // Aborted (the body threw) or the commit failed: nothing changed, nothing to announce.
        if (sequence >= 0) settle(sequence, changes, false, counted);
        throw error;
      }
    },
  };
}
