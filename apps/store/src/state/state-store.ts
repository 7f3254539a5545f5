import { createFilterRegistry, holdsAnyFilter, type FilterRegistry } from './filter-registry';
import { createOffsetStore, type OffsetStore } from './offset-store';
import { createRetainedStore, type RetainedStore } from './retained-store';
import { readSession, sessionKey } from './session-record';
import { openStateDatabase, SCHEMA_VERSION } from './state-database';
import { upgradeLayout } from './state-upgrade';
import { createStateWriter } from './state-writer';
import { createSessionStore, type SessionStore } from './session-store';
import { createOwnerStore, type OwnerStore } from './owner-store';

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
  /** Whether this shard is the client id's home shard, where its session lives (default: one shard, always). */
  readonly isHomeShard?: (clientId: string) => boolean;
}

/** The durable state of one store shard: filter registry, sessions, offsets, retained messages. */
export interface StateStore {
  readonly filters: FilterRegistry;
  readonly sessions: SessionStore;
  readonly offsets: OffsetStore;
  readonly retained: RetainedStore;
  /** Session owners' leases (ADR 0013). */
  readonly owners: OwnerStore;
  /** Waits for outstanding writes, then closes the environment. */
  close(): Promise<void>;
}

export function openStateStore(options: StateStoreOptions): StateStore {
  const now = options.now ?? Date.now;
  const { queueEndOffset } = options;
  const isHomeShard = options.isHomeShard ?? (() => true);
  const database = openStateDatabase(options.dir);
  if (database.layoutVersion < SCHEMA_VERSION) upgradeLayout(database, database.layoutVersion);
  const writer = createStateWriter(database.env, {
    ...(options.onFilterAdded === undefined ? {} : { onFilterAdded: options.onFilterAdded }),
    ...(options.onFilterRemoved === undefined ? {} : { onFilterRemoved: options.onFilterRemoved }),
  });
  const { store: offsets, ops: offsetOps } = createOffsetStore({ database, writer, isHomeShard });

  /**
   * What a session whose home is another shard keeps here lives only as long as its holds: a released hold
   * takes the client's offset in that filter's queue along, and the last one its seen epoch and every other
   * offset. Whichever way a hold goes (UnregisterFilter, a lapsed lease, the sweep of expired sessions), no
   * per-client record outlives it. A session stored here keeps its own offsets (the session store).
   */
  function releaseHoldStateIn(holderId: string, filter: string): void {
    if (readSession(database, holderId) !== undefined) return;
    const consumer = { kind: 'session', id: holderId } as const;
    offsetOps.deleteIn(consumer, { kind: 'filter', name: filter });
    if (holdsAnyFilter(database, holderId)) return;
    offsetOps.deleteAllIn(consumer);
    database.epochs.removeSync(sessionKey(holderId));
  }

  const { registry, ops: filterOps } = createFilterRegistry({
    database,
    writer,
    now,
    queueEndOffset,
    onHoldRemovedIn: releaseHoldStateIn,
  });
  const sessions = createSessionStore({ database, writer, now, queueEndOffset, filterOps, offsetOps });
  const retained = createRetainedStore({ database, writer, now });
  return {
    filters: registry,
    sessions,
    offsets,
    retained,
    owners: createOwnerStore({ database, writer }),
    close: () => database.env.close(),
  };
}
