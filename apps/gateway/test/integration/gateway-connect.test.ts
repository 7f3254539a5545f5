import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type mqttPacket from 'mqtt-packet';
import { eventually, makeTempDir, uniqueName } from '@starling/test-harness';
import { hashPasswordLine } from '../../src';
import {
  RawClient,
  clients,
  connackCode,
  connectPacket,
  connectTcp,
  counterValue,
  mqttOptions,
  startStack,
  type Stack,
} from '../support/gateway-stack';

// ---- tests -----------------------------------------------------------------------------------------------

describe('gateway CONNECT', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  test('accepts a 3.1.1 client over TCP with CONNACK 0x00 [MQTT-3.2.2-3]', async () => {
    const client = await connectTcp(stack, { clientId: uniqueName() });
    expect(client.connected).toBe(true);
  });

  test('accepts a 3.1.1 client over WebSocket at /mqtt with subprotocol mqtt [MQTT-6.0.0-3]', async () => {
    const client = await mqtt.connectAsync(
      `ws://127.0.0.1:${stack.gateway.ports.ws}/mqtt`,
      mqttOptions({ clientId: uniqueName() }),
    );
    clients.push(client);
    expect(client.connected).toBe(true);
    await client.subscribeAsync('ws/echo', { qos: 1 });
    const received = new Promise<string>((resolve) =>
      client.once('message', (_t, p) => resolve(p.toString())),
    );
    await client.publishAsync('ws/echo', 'over websocket', { qos: 1 });
    expect(await received).toBe('over websocket');
  });

  test('accepts a 3.1 client (MQIsdp, level 3)', async () => {
    const client = await connectTcp(stack, { clientId: 'c31', protocolId: 'MQIsdp', protocolVersion: 3 });
    expect(client.connected).toBe(true);
  });

  test('refuses a 3.1 client id over 23 characters with 0x02', async () => {
    const code = await connackCode(stack, {
      clientId: 'x'.repeat(24),
      protocolId: 'MQIsdp',
      protocolVersion: 3,
    });
    expect(code).toBe(2);
  });

  test('assigns a client id to a zero-length one with clean session [MQTT-3.1.3-6]', async () => {
    const client = await connectTcp(stack, { clientId: '', clean: true });
    expect(client.connected).toBe(true);
  });

  test('refuses a zero-length client id without clean session with 0x02 and closes [MQTT-3.1.3-8]', async () => {
    const raw = await RawClient.open(stack);
    // CONNECT 'MQTT' level 4, clean session 0, keep alive 60, zero-length client id.
    raw.write([0x10, 12, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x00, 0, 60, 0, 0]);
    const connack = (await raw.packet('connack')) as mqttPacket.IConnackPacket;
    expect(connack.returnCode).toBe(2);
    expect(connack.sessionPresent).toBe(false);
    await raw.closedByServer();
  });

  test('answers an unsupported protocol level with CONNACK 0x01 and closes [MQTT-3.1.2-2]', async () => {
    const raw = await RawClient.open(stack);
    // CONNECT 'MQTT' level 6, clean, keep alive 60, client id 'a'.
    raw.write([0x10, 13, 0, 4, 0x4d, 0x51, 0x54, 0x54, 6, 0x02, 0, 60, 0, 1, 0x61]);
    const connack = (await raw.packet('connack')) as mqttPacket.IConnackPacket;
    expect(connack.returnCode).toBe(1);
    await raw.closedByServer();
  });

  test('closes on a CONNECT whose reserved flag is set [MQTT-3.1.2-3]', async () => {
    const raw = await RawClient.open(stack);
    raw.write([0x10, 13, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x03, 0, 60, 0, 1, 0x61]);
    await raw.closedByServer();
    expect(raw.packets).toHaveLength(0);
  });

  test('closes on a password without a user name [MQTT-3.1.2-22]', async () => {
    const raw = await RawClient.open(stack);
    // flags: password (0x40) + clean (0x02), no user name flag.
    raw.write([0x10, 17, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x42, 0, 60, 0, 1, 0x61, 0, 2, 0x70, 0x77]);
    await raw.closedByServer();
  });

  test('closes on a second CONNECT [MQTT-3.1.0-2]', async () => {
    const raw = await RawClient.open(stack);
    raw.send(connectPacket());
    await raw.packet('connack');
    raw.send(connectPacket());
    await raw.closedByServer();
  });

  test('closes when the first packet is not CONNECT [MQTT-3.1.0-1]', async () => {
    const raw = await RawClient.open(stack);
    raw.write([0xc0, 0x00]); // PINGREQ
    await raw.closedByServer();
    expect(raw.packets).toHaveLength(0);
  });

  test('closes after 1.5 times the keep-alive without a packet [MQTT-3.1.2-24]', async () => {
    const raw = await RawClient.open(stack);
    const started = Date.now();
    raw.send(connectPacket({ keepalive: 1 }));
    await raw.packet('connack');
    await raw.closedByServer(5_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
  });

  test('keeps a client that sends PINGREQ within the keep-alive, answering PINGRESP [MQTT-3.12.4-1]', async () => {
    const raw = await RawClient.open(stack);
    raw.send(connectPacket({ keepalive: 1 }));
    await raw.packet('connack');
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 500));
      raw.send({ cmd: 'pingreq' });
    }
    expect(raw.closed).toBe(false);
    await raw.packet('pingresp');
  });

  test('session present is 0 for clean session and 1 for a resumed persistent one [MQTT-3.2.2-1, -2]', async () => {
    const clientId = uniqueName();
    const first = await connectTcp(stack, { clientId, clean: false });
    await first.subscribeAsync('persist/topic', { qos: 1 });
    await first.endAsync();
    const again = await mqtt.connectAsync(
      `mqtt://127.0.0.1:${stack.gateway.ports.mqtt}`,
      mqttOptions({ clientId, clean: false }),
    );
    clients.push(again);
    const present = await new Promise<boolean>((resolve) => {
      // connectAsync resolved already; the CONNACK flag is on the client.
      resolve(
        (again as unknown as { connackPacket?: { sessionPresent?: boolean } }).connackPacket
          ?.sessionPresent ?? false,
      );
    });
    expect(present).toBe(true);
    await again.endAsync();
    const clean = await connectTcp(stack, { clientId, clean: true });
    expect(
      (clean as unknown as { connackPacket?: { sessionPresent?: boolean } }).connackPacket?.sessionPresent ??
        false,
    ).toBe(false);
  });

  test('a second connection with the same client id takes the session over [MQTT-3.1.4-2]', async () => {
    const clientId = uniqueName();
    const old = await connectTcp(stack, { clientId });
    const oldClosed = new Promise<void>((resolve) => old.once('close', () => resolve()));
    const fresh = await connectTcp(stack, { clientId });
    await oldClosed;
    expect(fresh.connected).toBe(true);
    await fresh.publishAsync('takeover/works', 'x', { qos: 1 });
    expect(await counterValue(stack.metrics.takeovers, { where: 'local' })).toBeGreaterThanOrEqual(1);
  });

  test('publishes the will when the connection ends without DISCONNECT [MQTT-3.1.2-8]', async () => {
    const topic = `will/${uniqueName()}`;
    const watcher = await connectTcp(stack, { clientId: uniqueName('watcher') });
    await watcher.subscribeAsync(topic, { qos: 1 });
    const received = new Promise<string>((resolve) =>
      watcher.once('message', (_t, p) => resolve(p.toString())),
    );
    const raw = await RawClient.open(stack);
    raw.send(connectPacket({ will: { topic, payload: Buffer.from('gone'), qos: 1, retain: false } }));
    await raw.packet('connack');
    raw.socket.destroy();
    expect(await received).toBe('gone');
  });

  test('discards the will on DISCONNECT [MQTT-3.1.2-10]', async () => {
    const topic = `will/${uniqueName()}`;
    const watcher = await connectTcp(stack, { clientId: uniqueName('watcher') });
    await watcher.subscribeAsync([topic, `${topic}/marker`], { qos: 1 });
    const messages: string[] = [];
    watcher.on('message', (t) => messages.push(t));
    const client = await connectTcp(stack, {
      clientId: uniqueName(),
      will: { topic, payload: Buffer.from('gone'), qos: 1, retain: false },
    });
    await client.endAsync();
    // A message published after the DISCONNECT arrives; the will, which would precede it, never does.
    const marker = await connectTcp(stack, { clientId: uniqueName('marker') });
    await marker.publishAsync(`${topic}/marker`, 'after', { qos: 1 });
    await eventually(() => messages.includes(`${topic}/marker`));
    expect(messages).not.toContain(topic);
  });
});

