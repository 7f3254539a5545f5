import { connect, type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';

export interface ReceivedMessage {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  dup: boolean;
}

export interface TestClient {
  readonly client: MqttClient;
  /** Every PUBLISH received, in order. */
  readonly received: ReceivedMessage[];
  /** The CONNACK of the first connection (session present, return code). */
  readonly connack: IConnackPacket;
  /** 'error' events after the first CONNACK (a refused reconnect, a reset): recorded, never thrown. */
  readonly errors: Error[];
  end(): Promise<void>;
}

/**
 * A real MQTT client (the `mqtt` package) with a record of what it received; no reconnects unless asked.
 * The record starts before CONNECT is sent: messages of a resumed session that follow CONNACK in the same
 * TCP segment are not missed.
 */
export async function connectClient(url: string, options: IClientOptions = {}): Promise<TestClient> {
  const client = connect(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    ...options,
  });
  const received: ReceivedMessage[] = [];
  client.on('message', (topic, payload, packet) => {
    received.push({ topic, payload, qos: packet.qos, retain: packet.retain, dup: packet.dup });
  });
  const errors: Error[] = [];
  let connack: IConnackPacket;
  try {
    connack = await new Promise<IConnackPacket>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('error', reject);
      client.once('close', () => reject(new Error(`connection to ${url} closed before CONNACK`)));
    });
  } catch (e) {
    client.end(true);
    throw e;
  }
  client.on('error', (err) => errors.push(err));
  return {
    client,
    received,
    connack,
    errors,
    async end() {
      await client.endAsync(true);
    },
  };
}
