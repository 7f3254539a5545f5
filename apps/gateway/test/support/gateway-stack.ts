// A real store, the real store access and delivery, the in-process bus and real MQTT clients: the gateway
// as the integration tests drive it. Clients and sockets opened through here are closed after each test.
import { connect as netConnect, type Socket } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { createInProcessEventBus } from '@starling/event-bus';
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

export interface Stack {
  gateway: Gateway;
  store: StoreServer;
  metrics: GatewayMetrics;
  dir: TempDir;
  close(): Promise<void>;
}

export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const dir = makeTempDir();
  const logger = createLogger({ service: 'test', level: 'silent' });
  const { config: storeConfig } = loadStoreConfig({
    STORE_DATA_DIR: dir.path,
    STORE_GRPC_HOST: '127.0.0.1',
    STORE_GRPC_PORT: '0',
    STORE_OPS_PORT: '0',
    LOG_LEVEL: 'silent',
  });
  const store = await startStoreServer({ config: storeConfig, logger });
  const onStore = await startGatewayOnStore(store, env);
  return {
    ...onStore,
    store,
    dir,
    async close() {
      await onStore.close();
      await store.close();
      dir.remove();
    },
  };
}

export interface GatewayOnStore {
  gateway: Gateway;
  metrics: GatewayMetrics;
  /** Closes the gateway, its notifier and bus; not the store. */
  close(): Promise<void>;
}

/** A gateway (with its own notifier and in-process bus) on a running store: several may follow one another. */
export async function startGatewayOnStore(
  store: StoreServer,
  env: Record<string, string> = {},
): Promise<GatewayOnStore> {
  const logger = createLogger({ service: 'test', level: 'silent' });
  const address = `127.0.0.1:${store.grpcPort}`;
  const bus = createInProcessEventBus();
  const notifier: Notifier = createNotifier({ stores: [address], bus, logger, coalesceWindowMs: 1 });
  notifier.start();
  const { config } = loadGatewayConfig({
    GATEWAY_ID: uniqueName('gw'),
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_MQTT_PORT: '0',
    GATEWAY_WS_PORT: '0',
    GATEWAY_OPS_PORT: '0',
    GATEWAY_STORE_ADDRESSES: address,
    GATEWAY_ALLOW_ANONYMOUS: 'true',
    GATEWAY_CATCH_UP_INTERVAL: '200ms',
    GATEWAY_DRAIN: '0ms',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const metrics = createGatewayMetrics(createRegistry({ service: 'gateway', defaultMetrics: false }));
  const storeAccess = createStoreAccess({
    addresses: [address],
    gatewayId: config.gatewayId,
    logger,
    metrics,
    appendMaxBatchMessages: config.appendMaxBatchMessages,
    filterLeaseMs: config.filterLeaseMs,
    ownerLeaseMs: config.ownerLeaseMs,
  });
  const gateway = await startGateway({ config, logger, metrics, store: storeAccess, bus });
  return {
    gateway,
    metrics,
    async close() {
      await gateway.close();
      await notifier.close();
      await bus.close();
    },
  };
}

export const clients: MqttClient[] = [];
export const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
});

export async function counterValue(
  metric: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }> },
  labels: Record<string, string>,
): Promise<number> {
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value));
  return match?.value ?? 0;
}

export function mqttOptions(options: IClientOptions): IClientOptions {
  return { reconnectPeriod: 0, connectTimeout: 5_000, protocolVersion: 4, ...options };
}

export async function connectTcp(stack: Stack, options: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(
    `mqtt://127.0.0.1:${stack.gateway.ports.mqtt}`,
    mqttOptions(options),
  );
  clients.push(client);
  return client;
}

/** Connects and returns the CONNACK return code, whether accepted or refused. */
export async function connackCode(
  target: { readonly gateway: Gateway },
  options: IClientOptions,
): Promise<number> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${target.gateway.ports.mqtt}`, mqttOptions(options));
  clients.push(client);
  return new Promise<number>((resolve, reject) => {
    client.once('connect', (packet) => resolve(packet.returnCode ?? 0));
    client.once('error', (err) => {
      const code = (err as Error & { code?: number }).code;
      if (typeof code === 'number') resolve(code);
      else reject(err);
    });
  });
}

export function connectPacket(fields: Partial<mqttPacket.IConnectPacket> = {}): mqttPacket.IConnectPacket {
  return {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    keepalive: 60,
    clientId: uniqueName('raw'),
    ...fields,
  };
}

/** A raw TCP client: writes bytes, parses what comes back, notices the close. */
export class RawClient {
  readonly packets: Packet[] = [];
  closed = false;
  private readonly parser = mqttPacket.parser({ protocolVersion: 4 });

  constructor(readonly socket: Socket) {
    this.parser.on('packet', (p: Packet) => this.packets.push(p));
    socket.on('data', (chunk: Buffer) => this.parser.parse(chunk));
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => undefined);
  }

  static async open(stack: Stack): Promise<RawClient> {
    const socket = netConnect(stack.gateway.ports.mqtt, '127.0.0.1');
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  write(bytes: Buffer | number[]): void {
    this.socket.write(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
  }

  send(packet: Packet, protocolVersion = 4): void {
    this.write(mqttPacket.generate(packet, { protocolVersion }));
  }

  async packet(cmd: Packet['cmd']): Promise<Packet> {
    return eventually(() => {
      const found = this.packets.find((p) => p.cmd === cmd);
      if (found === undefined)
        throw new Error(`no ${cmd} yet (got ${this.packets.map((p) => p.cmd).join()})`);
      return found;
    });
  }

  async closedByServer(timeoutMs = 5_000): Promise<void> {
    await eventually(() => this.closed, { timeoutMs });
  }
}
