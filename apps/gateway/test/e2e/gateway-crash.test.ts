import { createStoreClient, type GetSessionResponseOutput } from '@starling/proto';
import { eventually, uniqueName } from '@starling/test-harness';
import { connectClient, type TestClient } from '../support/mqtt-clients';
import { SHAPE_START_TIMEOUT_MS } from '../support/e2e';
import { unary } from '../support/grpc';
import { startMultiProcessShape, type MultiProcessShape } from '../support/system-shapes';

const LEASE_MS = 2_000;
/** Above the lease: the store's check (250 ms), its housekeeping, the append, dispatch, notify, deliver. */
const SLACK_MS = 1_500;
const SESSION_EXPIRY_SECONDS = 6;

/**
 * A gateway process SIGKILLed (ADR 0013): the store lets its owner lease lapse, marks its sessions
 * disconnected at the lapse time (expiry starts, clean ones go), and publishes their wills; the clients
 * reconnect to the other gateway. Real processes: nats-server, store, notifier, two gateways.
 */
describe('gateway crash (multi-process: SIGKILL a gateway; its lease lapses in the store)', () => {
  let shape: MultiProcessShape;
  const clients: TestClient[] = [];
  let store: ReturnType<typeof createStoreClient>;

  beforeAll(async () => {
    shape = await startMultiProcessShape({
      gateways: 2,
      gatewayEnv: {
        GATEWAY_OWNER_LEASE: `${LEASE_MS}ms`,
        GATEWAY_SESSION_EXPIRY_MAX_SECONDS: String(SESSION_EXPIRY_SECONDS),
      },
    });
    store = createStoreClient(shape.storeAddress);
  }, SHAPE_START_TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    store?.close();
    await shape?.stop();
  }, 30_000);

  const getSession = (clientId: string): Promise<GetSessionResponseOutput> =>
    unary(store, store.GetSession, { clientId });

  it('[MQTT-3.1.2-8] the wills of its clients are published by the store within the lease; persistent sessions are disconnected at the lapse, clean ones gone; the clients resume on the other gateway', async () => {
    const base = uniqueName();
    const watcher = await connectClient(shape.mqttUrl(1), { clientId: `${base}-watcher` });
    clients.push(watcher);
    await watcher.client.subscribeAsync(`${base}/will/#`, { qos: 1 });

    // On gateway 0: a persistent session with a will and a subscription, a clean one with a will, and a
    // persistent one without a will that nobody resumes (it must expire).
    const persistentId = `${base}-persistent`;
    const persistent = await connectClient(shape.mqttUrl(0), {
      clientId: persistentId,
      clean: false,
      will: {
        topic: `${base}/will/persistent`,
        payload: Buffer.from('persistent gone'),
        qos: 1,
        retain: false,
      },
    });
    clients.push(persistent);
    await persistent.client.subscribeAsync(`${base}/inbox`, { qos: 1 });
    const cleanId = `${base}-clean`;
    const clean = await connectClient(shape.mqttUrl(0), {
      clientId: cleanId,
      clean: true,
      will: { topic: `${base}/will/clean`, payload: Buffer.from('clean gone'), qos: 0, retain: false },
    });
    clients.push(clean);
    const idleId = `${base}-idle`;
    const idle = await connectClient(shape.mqttUrl(0), { clientId: idleId, clean: false });
    clients.push(idle);
    await idle.client.subscribeAsync(`${base}/idle`, { qos: 1 });
    expect((await getSession(persistentId)).session?.disconnectedAtMs).toBe(0);
    expect((await getSession(persistentId)).session?.will?.topic).toBe(`${base}/will/persistent`);

    const killedAt = Date.now();
    await shape.gateways[0]!.kill('SIGKILL');

    await eventually(() => watcher.received.length >= 2, { timeoutMs: LEASE_MS + SLACK_MS + 2_000 });
    const willLatencyMs = Date.now() - killedAt;
    expect(
      watcher.received
        .map((m) => [m.topic, m.payload.toString(), m.qos])
        .sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    ).toEqual([
      [`${base}/will/clean`, 'clean gone', 0],
      [`${base}/will/persistent`, 'persistent gone', 1],
    ]);
    expect(willLatencyMs).toBeLessThan(LEASE_MS + SLACK_MS);
    // Not before the lease can have lapsed: the last renewal was at most a third of a lease before the kill.
    expect(willLatencyMs).toBeGreaterThanOrEqual((LEASE_MS * 2) / 3 - 100);

    // Disconnected at the lapse time (expiry runs from there); the clean session is gone.
    const released = (await getSession(persistentId)).session!;
    expect(released.disconnectedAtMs).toBeGreaterThanOrEqual(killedAt + (LEASE_MS * 2) / 3 - 100);
    expect(released.disconnectedAtMs).toBeLessThanOrEqual(killedAt + LEASE_MS + 300);
    expect(released.will).toBeNull();
    expect((await getSession(cleanId)).found).toBe(false);
    const idleReleased = (await getSession(idleId)).session!;
    expect(idleReleased.disconnectedAtMs).toBeGreaterThan(0);

    // Offline while released: a message for the persistent session waits in its queue.
    await watcher.client.publishAsync(`${base}/inbox`, 'while offline', { qos: 1 });

    // It resumes on the surviving gateway: session present, the message that waited.
    const back = await connectClient(shape.mqttUrl(1), { clientId: persistentId, clean: false });
    clients.push(back);
    expect(back.connack.sessionPresent).toBe(true);
    await eventually(() => back.received.length >= 1, { timeoutMs: 5_000 });
    expect(back.received.map((m) => m.payload.toString())).toEqual(['while offline']);
    expect((await getSession(persistentId)).session?.disconnectedAtMs).toBe(0);

    // The idle one nobody resumed expires SESSION_EXPIRY_SECONDS after the lapse, not before.
    const expiresAt = Number(idleReleased.disconnectedAtMs) + SESSION_EXPIRY_SECONDS * 1000;
    expect((await getSession(idleId)).found).toBe(Date.now() < expiresAt);
    await eventually(async () => !(await getSession(idleId)).found, {
      timeoutMs: Math.max(0, expiresAt - Date.now()) + 3_000,
    });
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    console.log(`will published ${willLatencyMs} ms after SIGKILL (lease ${LEASE_MS} ms)`);
  }, 40_000);
});
