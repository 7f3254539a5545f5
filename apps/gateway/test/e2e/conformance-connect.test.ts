import { spawn } from 'node:child_process';
import type { IConnackPacket, ISubackPacket } from 'mqtt-packet';
import { eventually, uniqueName } from '@starling/test-harness';
import { payloadsOn, shapeCases, summary } from '../support/e2e';
import type { TestClient } from '../support/mqtt-clients';
import { rawFrame, str, type RawSession } from '../support/raw-session';
import { shapeSuite } from '../support/shape-suite';

const WAIT = { timeoutMs: 10_000 };

/** CONNECT flag bits (§3.1.2.3). */
const FLAG = {
  reserved: 0x01,
  clean: 0x02,
  will: 0x04,
  willQos1: 0x08,
  willQos2: 0x10,
  willRetain: 0x20,
  password: 0x40,
  username: 0x80,
} as const;

/** A CONNECT built field by field, so that tests can get any of them wrong. */
function connectBytes(o: {
  name?: string;
  level?: number;
  flags: number;
  keepAliveSeconds?: number;
  payload: Buffer[];
}): Buffer {
  const keepAlive = o.keepAliveSeconds ?? 30;
  return rawFrame(
    0x10,
    Buffer.concat([
      str(o.name ?? 'MQTT'),
      Buffer.from([o.level ?? 4, o.flags, keepAlive >> 8, keepAlive & 0xff]),
      ...o.payload,
    ]),
  );
}

