import type { IConnackPacket } from 'mqtt-packet';
import { eventually, uniqueName } from '@starling/test-harness';
import { SHAPE_START_TIMEOUT_MS } from '../support/e2e';
import { rawFrame, rawTracker, str } from '../support/raw-session';
import { startMultiProcessShape, type MultiProcessShape } from '../support/system-shapes';

// [MQTT-4.8.0-2] a transient error while processing a packet closes the connection: with its store shard down,
// the gateway cannot take a PUBLISH, and closes instead of leaving the client waiting for a PUBACK that will
// never come (the client sends the message again when it reconnects). A CONNECT meanwhile waits (bounded)
// for the store to come back. Multi-process: the store is a process that can be killed.
describe('MQTT 3.1.1 conformance: transient errors (multi-process, store killed)', () => {
  let shape: MultiProcessShape;
  const raws = rawTracker();

  beforeAll(async () => {
    shape = await startMultiProcessShape({ gateways: 1 });
  }, SHAPE_START_TIMEOUT_MS);
  afterEach(() => raws.destroyAll());
  afterAll(() => shape?.stop(), 30_000);

  it('[MQTT-4.8.0-2] [MQTT-4.4.0-1] a PUBLISH the store cannot take closes the connection, unacknowledged; after the restart it is taken', async () => {
    const topic = `${uniqueName()}/transient`;
    const { session: qos1 } = await raws.connect(shape.mqttUrl(0));
    const { session: qos0 } = await raws.connect(shape.mqttUrl(0));
    await shape.stores[0]!.kill('SIGKILL');
    qos1.write(rawFrame(0x32, [...str(topic), 0, 1, ...Buffer.from('q1')]));
    qos0.write(rawFrame(0x30, [...str(topic), ...Buffer.from('q0')]));
    await qos1.closedByServer(20_000);
    await qos0.closedByServer(20_000);
    expect(qos1.packets.map((p) => p.cmd)).toEqual(['connack']);

    // A client that connects while the store is down gets its CONNACK once the store is back (a short outage
    // is waited out, bounded) rather than a refusal.
    const reconnecting = await raws.open(shape.mqttUrl(0));
    reconnecting.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: uniqueName(),
      clean: false,
      keepalive: 30,
    });
    const restartStartedAt = Date.now();
    await shape.restartStore(0);
    const restartMs = Date.now() - restartStartedAt;
    const connack = await reconnecting.next<IConnackPacket>('connack');
    // The gateway tries for 4 s: a restart well within that must end in an accepted CONNECT.
    if (restartMs < 3_000) expect(connack.returnCode).toBe(0);
    else expect([0, 3]).toContain(connack.returnCode);
    // The client's resend on its next connection is taken (the gateway reconnects to the store by itself).
    await eventually(
      async () => {
        const { session } = await raws.connect(shape.mqttUrl(0));
        session.write(rawFrame(0x3a, [...str(topic), 0, 1, ...Buffer.from('q1')])); // DUP: a resend
        await session.next('puback', undefined, 3_000);
      },
      { timeoutMs: 30_000 },
    );
  }, 90_000);
});
