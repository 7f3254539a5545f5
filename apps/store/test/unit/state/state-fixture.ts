import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateStore, type StateStore } from '../../../src/state';

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
  reopen(): Promise<void>;
}

export function useStateFixture(): () => StateFixture {
  let current: StateFixture | undefined;

  beforeEach(() => {
    const dir = mkdtempSync(join(tmpdir(), 'starling-state-'));
    const endOffsets = new Map<string, number>();
    const hookLog: string[] = [];
    const open = (): StateStore =>
      openStateStore({
        dir,
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
      async reopen() {
        await fixture.store.close();
        fixture.store = open();
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
