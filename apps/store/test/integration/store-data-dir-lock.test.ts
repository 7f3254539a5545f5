import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  makeTempDir,
  startServiceProcess,
  type ProcessHandle,
  type ServicePorts,
} from '@starling/test-harness';
import { call, connectStore } from '../support/grpc-clients';

/** Every file under `dir` with its size and modification time: "untouched" means this stays equal. */
function snapshot(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const s = statSync(path);
    if (s.isDirectory()) Object.assign(out, snapshot(path, `${prefix}${name}/`));
    else out[`${prefix}${name}`] = `${s.size}@${s.mtimeMs}`;
  }
  return out;
}

/**
 * Two store processes on one data dir (two pods on one volume, a second copy started by mistake): the second
 * refuses to start, names the dir and the holder, exits non-zero and touches nothing. A SIGKILLed holder's lock
 * is stale: the next start takes it over.
 */
describe('store data dir lock (real processes)', () => {
  const dir = makeTempDir('store-lock');
  const env = {
    STORE_DATA_DIR: dir.path,
    STORE_GRPC_HOST: '127.0.0.1',
    STORE_GRPC_PORT: '0',
    STORE_OPS_PORT: '0',
    LOG_LEVEL: 'info', // the harness waits for the `listening` line
  };
  const started: Array<ProcessHandle<ServicePorts>> = [];
  afterAll(async () => {
    for (const p of started) await p.kill('SIGKILL');
    dir.remove();
  });

  it('refuses a second store on a locked data dir without touching it, and takes over after a SIGKILL', async () => {
    const first = await startServiceProcess('store', { env });
    started.push(first);
    const clients = connectStore(`127.0.0.1:${first.ready['grpc']}`);
    try {
      await call(clients.store, clients.store.appendMessages, {
        messages: [{ topic: 'lock/a', payload: Buffer.from('before'), qos: 1 }],
      });
    } finally {
      clients.close();
    }
    // Frozen, so that nothing but the second store could change a file (housekeeping writes every second).
    process.kill(first.pid, 'SIGSTOP');
    // A disk write the first store had in the kernel (its commitlog runway, an index commit) still lands.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = snapshot(dir.path);

    const second = await startServiceProcess('store', { env, startTimeoutMs: 20_000 }).then(
      (p) => {
        started.push(p);
        throw new Error('the second store started on a locked data dir');
      },
      (err: Error) => err.message,
    );
    expect(second.includes('exited (code 1')).toBe(true);
    expect(second.includes(`data dir ${dir.path} is locked by another store: pid ${first.pid}`)).toBe(true);
    expect(snapshot(dir.path)).toEqual(before);

    await first.kill('SIGKILL');
    const third = await startServiceProcess('store', { env });
    started.push(third);
    const warning = third.lines.find((l) => l.includes('stale data dir lock taken over'));
    expect(warning?.includes(`"pid":${first.pid}`)).toBe(true);
    expect(readFileSync(join(dir.path, 'store.lock'), 'utf8').includes(`"pid":${third.pid}`)).toBe(true);
    const again = connectStore(`127.0.0.1:${third.ready['grpc']}`);
    try {
      const r = await call(again.store, again.store.pullMessages, {
        queue: { kind: 'QUEUE_KIND_TOPIC', name: 'lock' },
        fromOffset: 0,
        maxMessages: 10,
      });
      expect(r.messages.map((m) => m.payload.toString())).toEqual(['before']);
    } finally {
      again.close();
    }
    await third.stop();
    expect(readdirSync(dir.path).includes('store.lock')).toBe(false); // released on a clean close
  });
});
