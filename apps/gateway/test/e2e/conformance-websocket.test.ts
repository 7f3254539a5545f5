import { generate, parser, type Packet } from 'mqtt-packet';
import WebSocket from 'ws';
import { eventually, uniqueName } from '@starling/test-harness';
import { shapeCases, summary } from '../support/e2e';
import { shapeSuite } from '../support/shape-suite';

const WAIT = { timeoutMs: 10_000 };

/** A WebSocket to the gateway offering `protocols`, with every MQTT packet it receives parsed in order. */
async function openWs(url: string, protocols: string[]) {
  const ws = new WebSocket(url, protocols);
  const packets: Packet[] = [];
  const p = parser({ protocolVersion: 4 });
  p.on('packet', (packet: Packet) => packets.push(packet));
  ws.on('message', (data: Buffer) => p.parse(data));
  let closed = false;
  ws.on('close', () => (closed = true));
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, packets, isClosed: () => closed };
}

// MQTT over WebSocket (§6) against both shapes: binary frames only, packets not aligned on frames, the "mqtt"
// subprotocol.
describe.each(shapeCases())('MQTT 3.1.1 conformance: WebSocket (%s)', (_shapeName, start) => {
  const suite = shapeSuite(start);
  const { clients } = suite;
  const sockets: WebSocket[] = [];
  afterEach(() => sockets.splice(0).forEach((s) => s.terminate()));

  async function open(protocols: string[]) {
    const c = await openWs(suite.shape.wsUrl(0), protocols);
    sockets.push(c.ws);
    return c;
  }

  it('[MQTT-6.0.0-4] the server selects "mqtt" among the subprotocols offered', async () => {
    const { ws } = await open(['chat', 'mqtt']);
    expect(ws.protocol).toBe('mqtt');
  });

  it('[MQTT-6.0.0-2] packets split across frames and several packets in one frame are read alike', async () => {
    const c = await open(['mqtt']);
    const connect = generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: uniqueName(),
      clean: true,
      keepalive: 30,
    });
    const topic = `${uniqueName()}/ws`;
    const subscribe = generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }] });
    const ping = Buffer.from([0xc0, 0x00]);
    // CONNECT in three frames, the last one carrying the SUBSCRIBE's first byte; then the rest and a PINGREQ.
    const bytes = Buffer.concat([connect, subscribe, ping]);
    const cuts = [3, connect.length - 1, connect.length + 1, bytes.length];
    let from = 0;
    for (const to of cuts) {
      c.ws.send(bytes.subarray(from, to), { binary: true });
      from = to;
    }
    await eventually(
      () => expect(c.packets.map((p) => p.cmd)).toEqual(['connack', 'suback', 'pingresp']),
      WAIT,
    );
  });

  it('[MQTT-6.0.0-1] a text frame closes the connection', async () => {
    const c = await open(['mqtt']);
    c.ws.send(generate({ cmd: 'pingreq' }).toString('latin1'), { binary: false });
    await eventually(() => expect(c.isClosed()).toBe(true), WAIT);
    expect(c.packets).toEqual([]);
  });

  it('mqtt.js over WebSocket, 3.1.1 ("mqtt") and 3.1 ("mqttv3.1"), round trip with a TCP client', async () => {
    const topic = `${uniqueName()}/ws-round-trip`;
    const v311 = await clients.connect(suite.shape.wsUrl(0));
    await v311.client.subscribeAsync(topic, { qos: 1 });
    const v31 = await clients.connect(suite.shape.wsUrl(suite.shape.gatewayCount - 1), {
      protocolId: 'MQIsdp',
      protocolVersion: 3,
      clientId: `w${Date.now().toString(36)}`,
    });
    await v31.client.publishAsync(topic, 'from 3.1 over ws', { qos: 1 });
    await eventually(
      () => expect(summary(v311.received)).toEqual([[topic, 'from 3.1 over ws', 1, false]]),
      WAIT,
    );
  });
});