// MQTT 3.1.1 conformance of CONNECT / CONNACK, keep-alive, wills and the MQTT 3.1 differences
// (docs/conformance/mqtt-3.1.1.md), over raw sockets, mqtt.js and mosquitto's clients, against both shapes.
describe.each(shapeCases())('MQTT 3.1.1 conformance: CONNECT (%s)', (_shapeName, start) => {
  const suite = shapeSuite(start);
  const { raws, clients } = suite;
  const firstUrl = suite.firstUrl;
  const lastUrl = suite.lastUrl;

  const flushWith = (sub: TestClient, topic: string, marker?: string) =>
    clients.flushWith(lastUrl(), sub, topic, marker, WAIT.timeoutMs);

  async function watch(topic: string, qos: 0 | 1 | 2 = 2): Promise<TestClient> {
    const watcher = await clients.connect(firstUrl());
    await watcher.client.subscribeAsync(topic, { qos });
    return watcher;
  }

  /** Sends `bytes` as the first packet; the server must close without a CONNACK [MQTT-3.1.4-1]. */
  async function expectClosedWithoutConnack(bytes: Buffer): Promise<RawSession> {
    const session = await raws.open(lastUrl());
    session.write(bytes);
    await session.closedByServer();
    expect(session.packets.map((p) => p.cmd)).toEqual([]);
    return session;
  }

  /** Sends `bytes` as the first packet; the server must answer CONNACK `code` with session present 0, then close. */
  async function expectRefused(bytes: Buffer, code: number, protocolVersion: 3 | 4 = 4): Promise<void> {
    const session = await raws.open(lastUrl(), protocolVersion);
    session.write(bytes);
    const connack = await session.next<IConnackPacket>('connack');
    expect({ returnCode: connack.returnCode, sessionPresent: connack.sessionPresent }).toEqual({
      returnCode: code,
      sessionPresent: false, // [MQTT-3.2.2-4]
    });
    await session.closedByServer(); // [MQTT-3.2.2-5]
    expect(session.packets.map((p) => p.cmd)).toEqual(['connack']);
  }

  describe('first packet and protocol', () => {
    it('[MQTT-3.1.0-1] [MQTT-4.8.0-1] a PUBLISH before CONNECT closes the connection and is not processed', async () => {
      const topic = `${uniqueName()}/early`;
      const watcher = await watch(topic);
      await expectClosedWithoutConnack(rawFrame(0x32, [...str(topic), 0, 1, ...Buffer.from('early')]));
      await flushWith(watcher, topic, 'after');
      expect(payloadsOn(watcher.received, topic)).toEqual(['after']);
    });

    it('[MQTT-3.1.0-2] a second CONNECT closes the connection (and the will is published: no DISCONNECT)', async () => {
      const willTopic = `${uniqueName()}/will`;
      const watcher = await watch(willTopic);
      const { session } = await raws.connect(lastUrl(), {
        will: { topic: willTopic, payload: Buffer.from('second-connect'), qos: 1, retain: false },
      });
      session.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'x', clean: true });
      await session.closedByServer();
      expect(session.packets.map((p) => p.cmd)).toEqual(['connack']);
      await eventually(
        () => expect(payloadsOn(watcher.received, willTopic)).toEqual(['second-connect']),
        WAIT,
      );
    });

    it.each(['mqtt', 'MQTX', 'MQIsdp3'])(
      '[MQTT-3.1.2-1] protocol name %s: closed without CONNACK',
      async (name) => {
        await expectClosedWithoutConnack(
          connectBytes({ name, flags: FLAG.clean, payload: [str(uniqueName())] }),
        );
      },
    );

    it.each([
      ['MQTT', 3],
      ['MQTT', 5],
      ['MQTT', 0],
      ['MQIsdp', 4],
    ] as const)(
      '[MQTT-3.1.2-2] protocol name %s with level %i: CONNACK 0x01, then close',
      async (name, level) => {
        await expectRefused(
          connectBytes({ name, level, flags: FLAG.clean, payload: [str(uniqueName())] }),
          0x01,
        );
      },
    );

    it('[MQTT-3.2.0-1] CONNACK is the first packet, ahead of the SUBACK and PINGRESP pipelined behind CONNECT', async () => {
      const session = await raws.open(lastUrl());
      const topic = `${uniqueName()}/pipelined`;
      session.write(
        Buffer.concat([
          connectBytes({ flags: FLAG.clean, payload: [str(uniqueName())] }),
          rawFrame(0x82, [0, 1, ...str(topic), 1]),
          Buffer.from([0xc0, 0x00]),
        ]),
      );
      await session.next('pingresp');
      expect(session.packets.map((p) => p.cmd)).toEqual(['connack', 'suback', 'pingresp']);
      expect((session.packets[1] as ISubackPacket).granted).toEqual([1]);
    });
  });

  describe('connect flags', () => {
    const malformed: Array<[string, () => Buffer]> = [
      [
        '[MQTT-3.1.2-3] the reserved flag set',
        () => connectBytes({ flags: FLAG.clean | FLAG.reserved, payload: [str(uniqueName())] }),
      ],
      [
        '[MQTT-3.1.2-11] [MQTT-3.1.2-13] will QoS 1 without the will flag',
        () => connectBytes({ flags: FLAG.clean | FLAG.willQos1, payload: [str(uniqueName())] }),
      ],
      [
        '[MQTT-3.1.2-11] [MQTT-3.1.2-15] will retain without the will flag',
        () => connectBytes({ flags: FLAG.clean | FLAG.willRetain, payload: [str(uniqueName())] }),
      ],
      [
        '[MQTT-3.1.2-14] will QoS 3',
        () =>
          connectBytes({
            flags: FLAG.clean | FLAG.will | FLAG.willQos1 | FLAG.willQos2,
            payload: [str(uniqueName()), str('will/topic'), str('bye')],
          }),
      ],
      [
        '[MQTT-3.1.2-9] the will flag without will topic and message',
        () => connectBytes({ flags: FLAG.clean | FLAG.will, payload: [str(uniqueName())] }),
      ],
      [
        '[MQTT-3.1.3-10] [MQTT-4.7.1-1] a will topic with a wildcard',
        () =>
          connectBytes({
            flags: FLAG.clean | FLAG.will,
            payload: [str(uniqueName()), str('will/#'), str('bye')],
          }),
      ],
      [
        '[MQTT-3.1.3-10] [MQTT-1.5.3-1] a will topic that is not UTF-8',
        () =>
          connectBytes({
            flags: FLAG.clean | FLAG.will,
            payload: [str(uniqueName()), str(Buffer.from([0x77, 0xff])), str('bye')],
          }),
      ],
      [
        '[MQTT-3.1.2-19] the user name flag without a user name',
        () => connectBytes({ flags: FLAG.clean | FLAG.username, payload: [str(uniqueName())] }),
      ],
      [
        '[MQTT-3.1.2-21] the password flag without a password',
        () =>
          connectBytes({
            flags: FLAG.clean | FLAG.username | FLAG.password,
            payload: [str(uniqueName()), str('user')],
          }),
      ],
      [
        '[MQTT-3.1.2-22] a password without the user name flag',
        () =>
          connectBytes({ flags: FLAG.clean | FLAG.password, payload: [str(uniqueName()), str('secret')] }),
      ],
      [
        '[MQTT-3.1.3-11] [MQTT-1.5.3-2] a user name holding U+0000',
        () =>
          connectBytes({
            flags: FLAG.clean | FLAG.username,
            payload: [str(uniqueName()), str(Buffer.from([0x75, 0x00]))],
          }),
      ],
      [
        '[MQTT-3.1.3-4] [MQTT-1.5.3-1] a client identifier that is not UTF-8',
        () => connectBytes({ flags: FLAG.clean, payload: [str(Buffer.from([0x63, 0xc3, 0x28]))] }),
      ],
      [
        '[MQTT-3.1.3-3] a CONNECT without a client identifier',
        () => connectBytes({ flags: FLAG.clean, payload: [] }),
      ],
    ];
    it.each(malformed)('%s: closed without CONNACK [MQTT-3.1.4-1] [MQTT-3.2.2-6]', async (_t, bytes) => {
      await expectClosedWithoutConnack(bytes());
    });

    it('[MQTT-3.1.2-18] [MQTT-3.1.2-19] [MQTT-3.1.2-20] [MQTT-3.1.2-21] [MQTT-3.1.3-1] user name and password in order are accepted', async () => {
      const session = await raws.open(lastUrl());
      session.write(
        connectBytes({
          flags: FLAG.clean | FLAG.username | FLAG.password | FLAG.will | FLAG.willQos1,
          payload: [str(uniqueName()), str('will/t'), str('w'), str('user'), str('password')],
        }),
      );
      expect((await session.next<IConnackPacket>('connack')).returnCode).toBe(0);
      session.write([0xc0, 0x00]);
      await session.next('pingresp');
    });
  });

  describe('client identifier', () => {
    it.each([
      ['23 characters of 0-9a-zA-Z', () => `${'aZ09'.repeat(5)}xyz`],
      [
        'a long UTF-8 one (beyond the 23 bytes a server must accept)',
        () => `${uniqueName()}-ä-€-😀`.repeat(4),
      ],
      ['one character', () => 'q'],
    ])('[MQTT-3.1.3-5] %s is accepted', async (_t, clientId) => {
      const { connack } = await raws.connect(lastUrl(), { clientId: clientId() });
      expect(connack.sessionPresent).toBe(false);
    });

    it('[MQTT-3.1.3-6] zero-length client ids with clean session get distinct identifiers: two such clients coexist', async () => {
      const { session: a } = await raws.connect(firstUrl(), { clientId: '' });
      const { session: b } = await raws.connect(firstUrl(), { clientId: '' });
      // Had they been given the same identifier, b would have taken a over [MQTT-3.1.4-2].
      a.write([0xc0, 0x00]);
      b.write([0xc0, 0x00]);
      await a.next('pingresp');
      await b.next('pingresp');
      expect([a.isClosed(), b.isClosed()]).toEqual([false, false]);
    });

    it('[MQTT-3.1.3-7] [MQTT-3.1.3-8] [MQTT-3.1.3-9] a zero-length client id without clean session: CONNACK 0x02, then close', async () => {
      await expectRefused(connectBytes({ flags: 0, payload: [str('')] }), 0x02);
    });

    it('[MQTT-3.1.4-5] data after a refused CONNECT is not processed', async () => {
      const topic = `${uniqueName()}/after-refused`;
      const watcher = await watch(topic);
      const session = await raws.open(lastUrl());
      session.write(
        Buffer.concat([
          connectBytes({ flags: 0, payload: [str('')] }),
          rawFrame(0x32, [...str(topic), 0, 1, ...Buffer.from('must not be processed')]),
          Buffer.from([0xc0, 0x00]),
        ]),
      );
      await session.closedByServer();
      expect(session.packets.map((p) => p.cmd)).toEqual(['connack']);
      await flushWith(watcher, topic, 'after');
      expect(payloadsOn(watcher.received, topic)).toEqual(['after']);
    });
  });

  describe('keep-alive', () => {
    it('[MQTT-3.1.2-24] a silent client is closed after 1.5 × its keep-alive, and its will is published', async () => {
      const willTopic = `${uniqueName()}/will`;
      const watcher = await watch(willTopic);
      const session = await raws.open(lastUrl());
      const sentAt = Date.now();
      session.send({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clientId: uniqueName(),
        clean: true,
        keepalive: 1,
        will: { topic: willTopic, payload: Buffer.from('timed out'), qos: 1, retain: false },
      });
      await session.next('connack');
      await session.closedByServer(10_000);
      const closedAfterMs = Date.now() - sentAt;
      // 1.5 s at the earliest; the watch ticks every 500 ms (the upper bound leaves room for a loaded machine).
      expect(closedAfterMs).toBeGreaterThanOrEqual(1_450);
      expect(closedAfterMs).toBeLessThan(8_000);
      await eventually(() => expect(payloadsOn(watcher.received, willTopic)).toEqual(['timed out']), WAIT);
    });

    it('[MQTT-3.1.2-24] [MQTT-3.12.4-1] any packet within 1.5 × the keep-alive keeps the connection: PINGREQ or PUBLISH', async () => {
      const { session } = await raws.connect(lastUrl(), { keepalive: 2 });
      const topic = `${uniqueName()}/keep`;
      // 5 s of traffic, one packet a second: well past 3 s (1.5 × 2 s) in total.
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 1_000));
        if (i % 2 === 0) session.write([0xc0, 0x00]);
        else session.write(rawFrame(0x30, [...str(topic), ...Buffer.from('x')]));
        expect(session.isClosed()).toBe(false);
      }
      session.write([0xc0, 0x00]);
      await eventually(() => expect(session.all('pingresp')).toHaveLength(4), WAIT);
      expect(session.isClosed()).toBe(false);
    });

    it('[MQTT-3.1.2-24] keep-alive 0 turns the timeout off', async () => {
      const { session } = await raws.connect(lastUrl(), { keepalive: 0 });
      // A bounded wait proving an absence: silent for 3.5 s, still answered.
      await new Promise((r) => setTimeout(r, 3_500));
      session.write([0xc0, 0x00]);
      await session.next('pingresp');
      expect(session.isClosed()).toBe(false);
    });
  });

  describe('will', () => {
    it('[MQTT-3.1.2-9] [MQTT-3.1.2-17] a will with retain 1 is published retained at its QoS', async () => {
      const willTopic = `${uniqueName()}/will`;
      const watcher = await watch(willTopic, 2);
      const dying = await clients.connect(lastUrl(), {
        will: { topic: willTopic, payload: Buffer.from('retained will'), qos: 2, retain: true },
      });
      dying.client.stream.destroy();
      // Live to an established subscription: RETAIN 0 [MQTT-3.3.1-9], at the will's QoS.
      await eventually(
        () => expect(summary(watcher.received)).toEqual([[willTopic, 'retained will', 2, false]]),
        WAIT,
      );
      const late = await clients.connect(firstUrl());
      await late.client.subscribeAsync(willTopic, { qos: 2 });
      await eventually(
        () => expect(summary(late.received)).toEqual([[willTopic, 'retained will', 2, true]]),
        WAIT,
      );
    });

    it('[MQTT-3.1.2-16] a will with retain 0 is published, not retained', async () => {
      const willTopic = `${uniqueName()}/will`;
      const watcher = await watch(willTopic, 1);
      const dying = await clients.connect(lastUrl(), {
        will: { topic: willTopic, payload: Buffer.from('plain will'), qos: 1, retain: false },
      });
      dying.client.stream.destroy();
      await eventually(
        () => expect(summary(watcher.received)).toEqual([[willTopic, 'plain will', 1, false]]),
        WAIT,
      );
      const late = await clients.connect(firstUrl());
      await late.client.subscribeAsync(willTopic, { qos: 1 });
      await flushWith(late, willTopic, 'live');
      expect(payloadsOn(late.received, willTopic)).toEqual(['live']);
    });

    it('[MQTT-3.1.2-8] [MQTT-3.1.2-10] a will is published once: not again when the session is resumed and closed', async () => {
      const clientId = uniqueName();
      const willTopic = `${uniqueName()}/will`;
      const watcher = await watch(willTopic, 1);
      const first = await clients.connect(lastUrl(), {
        clientId,
        clean: false,
        will: { topic: willTopic, payload: Buffer.from('once'), qos: 1, retain: false },
      });
      first.client.stream.destroy();
      await eventually(() => expect(payloadsOn(watcher.received, willTopic)).toEqual(['once']), WAIT);
      // The same session, connected again without a will and closed abruptly: no will any more.
      const second = await clients.connect(lastUrl(), { clientId, clean: false });
      second.client.stream.destroy();
      await new Promise((r) => setTimeout(r, 500));
      await flushWith(watcher, willTopic, 'after');
      expect(payloadsOn(watcher.received, willTopic)).toEqual(['once', 'after']);
    });
  });

  describe('MQTT 3.1 (protocol name MQIsdp, level 3)', () => {
    it('mqtt.js over 3.1: subscribe and publish at every QoS', async () => {
      const topic = `${uniqueName()}/v31`;
      const sub = await clients.connect(firstUrl(), {
        protocolId: 'MQIsdp',
        protocolVersion: 3,
        clientId: `s${Date.now().toString(36)}`,
      });
      expect((await sub.client.subscribeAsync(topic, { qos: 2 })).map((g) => g.qos)).toEqual([2]);
      const pub = await clients.connect(lastUrl(), {
        protocolId: 'MQIsdp',
        protocolVersion: 3,
        clientId: `p${Date.now().toString(36)}`,
      });
      for (const qos of [0, 1, 2] as const) await pub.client.publishAsync(topic, `q${qos}`, { qos });
      await eventually(
        () =>
          expect(summary(sub.received)).toEqual([
            [topic, 'q0', 0, false],
            [topic, 'q1', 1, false],
            [topic, 'q2', 2, false],
          ]),
        WAIT,
      );
    });

    it('mosquitto_pub -V mqttv31 (third-party 3.1 client) reaches an mqtt.js subscriber', async () => {
      const topic = `${uniqueName()}/mosquitto-v31`;
      const sub = await clients.connect(firstUrl());
      await sub.client.subscribeAsync(topic, { qos: 2 });
      const url = new URL(lastUrl());
      const result = await runTool('mosquitto_pub', [
        ...['-h', url.hostname, '-p', url.port, '-V', 'mqttv31', '-t', topic, '-m', 'from 3.1', '-q', '2'],
      ]);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      await eventually(() => expect(summary(sub.received)).toEqual([[topic, 'from 3.1', 2, false]]), WAIT);
    });

    it('3.1 CONNACK has no session present flag: its first byte is 0 even when a session is resumed', async () => {
      const clientId = `r${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;
      const first = await raws.connect(firstUrl(), { clientId, clean: false, protocolVersion: 3 });
      first.session.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'v31/x', qos: 1 }] });
      await first.session.next('suback');
      first.session.send({ cmd: 'disconnect' });
      await first.session.closedByServer();
      const second = await raws.open(lastUrl(), 3);
      second.send({
        cmd: 'connect',
        protocolId: 'MQIsdp',
        protocolVersion: 3,
        clientId,
        clean: false,
        keepalive: 30,
      });
      await second.next('connack');
      expect(second.raw.received().subarray(0, 4)).toEqual(Buffer.from([0x20, 0x02, 0x00, 0x00]));
      // The session was resumed all the same: the subscription is there (SUBACK re-grants it, no new one).
      const pub = await clients.connect(lastUrl());
      await pub.client.publishAsync('v31/x', 'resumed', { qos: 1 });
      const publish = await second.next('publish');
      expect(publish.cmd === 'publish' && publish.payload.toString()).toBe('resumed');
      second.send({ cmd: 'puback', messageId: publish.messageId ?? 0 });
    });

    it.each([
      ['23 characters: accepted', 'x'.repeat(23), 0x00],
      ['24 characters: CONNACK 0x02 (identifier rejected)', 'x'.repeat(24), 0x02],
      ['zero length, clean session: CONNACK 0x02 (3.1 assigns none)', '', 0x02],
    ])('3.1 client identifier of %s', async (_t, clientId, code) => {
      const session = await raws.open(lastUrl(), 3);
      session.write(
        connectBytes({ name: 'MQIsdp', level: 3, flags: FLAG.clean, payload: [str(`${clientId}`)] }),
      );
      const connack = await session.next<IConnackPacket>('connack');
      expect({ code: connack.returnCode, sessionPresent: connack.sessionPresent }).toEqual({
        code,
        sessionPresent: false,
      });
      if (code !== 0) await session.closedByServer();
    });
  });
});

async function runTool(command: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c));
  });
  clearTimeout(timer);
  return { code, stderr };
}
