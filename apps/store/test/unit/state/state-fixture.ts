import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateStore, type StateStore } from '../../../src/state';
import { openStateDatabase } from '../../../src/state/state-database';

/** Per-client and per-filter record counts of the state's databases. */
export interface RecordCounts {
  sessions: number;
  epochs: number;
  wills: number;
  deadlines: number;
  offsets: number;
  holders: number;
  holdings: number;
  filters: number;
}

/**
 * A state store on a real LMDB environment in a fresh temp directory, with a controllable clock,
 * queue end offsets set by the test, and a log of filter hooks. `reopen()` closes and opens the
 * same directory (restart); cleanup is registered with `afterEach` by `useStateFixture`.
 */
export interface StateFixture {
  readonly dir: string;
  store: StateStore;
  /** The clock the store reads. */
  nowMs: number;
  /** `queueEndOffset` answers from here (0 when absent). */
  readonly endOffsets: Map<string, number>;
  /** Hook calls in order: '+filter' / '-filter'. */
  readonly hookLog: string[];
  /** Client ids whose home is another shard (every other client id lives here). */
  readonly remoteClients: Set<string>;
  reopen(): Promise<void>;
  /** Closes the store, counts the records of every database, and opens the store again. */
  recordCounts(): Promise<RecordCounts>;
}

export function useStateFixture(): () => StateFixture {
  let current: StateFixture | undefined;

  beforeEach(() => {
    const dir = mkdtempSync(join(tmpdir(), 'starling-state-'));
    const endOffsets = new Map<string, number>();
    const hookLog: string[] = [];
    const remoteClients = new Set<string>();
    const open = (): StateStore =>
      openStateStore({
        dir,
        isHomeShard: (clientId) => !remoteClients.has(clientId),
        now: () => fixture.nowMs,
        queueEndOffset: (filter) => endOffsets.get(filter) ?? 0,
        onFilterAdded: (filter) => hookLog.push(`+${filter}`),
        onFilterRemoved: (filter) => hookLog.push(`-${filter}`),
      });
    const fixture: StateFixture = {
      dir,
      store: undefined as unknown as StateStore,
      nowMs: 1_700_000_000_000,
      endOffsets,
      hookLog,
      remoteClients,
      async reopen() {
        await fixture.store.close();
        fixture.store = open();
      },
      async recordCounts() {
        await fixture.store.close();
        const database = openStateDatabase(dir);
        const counts: RecordCounts = {
          sessions: database.sessions.getCount(),
          epochs: database.epochs.getCount(),
          wills: database.wills.getCount(),
          deadlines: database.deadlines.getCount(),
          offsets: database.offsets.getCount(),
          holders: database.holders.getCount(),
          holdings: database.holdings.getCount(),
          filters: database.filters.getCount(),
        };
        await database.env.close();
        fixture.store = open();
        return counts;
      },
    };
    fixture.store = open();
    current = fixture;
  });

  afterEach(async () => {
    if (current === undefined) return;
    await current.store.close();
    rmSync(current.dir, { recursive: true, force: true });
    current = undefined;
  });

  return () => {
    if (current === undefined) throw new Error('state fixture used outside a test');
    return current;
  };
}
