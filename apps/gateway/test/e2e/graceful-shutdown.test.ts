import {
  eventually,
  startNatsServer,
  startServiceProcess,
  uniqueName,
  type NatsServerHandle,
  type ProcessHandle,
  type ServicePorts,
} from '@starling/test-harness';
import { missingPayloads, SHAPE_START_TIMEOUT_MS } from '../support/e2e';
import { connectClient, type TestClient } from '../support/mqtt-clients';
import { startMultiProcessShape, type MultiProcessShape } from '../support/system-shapes';

const DRAIN_MS = 2_000;
/** Time a drained gateway may take past its drain window to exit (teardown, store access, ops; two busy cores). */
const EXIT_MARGIN_MS = 8_000;

async function status(port: number, path: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  await res.arrayBuffer();
  return res.status;
}

/**
 * Graceful shutdown with real processes and real signals: nats-server, a store process, a notifier process and
 * two gateway processes (GATEWAY_DRAIN=2s); the gateway under test gets a SIGTERM.
 */
describe('gateway graceful shutdown (multi-process, SIGTERM)', () => {
  let shape: MultiProcessShape;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    shape = await startMultiProcessShape({ gateways: 2, gatewayEnv: { GATEWAY_DRAIN: `${DRAIN_MS}ms` } });
  }, SHAPE_START_TIMEOUT_MS);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
  });
  afterAll(async () => {
    await shape?.stop();
  }, 30_000);

  it('[MQTT-4.3.2-2] SIGTERM during a QoS 1 load loses nothing: publishers move to the other gateway', async () => {
    const PUBLISHERS = 4;
    const MESSAGES = 3_000;
    const WINDOW = 16; // unacknowledged publishes per publisher
    const topic = `${uniqueName()}/load`;
    const sub = await connectClient(shape.mqttUrl(0), {
      clientId: `${uniqueName()}-sub`,
      clean: false,
      reconnectPeriod: 200,
    });
    clients.push(sub);
    expect((await sub.client.subscribeAsync(topic, { qos: 1 })).map((g) => g.qos)).toEqual([1]);

    const acked = new Set<string>();
    let resent = 0;
    let moved = 0;
    const drainedUrl = shape.mqttUrl(1);
    const survivorUrl = shape.mqttUrl(0);

    /** One publisher: WINDOW concurrent QoS 1 publishes; when its gateway drops it, it moves and resends. */
    const publisher = async (p: number): Promise<void> => {
      const queue = Array.from({ length: MESSAGES / PUBLISHERS }, (_, i) => `p${p}-${i}`);
      const clientId = `${uniqueName()}-pub${p}`;
      let current = await connectClient(drainedUrl, { clientId, clean: true });
      clients.push(current);
      let ready: Promise<TestClient> = Promise.resolve(current);
      const watch = (c: TestClient): void => {
        c.client.once('close', () => {
          moved += 1;
          // The un-acknowledged publishes of the dropped connection fail (end flushes them) and are sent again.
          ready = connectClient(survivorUrl, { clientId, clean: true }).then((next) => {
            clients.push(next);
            current = next;
            return next;
          });
          void c.end();
        });
      };
      watch(current);
      const worker = async (): Promise<void> => {
        for (let payload = queue.shift(); payload !== undefined; payload = queue.shift()) {
          const c = await ready;
          try {
            await c.client.publishAsync(topic, payload, { qos: 1 });
            acked.add(payload);
          } catch {
            resent += 1;
            queue.unshift(payload);
            await ready; // a new connection is on its way (or there already)
            if (current === c) await new Promise((r) => setTimeout(r, 20));
          }
        }
      };
      await Promise.all(Array.from({ length: WINDOW }, () => worker()));
      void current;
    };

    const gateway = shape.gateways[1]!;
    const sigterm = (async () => {
      const started = Date.now();
      await eventually(() => acked.size >= 1_000 || Date.now() - started > 3_000, {
        timeoutMs: 10_000,
        intervalMs: 5,
      });
      const ackedAtSignal = acked.size;
      const t = Date.now();
      const exit = await gateway.kill('SIGTERM');
      return { ackedAtSignal, exit, exitMs: Date.now() - t };
    })();
    await Promise.all(Array.from({ length: PUBLISHERS }, (_, p) => publisher(p)));
    const { ackedAtSignal, exit, exitMs } = await sigterm;

    const missing = () => missingPayloads(sub.received, acked);
    try {
      await eventually(() => expect(missing().slice(0, 10)).toEqual([]), {
        timeoutMs: 20_000,
        intervalMs: 100,
      });
    } finally {
      const distinct = new Set(sub.received.map((m) => m.payload.toString())).size;
      console.info(
        `gateway SIGTERM under load: ${acked.size} PUBACKed (${ackedAtSignal} before the signal), ` +
          `${moved} publisher moves, ${resent} resends; gateway exited ${JSON.stringify(exit)} in ${exitMs} ms; ` +
          `subscriber got ${sub.received.length} (${distinct} distinct), missing ${missing().length}`,
      );
    }
    expect(acked.size).toBe(MESSAGES);
    expect(ackedAtSignal).toBeLessThan(MESSAGES); // the signal landed mid-load
    expect(moved).toBe(PUBLISHERS);
    expect(exit).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('disconnects the clients of a draining gateway over GATEWAY_DRAIN, after /readyz turned 503', async () => {
    await shape.restartGateway(1);
    const CLIENTS = 50;
    const gateway = shape.gateways[1]!;
    const opsPort = shape.opsPort(1);
    const url = shape.mqttUrl(1);
    const connected = await Promise.all(
      Array.from({ length: CLIENTS }, (_, i) => connectClient(url, { clientId: `${uniqueName()}-${i}` })),
    );
    clients.push(...connected);
    const closedAt: number[] = [];
    for (const c of connected) c.client.once('close', () => closedAt.push(performance.now()));
    expect(await status(opsPort, '/readyz')).toBe(200);

    // Readiness, polled back to back: when each answer arrived.
    const answers: Array<{ at: number; status: number }> = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        try {
          answers.push({ status: await status(opsPort, '/readyz'), at: performance.now() });
        } catch {
          return; // the ops server is gone: the process is exiting
        }
      }
    })();

    const signalledAt = performance.now();
    const exit = await gateway.kill('SIGTERM');
    const exitMs = performance.now() - signalledAt;
    polling = false;
    await poller;
    await eventually(() => closedAt.length === CLIENTS, { timeoutMs: 5_000 });

    closedAt.sort((a, b) => a - b);
    const first = closedAt[0]!;
    const spreadMs = closedAt[CLIENTS - 1]! - first;
    // The most clients closed within any tenth of the window, anywhere in the drain (10 batches: 1 expected,
    // up to 3 allowed for timer and event-loop jitter on a loaded machine; all at once would be 50).
    const burst = Math.max(
      ...closedAt.map((t) => closedAt.filter((u) => u >= t && u - t < DRAIN_MS * 0.1).length),
    );
    const first503 = answers.find((a) => a.status === 503)?.at;
    console.info(
      `drain of ${CLIENTS} clients over ${DRAIN_MS} ms: first close ${Math.round(first - signalledAt)} ms after ` +
        `SIGTERM, spread ${Math.round(spreadMs)} ms, at most ${burst} within any 10% of the window; /readyz 503 ` +
        `${first503 === undefined ? 'never seen' : `${Math.round(first503 - signalledAt)} ms after SIGTERM`} ` +
        `(${answers.length} polls); exit ${JSON.stringify(exit)} after ${Math.round(exitMs)} ms`,
    );
    expect(first503).toBeDefined();
    expect(first503!).toBeLessThan(first);
    expect(spreadMs).toBeGreaterThanOrEqual(DRAIN_MS * 0.6);
    expect(burst).toBeLessThanOrEqual(CLIENTS * 0.3);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitMs).toBeLessThan(DRAIN_MS + EXIT_MARGIN_MS);
  }, 60_000);
});

