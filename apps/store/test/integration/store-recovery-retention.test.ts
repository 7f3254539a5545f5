import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, makeTempDir } from '@starling/test-harness';
import { call } from '../support/grpc-clients';
import { startTestStore, type TestStore } from '../support/start-store';

async function pullAll(s: TestStore, kind: 'QUEUE_KIND_TOPIC' | 'QUEUE_KIND_FILTER', name: string, from = 0) {
  return call(s.clients.store, s.clients.store.pullMessages, {
    queue: { kind, name },
    fromOffset: from,
    maxMessages: 100_000,
  });
}

async function appendN(s: TestStore, topic: string, n: number, payloadBytes = 100): Promise<void> {
  for (let i = 0; i < n; i += 100) {
    const count = Math.min(100, n - i);
    await call(s.clients.store, s.clients.store.appendMessages, {
      messages: Array.from({ length: count }, (_, k) => ({
        topic,
        payload: Buffer.alloc(payloadBytes, String((i + k) % 10)),
        qos: 1,
      })),
    });
  }
  await s.server.store.dispatched();
}

describe('store recovery', () => {
  let s: TestStore | undefined;
  afterEach(async () => {
    await s?.stop({ removeData: true });
    s = undefined;
  });

  it('a clean restart keeps queues, filters, sessions and retained messages, and needs no replay', async () => {
    s = await startTestStore();
    await call(s.clients.store, s.clients.store.registerFilter, { filter: 'r/#', holderId: 'h' });
    await call(s.clients.store, s.clients.store.appendMessages, {
      messages: [
        { topic: 'r/1', payload: Buffer.from('one'), qos: 1 },
        { topic: 'r/2', payload: Buffer.from('kept'), qos: 1, retain: true },
      ],
    });
    const opened = await call(s.clients.store, s.clients.store.openSession, {
      clientId: 'c1',
      ownerId: 'gw',
      sessionExpiryIntervalSeconds: 3600,
    });
    await s.server.store.dispatched();
    s = await s.restart();
    expect(s.server.store.recoveryReport).toMatchObject({
      clean: true,
      truncatedBytes: 0,
      replayedRecords: 0,
    });
    expect((await pullAll(s, 'QUEUE_KIND_TOPIC', 'r')).messages.map((m) => m.payload.toString())).toEqual([
      'one',
      'kept',
    ]);
    expect((await pullAll(s, 'QUEUE_KIND_FILTER', 'r/#')).messages).toHaveLength(2);
    const retained = await call(s.clients.store, s.clients.store.matchRetained, { filter: 'r/+' });
    expect(retained.messages.map((m) => [m.topic, m.payload.toString()])).toEqual([['r/2', 'kept']]);
    const session = await call(s.clients.store, s.clients.store.getSession, { clientId: 'c1' });
    expect(session).toMatchObject({ found: true, session: { epoch: opened.epoch, ownerId: 'gw' } });
  });

  it('rebuilds a missing index from the commitlog, with the same offsets', async () => {
    s = await startTestStore();
    await call(s.clients.store, s.clients.store.registerFilter, { filter: 'idx/+', holderId: 'h' });
    await appendN(s, 'idx/a', 250);
    const before = await pullAll(s, 'QUEUE_KIND_FILTER', 'idx/+');
    const dir = s.dir;
    await s.stop();
    rmSync(join(dir.path, 'index'), { recursive: true, force: true });
    s = await startTestStore({}, dir);
    expect(s.server.store.recoveryReport.replayedRecords).toBe(250);
    const after = await pullAll(s, 'QUEUE_KIND_FILTER', 'idx/+');
    expect(after.messages.map((m) => [m.offset, m.position])).toEqual(
      before.messages.map((m) => [m.offset, m.position]),
    );
    expect((await pullAll(s, 'QUEUE_KIND_TOPIC', 'idx')).endOffset).toBe(250);
  });

  it('reports readiness only after recovery, through the process metrics', async () => {
    s = await startTestStore();
    const text = await s.registry.metrics();
    expect(text).toMatch(/starling_store_recovery_duration_seconds \d/);
    expect(text).toMatch(/starling_store_last_start_unclean 0/); // a brand-new directory has nothing to recover
    expect(s.server.isReady()).toBe(true);
  });
});

