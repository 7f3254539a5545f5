import type { BusQueueRef } from '@starling/event-bus';
import {
  eventually,
  startNatsServer,
  startServiceProcess,
  type NatsServerHandle,
  type ProcessHandle,
  type ServicePorts,
} from '@starling/test-harness';
import { connectSubscriber, type TestSubscriber } from '../support/bus';
import { startStoreProcess, type StoreProcess } from '../support/store-process';

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

/** The built notifier (`apps/notifier/dist/main.js`) as Kubernetes runs it. */
describe('notifier process', () => {
  let nats: NatsServerHandle;
  let store: StoreProcess;
  let proc: ProcessHandle<ServicePorts> | undefined;
  let sub: TestSubscriber | undefined;
  beforeAll(async () => {
    nats = await startNatsServer();
    store = await startStoreProcess();
  });
  afterAll(async () => {
    await sub?.close();
    await proc?.kill('SIGKILL');
    await store.destroy();
    await nats.stop();
  });

  it('serves health, readiness and metrics, publishes events, and exits 0 on SIGTERM', async () => {
    const q: BusQueueRef = { kind: 'topic', name: 'process' };
    sub = await connectSubscriber(nats.url, [q]);
    proc = await startServiceProcess('notifier', {
      env: {
        NOTIFIER_STORE_ADDRESSES: store.address,
        NATS_URL: nats.url,
        NOTIFIER_OPS_PORT: '0',
        LOG_LEVEL: 'info',
      },
    });
    const ops = proc.ready['ops']!;
    expect((await get(ops, '/healthz')).status).toBe(200);
    await eventually(async () => expect((await get(ops, '/readyz')).status).toBe(200), { timeoutMs: 10_000 });

    await store.append(['process/1', 'process/2']);
    await eventually(() => sub!.latest(q) === 2);
    const metrics = (await get(ops, '/metrics')).body;
    expect(metrics).toMatch(/^starling_notifier_events_published_total \d+/m);
    expect(metrics).toMatch(/^starling_notifier_nats_connected 1/m);
    expect(metrics).toMatch(/^starling_notifier_store_streams_connected 1/m);

    // The store sees the notifier's WatchArrivals stream (one shard: one stream).
    const storeOps = store.proc.ready['ops']!;
    const watchers = async () =>
      /^starling_store_arrival_watchers (\d+)/m.exec((await get(storeOps, '/metrics')).body)?.[1];
    expect(await watchers()).toBe('1');

    const exit = await proc.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    const log = proc.lines.join('\n');
    // Every closable (watch streams, then the NATS connection, drained) closed without an error.
    expect(log).toMatch(/"code":0,"msg":"shut down"/);
    expect(log).not.toMatch(/close failed during shutdown|nats drain failed|"level":50/);
    await eventually(async () => expect(await watchers()).toBe('0'));
  });

  it('refuses a bad configuration with exit code 2, naming the variable', async () => {
    await expect(
      startServiceProcess('notifier', {
        env: { NOTIFIER_STORE_ADDRESSES: 'no-port', NATS_URL: nats.url, NOTIFIER_OPS_PORT: '0' },
        startTimeoutMs: 5_000,
      }),
    ).rejects.toThrow(/exited \(code 2.*NOTIFIER_STORE_ADDRESSES/s);
  });
});
