import { createInProcessEventBus, type InProcessEventBus } from '@starling/event-bus';
import { createNotifier, type Notifier } from '@starling/notifier';
import { createLogger, createRegistry } from '@starling/observability';
import { eventually } from '@starling/test-harness';
import type { IPublishPacket } from 'mqtt-packet';
import {
  createDeliveryEngine,
  type DeliveryEngineHandle,
  type DeliveryEngineOptions,
} from '../../src/delivery';
import { createGatewayMetrics, type GatewayMetrics } from '../../src/metrics';
import { createStoreAccess, type StoreAccessHandle } from '../../src/store-access';
import type { AppendRequest, QoS, SessionDelivery, SessionSpec } from '../../src/types';
import { FakeConnection } from '../support/fake-connection';
import { startInProcessStore, type InProcessStore } from '../support/in-process-store';

const logger = createLogger({ service: 'gateway', level: 'silent' });

export interface DeliveryHarnessOptions {
  /** Run the real notifier (store WatchArrivals → in-process bus); false: no arrival event at all. */
  readonly events?: boolean;
  readonly engine?: Partial<Omit<DeliveryEngineOptions, 'store' | 'bus' | 'logger' | 'metrics' | 'limits'>>;
  readonly limits?: Partial<DeliveryEngineOptions['limits']>;
  readonly storeEnv?: Record<string, string>;
}

/**
 * A real store shard in this process, the real StoreAccess over gRPC, the in-process event bus fed by the real
 * notifier, and the delivery engine under test. Sessions talk to FakeConnections (the socket side).
 */
export interface DeliveryHarness {
  readonly store: InProcessStore;
  readonly access: StoreAccessHandle;
  readonly bus: InProcessEventBus;
  readonly metrics: GatewayMetrics;
  readonly engine: DeliveryEngineHandle;
  /** Appends and waits for durability. */
  publish(topic: string, payload: string, qos?: QoS, extra?: Partial<AppendRequest>): Promise<void>;
  /** A clean session on a new FakeConnection. */
  clean(clientId: string): { connection: FakeConnection; delivery: SessionDelivery };
  /** Opens a persistent session in the store and its delivery (resumed). */
  persistent(
    clientId: string,
  ): Promise<{ connection: FakeConnection; delivery: SessionDelivery; spec: SessionSpec }>;
  /** Subscribes and runs afterSuback, as the SUBSCRIBE handler does. */
  subscribe(delivery: SessionDelivery, filter: string, qos: QoS): Promise<QoS | 'failure'>;
  /** Sum of a counter's values (all labels, or one label value). */
  count(counter: keyof GatewayMetrics, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

export async function startDeliveryHarness(options: DeliveryHarnessOptions = {}): Promise<DeliveryHarness> {
  const store = await startInProcessStore({ name: 'delivery', env: { ...options.storeEnv } });
  const metrics = createGatewayMetrics(createRegistry({ service: 'gateway', defaultMetrics: false }));
  const access = createStoreAccess({
    addresses: [store.address],
    gatewayId: 'gateway-test',
    logger,
    metrics,
    appendMaxBatchMessages: 1000,
    filterLeaseMs: 60_000,
  });
  const bus = createInProcessEventBus();
  let notifier: Notifier | undefined;
  if (options.events !== false) {
    notifier = createNotifier({ stores: [store.address], bus, logger, coalesceWindowMs: 0 });
    notifier.start();
    const started = notifier;
    await eventually(() => started.isReady(), { timeoutMs: 5_000 });
  }
  const engine = createDeliveryEngine({
    store: access,
    bus,
    logger,
    metrics,
    limits: {
      maxInflight: 32,
      maxQueuedBytes: 1 << 20,
      maxSubscriptionsPerSession: 100,
      maxTopicBytes: 1024,
      maxTopicLevels: 32,
      ...options.limits,
    },
    offlineQos0: true,
    offsetCommitIntervalMs: 20,
    catchUpIntervalMs: 5_000,
    pullMaxMessages: 500,
    pullMaxBytes: 2 << 20,
    ...options.engine,
  });

  const harness: DeliveryHarness = {
    store,
    access,
    bus,
    metrics,
    engine,
    async publish(topic, payload, qos = 1, extra = {}) {
      const outcome = await access.append({
        topic,
        payload: Buffer.from(payload),
        qos,
        retain: false,
        publisherClientId: 'publisher',
        ...extra,
      });
      if (outcome.status !== 'ok') throw new Error(`append ${outcome.status}`);
    },
    clean(clientId) {
      const connection = new FakeConnection(clientId);
      const delivery = engine.open(connection, { clientId, epoch: 0, persistent: false, subscriptions: [] });
      return { connection, delivery };
    },
    async persistent(clientId) {
      const opened = await access.openSession({
        clientId,
        cleanStart: false,
        sessionExpiryIntervalSeconds: 3600,
      });
      const spec: SessionSpec = {
        clientId,
        epoch: opened.epoch,
        persistent: true,
        subscriptions: opened.subscriptions,
      };
      const connection = new FakeConnection(clientId);
      const delivery = engine.open(connection, spec);
      await delivery.resume();
      return { connection, delivery, spec };
    },
    async subscribe(delivery, filter, qos) {
      const { granted, afterSuback } = await delivery.subscribe([{ filter, qos }]);
      afterSuback();
      return granted[0]!;
    },
    async count(counter, labels) {
      const metric = metrics[counter] as unknown as {
        get(): Promise<{ values: Array<{ value: number; labels: Record<string, string | number> }> }>;
      };
      const { values } = await metric.get();
      return values
        .filter((v) => Object.entries(labels ?? {}).every(([k, want]) => String(v.labels[k]) === want))
        .reduce((sum, v) => sum + v.value, 0);
    },
    async close() {
      await engine.close();
      await notifier?.close();
      await access.close();
      await bus.close();
      await store.stop();
    },
  };
  return harness;
}

/** Acknowledges every unacknowledged QoS 1 PUBLISH the connection got (PUBACK), once each. */
export function ackAll(
  connection: FakeConnection,
  delivery: SessionDelivery,
  acked: Set<IPublishPacket>,
): void {
  for (const p of connection.publishes()) {
    if (p.qos === 1 && !acked.has(p)) {
      acked.add(p);
      delivery.onPuback(p.messageId!);
    }
  }
}

export { eventually, FakeConnection };