describe('gateway authentication', () => {
  let stack: Stack;
  beforeAll(async () => {
    const dir = makeTempDir();
    const file = join(dir.path, 'users');
    writeFileSync(file, `# users\n${await hashPasswordLine('alice', 'wonderland')}\n`);
    stack = await startStack({ GATEWAY_ALLOW_ANONYMOUS: 'false', GATEWAY_AUTH_FILE: file });
  });
  afterAll(async () => {
    await stack.close();
  });

  test('accepts a user with the right password', async () => {
    const code = await connackCode(stack, {
      clientId: uniqueName(),
      username: 'alice',
      password: 'wonderland',
    });
    expect(code).toBe(0);
  });

  test('refuses a wrong password with 0x04', async () => {
    const code = await connackCode(stack, { clientId: uniqueName(), username: 'alice', password: 'nope' });
    expect(code).toBe(4);
  });

  test('refuses an unknown user with 0x04', async () => {
    const code = await connackCode(stack, { clientId: uniqueName(), username: 'mallory', password: 'x' });
    expect(code).toBe(4);
  });

  test('refuses anonymous clients by default with 0x05', async () => {
    const code = await connackCode(stack, { clientId: uniqueName() });
    expect(code).toBe(5);
    expect(await counterValue(stack.metrics.authFailures, { reason: 'anonymous' })).toBeGreaterThanOrEqual(1);
  });
});
