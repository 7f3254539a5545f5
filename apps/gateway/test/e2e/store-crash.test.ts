import { eventually, uniqueName } from '@starling/test-harness';
import { connectClient, type TestClient } from '../support/mqtt-clients';
import { missingPayloads, SHAPE_START_TIMEOUT_MS } from '../support/e2e';
import { startMultiProcessShape, type MultiProcessShape } from '../support/system-shapes';

const MAX_MESSAGES = 3_000;
const MAX_PUBLISHING_MS = 10_000;
/** Unacknowledged QoS 1 publishes the publisher keeps in flight. */
const WINDOW = 32;
/** A publish unacknowledged this long is sent again the MQTT 3.1.1 way: on a new connection. */
const RESEND_AFTER_MS = 2_000;

/**
 * Nothing acknowledged is lost when the store crashes: a publisher sends QoS 1 messages as fast as PUBACKs
 * come through gateway 1, the store process is SIGKILLed mid-load and restarted on the same data dir and port,
 * and a persistent QoS 1 subscriber on gateway 0 must end up with every message that got a PUBACK.
 */
describe('store crash under MQTT load (multi-process: SIGKILL the store, restart, verify)', () => {
  let shape: MultiProcessShape;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    shape = await startMultiProcessShape({ gateways: 2 });
  }, SHAPE_START_TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await shape?.stop();
  }, 30_000);

  it('[MQTT-4.3.2-2] [MQTT-3.1.2-5] every message that got a PUBACK reaches the persistent subscriber', async () => {
    const topic = `${uniqueName()}/load`;
    const sub = await connectClient(shape.mqttUrl(0), {
      clientId: `${uniqueName()}-sub`,
      clean: false,
      reconnectPeriod: 200,
    });
    clients.push(sub);
    expect((await sub.client.subscribeAsync(topic, { qos: 1 })).map((g) => g.qos)).toEqual([1]);
    const pub = await connectClient(shape.mqttUrl(1), {
      clientId: `${uniqueName()}-pub`,
      clean: false,
      reconnectPeriod: 200,
    });
    clients.push(pub);

    const acked = new Set<string>();
    const pending = new Map<string, number>(); // payload → when it was (last) sent
    let sent = 0;
    let forcedReconnects = 0;
    let killedAtAcked = -1;
    let restartMs = -1;
    const startedAt = Date.now();
    const publishing = () => sent < MAX_MESSAGES && Date.now() - startedAt < MAX_PUBLISHING_MS;

    // mqtt.js resends unacknowledged QoS 1 messages when it reconnects; the gateway acknowledges only what the
    // store acknowledged and leaves the rest unanswered. A publish stuck for RESEND_AFTER_MS means "send it
    // again": drop the connection, mqtt.js reconnects and resends.
    const watchdog = setInterval(() => {
      const oldest = Math.min(...pending.values());
      if (pub.client.connected && Date.now() - oldest > RESEND_AFTER_MS) {
        forcedReconnects += 1;
        for (const key of pending.keys()) pending.set(key, Date.now());
        pub.client.stream.destroy();
      }
    }, 250);

    const worker = async (): Promise<void> => {
      while (publishing()) {
        const payload = `m${sent++}`;
        pending.set(payload, Date.now());
        await pub.client.publishAsync(topic, payload, { qos: 1 });
        pending.delete(payload);
        acked.add(payload);
      }
    };
    const crash = (async () => {
      // Kill once a good amount is acknowledged (bounded in time either way), well before the load ends.
      await eventually(() => acked.size >= 1_000 || Date.now() - startedAt > 3_000, {
        timeoutMs: MAX_PUBLISHING_MS,
        intervalMs: 5,
      });
      killedAtAcked = acked.size;
      const t = Date.now();
      await shape.restartStore(0, { signal: 'SIGKILL' });
      restartMs = Date.now() - t;
    })();
    try {
      // Every publish that was sent settles: the publisher keeps retrying until the store is back.
      await Promise.all([...Array.from({ length: WINDOW }, () => worker()), crash]);
    } finally {
      clearInterval(watchdog);
    }
    const ackedAfterCrash = acked.size - killedAtAcked;

    const missing = () => missingPayloads(sub.received, acked);
    try {
      await eventually(() => expect(missing().slice(0, 10)).toEqual([]), {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
    } finally {
      const unique = new Set(sub.received.map((m) => m.payload.toString())).size;
      console.info(
        [
          `store crash: sent ${sent}, PUBACKed ${acked.size} (${killedAtAcked} before the SIGKILL, ${ackedAfterCrash} after)`,
          `store restarted in ${restartMs} ms; publisher reconnects forced ${forcedReconnects}`,
          `subscriber received ${sub.received.length} (${unique} distinct, ${sub.received.length - unique} duplicates, ` +
            `${sub.received.filter((m) => m.dup).length} with DUP), missing ${missing().length}`,
          `publisher errors: ${pub.errors.length}, subscriber errors: ${sub.errors.length}`,
        ].join('\n'),
      );
    }
    expect(killedAtAcked).toBeGreaterThan(0);
    expect(ackedAfterCrash).toBeGreaterThan(0); // the load went on after the restart
    expect(acked.size).toBe(sent); // every publish was eventually acknowledged
    expect(sub.received.every((m) => m.topic === topic && m.qos === 1)).toBe(true);
  }, 120_000);
});
