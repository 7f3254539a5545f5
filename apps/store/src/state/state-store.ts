import { createFilterRegistry, type FilterRegistry } from './filter-registry';
import { createOffsetStore, type OffsetStore } from './offset-store';
import { createRetainedStore, type RetainedStore } from './retained-store';
import { openStateDatabase } from './state-database';
import { createStateWriter } from './state-writer';
import { createSessionStore, type SessionStore } from './session-store';

export interface StateStoreOptions {
  /** Directory of the LMDB environment (created when missing). */
  readonly dir: string;
  /** Clock in ms since the epoch, the default `nowMs` of every call that takes one. */
  readonly now?: () => number;
  /**
   * The end offset of a filter's queue on this shard (the offset the next dispatched entry will
   * get). Called synchronously inside write transactions: a new subscription starts there.
   */
  readonly queueEndOffset: (filter: string) => number;
  /** A filter gained its first holder (after the change is durable, in commit order). */
  readonly onFilterAdded?: (filter: string) => void;
  /** A filter lost its last holder (after the change is durable, in commit order). */
  readonly onFilterRemoved?: (filter: string) => void;
}

/** The durable state of one store shard: filter registry, sessions, offsets, retained messages. */
export interface StateStore {
  readonly filters: FilterRegistry;
  readonly sessions: SessionStore;
  readonly offsets: OffsetStore;
  readonly retained: RetainedStore;
  /** Waits for outstanding writes, then closes the environment. */
  close(): Promise<void>;
}

export function openStateStore(options: StateStoreOptions): StateStore {
  const now = options.now ?? Date.now;
  const { queueEndOffset } = options;
  const database = openStateDatabase(options.dir);
  const writer = createStateWriter(database.env, {
    ...(options.onFilterAdded === undefined ? {} : { onFilterAdded: options.onFilterAdded }),
    ...(options.onFilterRemoved === undefined ? {} : { onFilterRemoved: options.onFilterRemoved }),
  });
  const { registry, ops: filterOps } = createFilterRegistry({ database, writer, now, queueEndOffset });
  const { store: offsets, ops: offsetOps } = createOffsetStore({ database, writer });
  const sessions = createSessionStore({ database, writer, now, queueEndOffset, filterOps, offsetOps });
  const retained = createRetainedStore({ database, writer, now });
  return {
    filters: registry,
    sessions,
    offsets,
    retained,
    close: () => database.env.close(),
  };
}
