import type { PullMessagesResponseOutput } from '@starling/proto';
import {
  makeTempDir,
  startServiceProcess,
  type ProcessHandle,
  type ServicePorts,
} from '@starling/test-harness';
import { call, connectStore } from '../support/grpc-clients';

/**
 * Nothing acknowledged is ever lost: a real store process (`apps/store/dist/main.js`, fsync=sync) is killed
 * with SIGKILL while 32 concurrent appenders are mid-flight, restarted on the same data directory, and every
 * append it had acknowledged must be readable — exactly once in its first-level topic queue and exactly once in
 * the registered filter queue that matches it. Index entries are readable before LMDB commits them (ADR 0012),
 * so readers pull during the load, and every offset they read must name the same message after the restart —
 * in a filter registered before the load and in one registered in the middle of it.
 */
describe('store crash (SIGKILL mid-load, restart, verify)', () => {
  const dir = makeTempDir('store-crash');
  let proc: ProcessHandle<ServicePorts> | undefined;
  afterAll(async () => {
    await proc?.kill('SIGKILL');
    dir.remove();
  });

  const env = {
    STORE_DATA_DIR: dir.path,
    STORE_GRPC_HOST: '127.0.0.1',
    STORE_GRPC_PORT: '0',
    STORE_OPS_PORT: '0',
    STORE_FSYNC: 'sync',
    // Small segments so the load rolls several of them and recovery sees more than one file.
    STORE_SEGMENT_BYTES: '256KiB',
    LOG_LEVEL: 'info', // the harness waits for the `listening` line
  };

  async function readAll(
    clients: ReturnType<typeof connectStore>,
    kind: 'QUEUE_KIND_TOPIC' | 'QUEUE_KIND_FILTER',
    name: string,
  ) {
    const out: PullMessagesResponseOutput['messages'] = [];
    let from = 0;
    for (;;) {
      const r = await call(clients.store, clients.store.pullMessages, {
        queue: { kind, name },
        fromOffset: from,
        maxMessages: 1000,
      });
      out.push(...r.messages);
      if (r.nextOffset >= r.endOffset) return out;
      from = r.nextOffset;
    }
  }

  it('every acknowledged append survives, once in each of its queues', async () => {
    proc = await startServiceProcess('store', { env });
    let clients = connectStore(`127.0.0.1:${proc.ready['grpc']}`);
    await call(clients.store, clients.store.registerFilter, { filter: 'load/+/x', holderId: 'crash-test' });

    const acked = new Map<string, number>(); // payload -> position
    let stop = false;
    let killedAt = 0;
    const worker = async (w: number): Promise<void> => {
      for (let seq = 0; !stop; seq++) {
        const size = 1 + (seq % 4);
        const payloads = Array.from({ length: size }, (_, i) => `w${w}-${seq}-${i}`);
        try {
          const res = await call(clients.store, clients.store.appendMessages, {
            messages: payloads.map((p) => ({ topic: `load/${w}/x`, payload: Buffer.from(p), qos: 1 })),
          });
          payloads.forEach((p, i) => acked.set(p, res.positions[i]!));
        } catch {
          return; // the process is gone: this batch was never acknowledged
        }
      }
    };
    /** What readers saw before the crash, per queue: offset -> position. */
    const seenBefore = new Map<string, Map<number, number>>();
    const reader = async (kind: 'QUEUE_KIND_TOPIC' | 'QUEUE_KIND_FILTER', name: string, from: number) => {
      const seen = new Map<number, number>();
      seenBefore.set(name, seen);
      while (!stop) {
        try {
          const r = await call(clients.store, clients.store.pullMessages, {
            queue: { kind, name },
            fromOffset: from,
            maxMessages: 200,
          });
          for (const m of r.messages) seen.set(m.offset, m.position);
          from = r.nextOffset;
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    const workers = Array.from({ length: 32 }, (_, w) => worker(w));
    const readers = [reader('QUEUE_KIND_TOPIC', 'load', 0), reader('QUEUE_KIND_FILTER', 'load/+/x', 0)];
    // A filter registered mid-load starts at its end offset; its offsets must survive too.
    const lateBy = Date.now() + 10_000;
    while (acked.size < 1000 && Date.now() < lateBy) await new Promise((r) => setTimeout(r, 5));
    const late = await call(clients.store, clients.store.registerFilter, {
      filter: 'load/1/#',
      holderId: 'crash-test',
    });
    readers.push(reader('QUEUE_KIND_FILTER', 'load/1/#', Number(late.endOffset)));
    // Kill once a good amount is acknowledged (bounded in time either way).
    const deadline = Date.now() + 10_000;
    while (acked.size < 3000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    killedAt = acked.size;
    await proc.kill('SIGKILL');
    stop = true;
    await Promise.all([...workers, ...readers]);
    clients.close();
    expect(killedAt).toBeGreaterThan(500);
    expect(seenBefore.get('load/1/#')!.size).toBeGreaterThan(0);

    proc = await startServiceProcess('store', { env });
    expect(proc.lines.join('\n')).toMatch(/"clean":false/);
    clients = connectStore(`127.0.0.1:${proc.ready['grpc']}`);
    try {
      const topicQueue = await readAll(clients, 'QUEUE_KIND_TOPIC', 'load');
      const filterQueue = await readAll(clients, 'QUEUE_KIND_FILTER', 'load/+/x');
      for (const [name, queue] of [
        ['topic', topicQueue],
        ['filter', filterQueue],
      ] as const) {
        const seen = new Map<string, number>();
        for (const m of queue) {
          const p = m.payload.toString();
          seen.set(p, (seen.get(p) ?? 0) + 1);
        }
        const missing = [...acked.keys()].filter((p) => !seen.has(p));
        const duplicated = [...seen.entries()].filter(([, n]) => n > 1).map(([p]) => p);
        expect({ queue: name, missing: missing.slice(0, 5), duplicated: duplicated.slice(0, 5) }).toEqual({
          queue: name,
          missing: [],
          duplicated: [],
        });
        // Offsets are dense and in position order: the index was rebuilt without gaps.
        queue.forEach((m, i) => expect(m.offset).toBe(i));
        for (let i = 1; i < queue.length; i++)
          expect(queue[i]!.position).toBeGreaterThan(queue[i - 1]!.position);
      }
      for (const m of topicQueue) {
        const p = m.payload.toString();
        if (acked.has(p)) expect(m.position).toBe(acked.get(p));
      }
      // Every offset a reader saw before the crash names the same record after it.
      const lateQueue = await readAll(clients, 'QUEUE_KIND_FILTER', 'load/1/#');
      for (const [name, queue] of [
        ['load', topicQueue],
        ['load/+/x', filterQueue],
        ['load/1/#', lateQueue],
      ] as const) {
        const after = new Map(queue.map((m) => [m.offset, m.position]));
        const moved = [...seenBefore.get(name)!].filter(
          ([offset, position]) => after.get(offset) !== position,
        );
        expect({ queue: name, moved: moved.slice(0, 5) }).toEqual({ queue: name, moved: [] });
      }
    } finally {
      clients.close();
    }
    await proc.stop();
  }, 60_000);
});
