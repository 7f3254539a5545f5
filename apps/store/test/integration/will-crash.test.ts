import { join } from 'node:path';
import { makeTempDir, startProcess } from '@starling/test-harness';
import { startTestStore, type TestStore } from '../support/start-store';

/**
 * A will is published at least once: a real store process (test/fixtures/will-crash-child.js, from `dist/`)
 * is SIGKILLed right after a due will's append is durable and before the will leaves the state. The store
 * that opens the data dir next still holds the will and publishes it again; in the normal path (no crash)
 * it is published exactly once (store-sessions-messaging.test.ts).
 */
describe('will crash (SIGKILL between append and removal)', () => {
  const dir = makeTempDir('will-crash');
  let store: TestStore | undefined;
  afterAll(async () => {
    await store?.stop();
    dir.remove();
  });

  const willsIn = async (s: TestStore): Promise<string[]> => {
    await s.server.store.dispatched();
    const r = await s.server.store.pull({
      queue: { kind: 'topic', name: 'wills' },
      fromOffset: 0,
      maxMessages: 100,
      maxBytes: 1024 * 1024,
      waitMs: 0,
    });
    return r.status === 'ok'
      ? r.messages.map((m) => `${m.topic} ${m.payload.toString()} ${m.publisherClientId}`)
      : [];
  };

  it('the will survives the crash and is published after the restart', async () => {
    const child = await startProcess({
      name: 'will-crash-child',
      command: process.execPath,
      args: [join(__dirname, '../fixtures/will-crash-child.js'), dir.path],
      readyWhen: (line) => line.startsWith('will appended') || undefined,
    });
    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(child.lines).toContain('will pending');

    store = await startTestStore({ STORE_FSYNC: 'sync' }, dir);
    // The will's append was durable before the crash, and the will was not removed: the restarted store
    // publishes it again (its timer or this call, whichever runs first; runs never overlap).
    await store.server.store.runHousekeeping();
    expect(store.server.store.state.sessions.pendingWill('dev-1')).toBeUndefined();
    // At least once: a duplicate, never a loss.
    expect(await willsIn(store)).toEqual(['wills/dev-1 gone dev-1', 'wills/dev-1 gone dev-1']);
    await store.server.store.runHousekeeping();
    expect(await willsIn(store)).toHaveLength(2);
  });
});
