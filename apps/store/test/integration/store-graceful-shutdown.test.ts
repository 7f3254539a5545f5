import {
  makeTempDir,
  startServiceProcess,
  type ProcessHandle,
  type ServicePorts,
} from '@starling/test-harness';
import { call, connectStore } from '../support/grpc-clients';

const WORKERS = 16;
/** Bounded load: the SIGTERM lands once this many messages are acknowledged (or after LOAD_MS). */
const ACKED_BEFORE_SIGTERM = 2_000;
const LOAD_MS = 8_000;

async function metric(opsPort: number, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

/**
 * SIGTERM to a store process under append load (real process, real signal): it stops serving, lets appends in
 * flight finish, flushes and leaves the clean-shutdown marker, and exits 0. The next start on the same data
 * directory finds the marker (no crash recovery) and every append it acknowledged is readable.
 */
describe('store graceful shutdown (SIGTERM under append load, restart, verify)', () => {
  const dir = makeTempDir('store-sigterm');
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
    STORE_SEGMENT_BYTES: '256KiB',
    LOG_LEVEL: 'info', // the harness waits for the `listening` line
  };

  it('exits 0, restarts clean (no recovery) and loses no acknowledged append', async () => {
    proc = await startServiceProcess('store', { env });
    const clients = connectStore(`127.0.0.1:${proc.ready['grpc']}`);
    const acked = new Set<string>();
    let refused = 0;
    let stop = false;
    const worker = async (w: number): Promise<void> => {
      for (let seq = 0; !stop; seq++) {
        const payloads = [0, 1, 2].map((i) => `w${w}-${seq}-${i}`);
        try {
          await call(
            clients.store,
            clients.store.appendMessages,
            { messages: payloads.map((p) => ({ topic: `drain/${w}`, payload: Buffer.from(p), qos: 1 })) },
            { deadlineMs: 5_000 },
          );
          payloads.forEach((p) => acked.add(p));
        } catch {
          refused += 1; // shutting down: never acknowledged, so nothing is owed
          return;
        }
      }
    };
    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
    const deadline = Date.now() + LOAD_MS;
    while (acked.size < ACKED_BEFORE_SIGTERM && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    const ackedAtSignal = acked.size;
    const started = Date.now();
    const exit = await proc.stop(20_000); // SIGTERM, SIGKILL only if it hangs
    const shutdownMs = Date.now() - started;
    stop = true;
    await Promise.all(workers);
    clients.close();
    const firstRun = proc.lines.join('\n');

    expect(ackedAtSignal).toBeGreaterThan(300);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(firstRun).toMatch(/"msg":"store closed cleanly"/);

    proc = await startServiceProcess('store', { env });
    const recovered = proc.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['msg'] === 'store recovered');
    expect(recovered).toMatchObject({ clean: true, truncatedBytes: 0 });
    expect(await metric(proc.ready['ops']!, 'starling_store_last_start_unclean')).toBe(0);

    const again = connectStore(`127.0.0.1:${proc.ready['grpc']}`);
    try {
      const seen = new Set<string>();
      // One first-level topic queue ('drain') holds every worker's messages.
      let from = 0;
      for (;;) {
        const r = await call(again.store, again.store.pullMessages, {
          queue: { kind: 'QUEUE_KIND_TOPIC', name: 'drain' },
          fromOffset: from,
          maxMessages: 1000,
        });
        r.messages.forEach((m) => seen.add(m.payload.toString()));
        if (r.nextOffset >= r.endOffset) break;
        from = r.nextOffset;
      }
      const missing = [...acked].filter((p) => !seen.has(p));
      console.info(
        `store SIGTERM: ${ackedAtSignal} acked at the signal, ${acked.size} in total, ${refused} appends refused ` +
          `while stopping, shutdown took ${shutdownMs} ms, ${seen.size} readable after restart, missing ${missing.length}`,
      );
      expect(missing.slice(0, 10)).toEqual([]);
    } finally {
      again.close();
    }
  }, 60_000);
});
