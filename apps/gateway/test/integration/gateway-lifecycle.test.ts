import { connect as netConnect, type Socket } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import mqttPacket, { type Packet } from 'mqtt-packet';
import WebSocket from 'ws';
import { createInProcessEventBus, createInProcessHub, type EventBus } from '@starling/event-bus';
import { createLogger, createRegistry } from '@starling/observability';
import { createNotifier, type Notifier } from '@starling/notifier';
import { loadStoreConfig, startStoreServer, type StoreServer } from '@starling/store';
import { eventually, makeTempDir, uniqueName, type TempDir } from '@starling/test-harness';
import {
  createGatewayMetrics,
  createStoreAccess,
  loadGatewayConfig,
  startGateway,
  type Gateway,
  type GatewayMetrics,
} from '../../src';

// ---- one real store with its notifier, and gateways on an in-process hub -------------------------------

const logger = createLogger({ service: 'test', level: 'silent' });

interface Backend {
  store: StoreServer;
  address: string;
  hub: ReturnType<typeof createInProcessHub>;
  notifierBus: EventBus;
  notifier: Notifier;
  dir: TempDir;
}

async function startBackend(): Promise<Backend> {
  const dir = makeTempDir();
  const { config } = loadStoreConfig({
    STORE_DATA_DIR: dir.path,
    STORE_GRPC_HOST: '127.0.0.1',
    STORE_GRPC_PORT: '0',
    STORE_OPS_PORT: '0',
    LOG_LEVEL: 'silent',
  });
  const store = await startStoreServer({ config, logger });
  const address = `127.0.0.1:${store.grpcPort}`;
  const hub = createInProcessHub();
  const notifierBus = createInProcessEventBus(hub);
  const notifier = createNotifier({ stores: [address], bus: notifierBus, logger, coalesceWindowMs: 1 });
  notifier.start();
  return { store, address, hub, notifierBus, notifier, dir };
}

async function stopBackend(backend: Backend): Promise<void> {
  await backend.notifier.close();
  await backend.notifierBus.close();
  await backend.store.close();
  backend.dir.remove();
}

interface TestGateway {
  gateway: Gateway;
  metrics: GatewayMetrics;
  bus: EventBus;
  close(): Promise<void>;
}