/** ADR 0005: liveness never depends on another service; readiness does. */
describe('gateway probes when NATS is gone (process)', () => {
  let nats: NatsServerHandle | undefined;
  let gateway: ProcessHandle<ServicePorts> | undefined;
  afterAll(async () => {
    await gateway?.kill('SIGKILL');
    await nats?.stop();
  });

  it('/healthz stays 200 while /readyz turns 503', async () => {
    nats = await startNatsServer();
    gateway = await startServiceProcess('gateway', {
      env: {
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_MQTT_PORT: '0',
        GATEWAY_WS_PORT: '-1',
        GATEWAY_OPS_PORT: '0',
        GATEWAY_ALLOW_ANONYMOUS: 'true',
        GATEWAY_STORE_ADDRESSES: '127.0.0.1:1', // never called: no client connects
        NATS_URL: nats.url,
      },
    });
    const ops = gateway.ready['ops']!;
    await eventually(async () => expect(await status(ops, '/readyz')).toBe(200), { timeoutMs: 10_000 });
    expect(await status(ops, '/healthz')).toBe(200);

    await nats.stop();
    await eventually(async () => expect(await status(ops, '/readyz')).toBe(503), { timeoutMs: 10_000 });
    for (let i = 0; i < 5; i++) expect(await status(ops, '/healthz')).toBe(200);
  }, 30_000);
});