describe('store retention', () => {
  let s: TestStore | undefined;
  afterEach(async () => {
    await s?.stop({ removeData: true });
    s = undefined;
  });

  it('deletes whole segments past the age limit; a pull below the low offset starts there and says so', async () => {
    s = await startTestStore({
      STORE_SEGMENT_BYTES: '64KiB',
      STORE_RETENTION_MAX_AGE: '1h',
      STORE_RETENTION_CHECK_INTERVAL: '1h',
    });
    await appendN(s, 'old/x', 2000, 100); // ~260 KiB: several 64 KiB segments
    const segmentsBefore = s.server.store.commitlog.segments().length;
    expect(segmentsBefore).toBeGreaterThan(3);
    const result = await s.server.store.applyRetention(Date.now() + 2 * 3_600_000);
    expect(result.deletedSegments).toBe(segmentsBefore - 1); // never the active one
    const r = await pullAll(s, 'QUEUE_KIND_TOPIC', 'old', 0);
    expect(r.resetToLowOffset).toBe(true);
    expect(r.lowOffset).toBeGreaterThan(0);
    expect(r.messages[0]!.offset).toBe(r.lowOffset);
    expect(r.endOffset).toBe(2000);
    expect(
      await s.registry.getSingleMetricAsString('starling_store_retention_deleted_segments_total'),
    ).toMatch(new RegExp(`_total ${segmentsBefore - 1}`));
    // Nothing within the limit is touched.
    const again = await s.server.store.applyRetention(Date.now());
    expect(again.deletedSegments).toBe(0);
  });

  it('answers a pull between segment deletion and index trim with the raised low offset', async () => {
    s = await startTestStore({ STORE_SEGMENT_BYTES: '64KiB' });
    await appendN(s, 'w/x', 1500, 100);
    // The commitlog's half of retention only: the index still has entries for the deleted segments.
    const segments = s.server.store.commitlog.segments();
    const cut = segments[1]!.basePosition; // the first segment's 500 records go
    await s.server.store.commitlog.deleteSegmentsBefore(cut);
    const r = await call(s.clients.store, s.clients.store.pullMessages, {
      queue: { kind: 'QUEUE_KIND_TOPIC', name: 'w' },
      fromOffset: 0,
      maxMessages: 1500,
    });
    expect(r.resetToLowOffset).toBe(true);
    expect(r.messages.length).toBeGreaterThan(0);
    expect(r.messages[0]!.position).toBe(cut);
    // Every offset below the first message is reported as gone: a reader counts exactly those as dropped.
    expect(r.lowOffset).toBe(r.messages[0]!.offset);
    expect(r.lowOffset).toBe(500);
    expect(r.nextOffset).toBe(1000); // a pull takes at most STORE_PULL_MAX_MESSAGES entries, gone ones included
    // Wholly below the log: nothing to return, and the low offset moves past all of it.
    await s.server.store.commitlog.deleteSegmentsBefore(segments[2]!.basePosition);
    const gone = await call(s.clients.store, s.clients.store.pullMessages, {
      queue: { kind: 'QUEUE_KIND_TOPIC', name: 'w' },
      fromOffset: 600,
      maxMessages: 300,
    });
    expect(gone).toMatchObject({ messages: [], lowOffset: 900, nextOffset: 900, resetToLowOffset: true });
  });

  it('deletes the oldest segments past the byte budget, keeping the newest data readable', async () => {
    s = await startTestStore({ STORE_SEGMENT_BYTES: '64KiB', STORE_RETENTION_MAX_BYTES: '150KiB' });
    await appendN(s, 'b/x', 3000, 100);
    await s.server.store.applyRetention();
    const onDisk = s.server.store.commitlog.segments().reduce((sum, seg) => sum + seg.sizeBytes, 0);
    expect(onDisk).toBeLessThanOrEqual(150 * 1024);
    const r = await pullAll(s, 'QUEUE_KIND_TOPIC', 'b', 0);
    expect(r.messages[r.messages.length - 1]!.offset).toBe(2999);
    expect(r.messages.length).toBe(3000 - r.lowOffset);
  });
});

describe('data directory', () => {
  it('lays out commitlog, index and state under STORE_DATA_DIR, locked by store.lock while open', async () => {
    const dir = makeTempDir();
    const s = await startTestStore({}, dir);
    try {
      const { readdirSync } = await import('node:fs');
      await eventually(() =>
        expect(readdirSync(dir.path).sort()).toEqual(['commitlog', 'index', 'state', 'store.lock']),
      );
    } finally {
      await s.stop({ removeData: true });
    }
  });
});