async function startTestGateway(backend: Backend, env: Record<string, string> = {}): Promise<TestGateway> {
  const { config } = loadGatewayConfig({
    GATEWAY_ID: uniqueName('gw'),
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_MQTT_PORT: '0',
    GATEWAY_WS_PORT: '0',
    GATEWAY_OPS_PORT: '0',
    GATEWAY_STORE_ADDRESSES: backend.address,
    GATEWAY_ALLOW_ANONYMOUS: 'true',
    GATEWAY_CATCH_UP_INTERVAL: '200ms',
    GATEWAY_DRAIN: '0ms',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const metrics = createGatewayMetrics(createRegistry({ service: 'gateway', defaultMetrics: false }));
  const bus = createInProcessEventBus(backend.hub);
  const store = createStoreAccess({
    addresses: [backend.address],
    gatewayId: config.gatewayId,
    logger,
    metrics,
    appendMaxBatchMessages: config.appendMaxBatchMessages,
    filterLeaseMs: config.filterLeaseMs,
    ownerLeaseMs: config.ownerLeaseMs,
  });
  const gateway = await startGateway({ config, logger, metrics, store, bus });
  return {
    gateway,
    metrics,
    bus,
    async close() {
      await gateway.close();
      await bus.close();
    },
  };
}

const clients: MqttClient[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
});

async function connectTcp(gw: TestGateway, options: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.gateway.ports.mqtt}`, {
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    protocolVersion: 4,
    clientId: uniqueName(),
    ...options,
  });
  clients.push(client);
  return client;
}

async function counterValue(
  metric: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }> },
  labels: Record<string, string>,
): Promise<number> {
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value));
  return match?.value ?? 0;
}

function closedSignal(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
}

// ---- tests -----------------------------------------------------------------------------------------------

describe('gateway lifecycle', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await startBackend();
  });
  afterAll(async () => {
    await stopBackend(backend);
  });

  test('refuses connections over the limit at once, and counts them', async () => {
    const gw = await startTestGateway(backend, { GATEWAY_MAX_CONNECTIONS: '2' });
    try {
      await connectTcp(gw);
      await connectTcp(gw);
      const socket = netConnect(gw.gateway.ports.mqtt, '127.0.0.1');
      sockets.push(socket);
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      expect(await counterValue(gw.metrics.connectionsClosed, { reason: 'connection-limit' })).toBe(1);
      expect(gw.gateway.connectionCount).toBe(2);
    } finally {
      await gw.close();
    }
  });

  test('close() drains: stops accepting, disconnects every client, and is idempotent', async () => {
    const gw = await startTestGateway(backend);
    const a = await connectTcp(gw);
    const b = await connectTcp(gw);
    const closed = Promise.all([closedSignal(a), closedSignal(b)]);
    expect(gw.gateway.isReady()).toBe(true);
    const closing = gw.gateway.close();
    expect(gw.gateway.isReady()).toBe(false);
    await Promise.all([closing, gw.gateway.close()]);
    await closed;
    expect(gw.gateway.connectionCount).toBe(0);
    await gw.bus.close();
  });

  test('a WebSocket client gets the subprotocol it offered back [MQTT-6.0.0-3]', async () => {
    const gw = await startTestGateway(backend);
    try {
      for (const protocol of ['mqtt', 'mqttv3.1']) {
        const ws = new WebSocket(`ws://127.0.0.1:${gw.gateway.ports.ws}/mqtt`, [protocol]);
        await new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', reject);
        });
        expect(ws.protocol).toBe(protocol);
        ws.close();
      }
    } finally {
      await gw.close();
    }
  });

  test('a WebSocket text frame closes the connection [MQTT-6.0.0-1]', async () => {
    const gw = await startTestGateway(backend);
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${gw.gateway.ports.ws}/mqtt`, ['mqtt']);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      ws.send('not binary');
      await closed;
      expect(await counterValue(gw.metrics.protocolErrors, { reason: 'websocket-text-frame' })).toBe(1);
    } finally {
      await gw.close();
    }
  });

  test('MQTT packets may span WebSocket frames [MQTT-6.0.0-2]', async () => {
    const gw = await startTestGateway(backend);
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${gw.gateway.ports.ws}/mqtt`, ['mqtt']);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      const connack = new Promise<Buffer>((resolve) => ws.once('message', (data) => resolve(data as Buffer)));
      const connect = Buffer.from([0x10, 13, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 60, 0, 1, 0x61]);
      ws.send(connect.subarray(0, 5));
      ws.send(connect.subarray(5));
      expect([...(await connack)]).toEqual([0x20, 0x02, 0x00, 0x00]);
      ws.close();
    } finally {
      await gw.close();
    }
  });

  test('a CONNECT taken over on another gateway closes the old connection there [MQTT-3.1.4-2]', async () => {
    const first = await startTestGateway(backend);
    const second = await startTestGateway(backend);
    try {
      const clientId = uniqueName();
      const old = await connectTcp(first, { clientId, clean: false });
      const oldClosed = closedSignal(old);
      const fresh = await connectTcp(second, { clientId, clean: false });
      await oldClosed;
      expect(fresh.connected).toBe(true);
      await eventually(
        async () => (await counterValue(first.metrics.takeovers, { where: 'taken-by-remote' })) === 1,
      );
      expect(await counterValue(second.metrics.takeovers, { where: 'remote' })).toBe(1);
    } finally {
      await first.close();
      await second.close();
    }
  });

  test('a persistent session keeps its inbound QoS 2 identifiers across connections [MQTT-4.3.3-2]', async () => {
    const gw = await startTestGateway(backend);
    try {
      const clientId = uniqueName();
      const topic = `qos2resume/${uniqueName()}`;
      const connect = mqttPacket.generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: false,
        keepalive: 60,
        clientId,
      });
      const publish = (dup: boolean): Buffer =>
        mqttPacket.generate({
          cmd: 'publish',
          topic,
          payload: Buffer.from('exactly once'),
          qos: 2,
          dup,
          retain: false,
          messageId: 11,
        });

      // PUBLISH QoS 2 reaches PUBREC; the connection drops before PUBREL.
      const first = await openRaw(gw);
      first.socket.write(Buffer.concat([connect, publish(false)]));
      await eventually(() => first.packets.some((p) => p.cmd === 'pubrec'));
      first.socket.destroy();
      await eventually(() => gw.gateway.sessionCount === 0);

      // Back, the client sends the PUBLISH again with DUP: acknowledged, not stored twice; then PUBREL.
      const second = await openRaw(gw);
      second.socket.write(Buffer.concat([connect, publish(true)]));
      await eventually(() => second.packets.some((p) => p.cmd === 'pubrec'));
      second.socket.write(mqttPacket.generate({ cmd: 'pubrel', messageId: 11 }));
      await eventually(() => second.packets.some((p) => p.cmd === 'pubcomp'));
      await backend.store.store.dispatched();
      const outcome = await backend.store.store.pull({
        queue: { kind: 'topic', name: 'qos2resume' },
        fromOffset: 0,
        maxMessages: 100,
        maxBytes: 1 << 20,
        waitMs: 0,
      });
      expect(outcome.status === 'ok' && outcome.messages.filter((m) => m.topic === topic).length).toBe(1);
    } finally {
      await gw.close();
    }
  });
});

async function openRaw(gw: TestGateway): Promise<{ socket: Socket; packets: Packet[] }> {
  const socket = netConnect(gw.gateway.ports.mqtt, '127.0.0.1');
  sockets.push(socket);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const packets: Packet[] = [];
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on('packet', (p: Packet) => packets.push(p));
  socket.on('data', (chunk: Buffer) => parser.parse(chunk));
  return { socket, packets };
}
