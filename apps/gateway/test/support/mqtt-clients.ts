import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';

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
  end(): Promise<void>;
}

/** A real MQTT client (the `mqtt` package) with a record of what it received; no reconnects. */
export async function connectClient(url: string, options: IClientOptions = {}): Promise<TestClient> {
  const client = await connectAsync(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    ...options,
  });
  const received: ReceivedMessage[] = [];
  client.on('message', (topic, payload, packet) => {
    received.push({ topic, payload, qos: packet.qos, retain: packet.retain, dup: packet.dup });
  });
  return {
    client,
    received,
    async end() {
      await client.endAsync(true);
    },
  };
}
