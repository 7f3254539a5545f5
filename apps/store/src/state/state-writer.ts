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
 */
export function createStateWriter(env: RootDatabase, hooks: FilterHooks): StateWriter {
  let nextSequence = 0;
  let nextToDeliver = 0;
  const settled = new Map<number, ReadonlyMap<string, FilterChange>>();

  function settle(sequence: number, changes: ReadonlyMap<string, FilterChange>): void {
    settled.set(sequence, changes);
    for (let ready = settled.get(nextToDeliver); ready !== undefined; ready = settled.get(nextToDeliver)) {
      settled.delete(nextToDeliver);
      nextToDeliver += 1;
      for (const [filter, change] of ready) {
        if (change === 'added') hooks.onFilterAdded?.(filter);
        else hooks.onFilterRemoved?.(filter);
      }
    }
  }

  return {
    async write<T>(body: (context: WriteContext) => T): Promise<T> {
      let sequence = -1;
      let changes = new Map<string, FilterChange>();
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
          return body(context);
        });
        settle(sequence, changes);
        return result;
      } catch (error) {
        // Aborted (the body threw) or the commit failed: nothing changed, nothing to announce.
        if (sequence >= 0) settle(sequence, new Map());
        throw error;
      }
    },
  };
}
