import { eventually, uniqueName } from '@starling/test-harness';
import { payloadsOn, shapeCases, summary } from '../support/e2e';
import { mosquittoPub, mosquittoSub } from '../support/mosquitto';
import type { TestClient } from '../support/mqtt-clients';
import { shapeSuite } from '../support/shape-suite';

type QoS = 0 | 1 | 2;
const QOS: QoS[] = [0, 1, 2];

// QoS, topic matching, retained messages and wills with real clients (mqtt.js and Debian's mosquitto
// tools). In the multi-process shape publishers use the last gateway and subscribers the first, so every
// message crosses from one gateway process to the other through the store.
describe.each(shapeCases())('MQTT semantics end to end (%s)', (_shapeName, start) => {
  const suite = shapeSuite(start);
  const { clients } = suite;
  const subUrl = suite.firstUrl;
  const pubUrl = suite.lastUrl;

  const flushWith = (sub: TestClient, topic: string, marker?: string) =>
    clients.flushWith(pubUrl(), sub, topic, marker);

  describe('QoS round trips', () => {
    const matrix = QOS.flatMap((published) => QOS.map((subscribed) => [published, subscribed] as const));
    it.each(matrix)(
      '[MQTT-3.8.4-6] [MQTT-4.3.1-1] [MQTT-4.3.2-2] [MQTT-4.3.3-2] mqtt.js published QoS %i, subscribed QoS %i: delivered once at the minimum',
      async (published, subscribed) => {
        const topic = `${uniqueName()}/qos`;
        const sub = await clients.connect(subUrl());
        expect((await sub.client.subscribeAsync(topic, { qos: subscribed })).map((g) => g.qos)).toEqual([
          subscribed,
        ]);
        const pub = await clients.connect(pubUrl());
        // Resolves on PUBACK (QoS 1) or PUBCOMP (QoS 2): the inbound handshake completed.
        await pub.client.publishAsync(topic, `q${published}`, { qos: published });
        const expected = Math.min(published, subscribed);
        await eventually(
          () => expect(summary(sub.received)).toEqual([[topic, `q${published}`, expected, false]]),
          {
            timeoutMs: 10_000,
          },
        );
        // No duplicate follows: the marker comes after anything else the gateway would still send.
        await pub.client.publishAsync(topic, 'end', { qos: 1 });
        await eventually(() => expect(payloadsOn(sub.received, topic)).toEqual([`q${published}`, 'end']), {
          timeoutMs: 10_000,
        });
      },
    );

    it.each(QOS)(
      '[MQTT-4.3.2-2] [MQTT-4.3.3-2] mosquitto_pub at QoS %i → mqtt.js subscriber at QoS 2 gets it at that QoS',
      async (qos) => {
        const topic = `${uniqueName()}/mosquitto-pub`;
        const sub = await clients.connect(subUrl());
        await sub.client.subscribeAsync(topic, { qos: 2 });
        const result = await mosquittoPub(pubUrl(), { topic, message: `from-mosquitto-${qos}`, qos });
        expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: [] });
        await eventually(
          () => expect(summary(sub.received)).toEqual([[topic, `from-mosquitto-${qos}`, qos, false]]),
          { timeoutMs: 10_000 },
        );
      },
    );

    it.each(QOS)(
      '[MQTT-3.8.4-6] mqtt.js publishes at QoS 2 → mosquitto_sub subscribed at QoS %i gets it at that QoS',
      async (qos) => {
        const topic = `${uniqueName()}/mosquitto-sub`;
        const sub = mosquittoSub(subUrl(), { topic, qos, count: 1, timeoutSeconds: 10 });
        const pub = await clients.connect(pubUrl());
        // mosquitto_sub does not say when it is subscribed: publish until it has something (it exits then).
        let exited = false;
        void sub.done.then(() => (exited = true));
        for (let i = 0; !exited && sub.messages().length === 0 && i < 50; i++) {
          await pub.client.publishAsync(topic, `to-mosquitto-${i}`, { qos: 2 });
          await Promise.race([sub.done, new Promise((r) => setTimeout(r, 200))]);
        }
        const result = await sub.done;
        expect(result.code).toBe(0);
        expect(sub.messages()).toEqual([
          { retain: false, qos, topic, payload: expect.stringMatching(/^to-mosquitto-\d+$/) as unknown },
        ]);
      },
    );
  });

  describe('topic filters', () => {
    it('[MQTT-4.7.1-2] # matches the parent level and every level below it, nothing beside it', async () => {
      const base = uniqueName();
      const sub = await clients.connect(subUrl());
      await sub.client.subscribeAsync(`${base}/a/#`, { qos: 1 });
      const pub = await clients.connect(pubUrl());
      for (const topic of [`${base}/a`, `${base}/a/b`, `${base}/a/b/c/d`, `${base}/ab`, `${base}/b/a`, base])
        await pub.client.publishAsync(topic, topic, { qos: 1 });
      await flushWith(sub, `${base}/a/end`);
      expect(sub.received.map((m) => m.topic).sort()).toEqual(
        [`${base}/a`, `${base}/a/b`, `${base}/a/b/c/d`, `${base}/a/end`].sort(),
      );
    });

    it('[MQTT-4.7.1-3] + matches exactly one level, an empty one too', async () => {
      const base = uniqueName();
      const sub = await clients.connect(subUrl());
      await sub.client.subscribeAsync(`${base}/+/t`, { qos: 1 });
      const pub = await clients.connect(pubUrl());
      for (const topic of [
        `${base}/x/t`,
        `${base}//t`,
        `${base}/t`,
        `${base}/x/y/t`,
        `${base}/x/t/z`,
        `${base}/x/u`,
      ])
        await pub.client.publishAsync(topic, topic, { qos: 1 });
      await flushWith(sub, `${base}/end/t`);
      expect(sub.received.map((m) => m.topic).sort()).toEqual(
        [`${base}/x/t`, `${base}//t`, `${base}/end/t`].sort(),
      );
    });

    it('[MQTT-4.7.2-1] # and + at the first level do not match topics starting with $', async () => {
      const name = uniqueName();
      const dollarTopic = `$${name}/x`;
      const wildcard = await clients.connect(subUrl());
      expect((await wildcard.client.subscribeAsync(['#', '+/x'], { qos: 1 })).map((g) => g.qos)).toEqual([
        1, 1,
      ]);
      const explicit = await clients.connect(subUrl());
      await explicit.client.subscribeAsync(`$${name}/#`, { qos: 1 });
      const pub = await clients.connect(pubUrl());
      await pub.client.publishAsync(dollarTopic, 'dollar', { qos: 1 });
      // It was published and is deliverable: a filter that names the $ level explicitly receives it.
      await eventually(() => expect(payloadsOn(explicit.received, dollarTopic)).toEqual(['dollar']), {
        timeoutMs: 10_000,
      });
      await pub.client.publishAsync(`${name}/x`, 'plain', { qos: 1 });
      await eventually(() => expect(payloadsOn(wildcard.received, `${name}/x`)).toContain('plain'), {
        timeoutMs: 10_000,
      });
      expect(wildcard.received.filter((m) => m.topic.startsWith('$')).map((m) => m.topic)).toEqual([]);
    });

    it.each([
      [1, 2],
      [2, 0],
    ] as const)(
      '[MQTT-3.3.5-1] overlapping subscriptions (a/# at QoS %i, a/+ at QoS %i): at least one copy at the maximum QoS',
      async (hashQos, plusQos) => {
        const base = uniqueName();
        const sub = await clients.connect(subUrl());
        await sub.client.subscribeAsync({ [`${base}/#`]: { qos: hashQos }, [`${base}/+`]: { qos: plusQos } });
        const pub = await clients.connect(pubUrl());
        await pub.client.publishAsync(`${base}/x`, 'both', { qos: 2 });
        // One cursor per subscription: the copies may arrive at different times. The one at the maximum
        // QoS must arrive.
        const copies = () => sub.received.filter((m) => m.topic === `${base}/x`);
        await eventually(() => expect(copies().map((c) => c.qos)).toContain(Math.max(hashQos, plusQos)), {
          timeoutMs: 10_000,
        });
        await flushWith(sub, `${base}/y`); // matches both filters
        expect(copies().length).toBeLessThanOrEqual(2); // at most one per matching subscription
        expect(Math.max(...copies().map((c) => c.qos))).toBe(Math.max(hashQos, plusQos));
        expect(copies().map((c) => c.payload.toString())).toEqual(copies().map(() => 'both'));
      },
    );
  });

  describe('retained messages', () => {
    it('[MQTT-3.3.1-5] [MQTT-3.3.1-6] [MQTT-3.3.1-8] [MQTT-3.3.1-9] sent on subscribe with RETAIN set, live with RETAIN clear', async () => {
      const topic = `${uniqueName()}/state`;
      const pub = await clients.connect(pubUrl());
      await pub.client.publishAsync(topic, 'r1', { qos: 1, retain: true });
      const sub = await clients.connect(subUrl());
      await sub.client.subscribeAsync(topic, { qos: 1 });
      await eventually(() => expect(summary(sub.received)).toEqual([[topic, 'r1', 1, true]]), {
        timeoutMs: 10_000,
      });
      // A live delivery to an established subscription has RETAIN clear, whatever the publisher set.
      await pub.client.publishAsync(topic, 'r2', { qos: 1, retain: true });
      await eventually(
        () =>
          expect(summary(sub.received)).toEqual([
            [topic, 'r1', 1, true],
            [topic, 'r2', 1, false],
          ]),
        { timeoutMs: 10_000 },
      );
      // r2 replaced r1.
      const late = await clients.connect(subUrl());
      await late.client.subscribeAsync(topic, { qos: 0 });
      await eventually(() => expect(summary(late.received)).toEqual([[topic, 'r2', 0, true]]), {
        timeoutMs: 10_000,
      });
    });

    it('[MQTT-3.3.1-6] a wildcard subscription receives the retained message of every matching topic', async () => {
      const base = uniqueName();
      const pub = await clients.connect(pubUrl());
      await pub.client.publishAsync(`${base}/a`, 'A', { qos: 1, retain: true });
      await pub.client.publishAsync(`${base}/b/c`, 'BC', { qos: 0, retain: true });
      await pub.client.publishAsync(`${base}/d`, 'not retained', { qos: 1 });
      const sub = await clients.connect(subUrl());
      await sub.client.subscribeAsync(`${base}/#`, { qos: 1 });
      await flushWith(sub, `${base}/end`);
      expect(summary(sub.received).sort()).toEqual(
        [
          [`${base}/a`, 'A', 1, true],
          [`${base}/b/c`, 'BC', 0, true],
          [`${base}/end`, expect.any(String), 1, false],
        ].sort(),
      );
    });

    it('[MQTT-3.3.1-10] [MQTT-3.3.1-11] an empty retained payload is delivered and clears the retained message', async () => {
      const topic = `${uniqueName()}/state`;
      const pub = await clients.connect(pubUrl());
      await pub.client.publishAsync(topic, 'kept', { qos: 1, retain: true });
      const sub = await clients.connect(subUrl());
      await sub.client.subscribeAsync(topic, { qos: 1 });
      await eventually(() => expect(payloadsOn(sub.received, topic)).toEqual(['kept']), {
        timeoutMs: 10_000,
      });
      await pub.client.publishAsync(topic, Buffer.alloc(0), { qos: 1, retain: true });
      await eventually(() => expect(summary(sub.received)[1]).toEqual([topic, '', 1, false]), {
        timeoutMs: 10_000,
      });
      // A new subscriber gets no retained message: the first thing it sees is a live marker.
      const late = await clients.connect(subUrl());
      await late.client.subscribeAsync(topic, { qos: 1 });
      await flushWith(late, topic, 'live-marker');
      expect(summary(late.received)).toEqual([[topic, 'live-marker', 1, false]]);
    });

    it('[MQTT-3.3.1-5] [MQTT-3.3.1-8] mosquitto_pub -r, then mosquitto_sub receives it retained', async () => {
      const topic = `${uniqueName()}/mosquitto`;
      const published = await mosquittoPub(pubUrl(), {
        topic,
        message: 'retained by mosquitto',
        qos: 1,
        retain: true,
      });
      expect(published.code).toBe(0);
      const sub = mosquittoSub(subUrl(), { topic, qos: 2, count: 1, timeoutSeconds: 10 });
      const result = await sub.done;
      expect({ code: result.code, messages: sub.messages() }).toEqual({
        code: 0,
        messages: [{ retain: true, qos: 1, topic, payload: 'retained by mosquitto' }],
      });
    });
  });

  describe('will messages', () => {
    it('[MQTT-3.1.2-8] the will is published when the connection closes without DISCONNECT', async () => {
      const willTopic = `${uniqueName()}/will`;
      const watcher = await clients.connect(subUrl());
      await watcher.client.subscribeAsync(willTopic, { qos: 1 });
      const dying = await clients.connect(pubUrl(), {
        will: { topic: willTopic, payload: Buffer.from('gone'), qos: 1, retain: false },
      });
      dying.client.stream.destroy(); // the TCP connection just ends: no DISCONNECT
      await eventually(() => expect(summary(watcher.received)).toEqual([[willTopic, 'gone', 1, false]]), {
        timeoutMs: 10_000,
      });
    });

    it('[MQTT-3.1.2-8] a killed mosquitto_sub (third-party client, SIGKILL) has its will published', async () => {
      const name = uniqueName();
      const willTopic = `${name}/will`;
      const probeTopic = `${name}/probe`;
      const watcher = await clients.connect(subUrl());
      await watcher.client.subscribeAsync(willTopic, { qos: 1 });
      const pub = await clients.connect(pubUrl());
      // The retained probe tells us when mosquitto_sub is connected and subscribed.
      await pub.client.publishAsync(probeTopic, 'probe', { qos: 1, retain: true });
      const tool = mosquittoSubWithWill(pubUrl(), probeTopic, willTopic);
      await eventually(() => expect(tool.messages().map((m) => m.payload)).toEqual(['probe']), {
        timeoutMs: 10_000,
      });
      tool.kill();
      await tool.done;
      await eventually(
        () => expect(summary(watcher.received)).toEqual([[willTopic, 'mosquitto died', 1, false]]),
        {
          timeoutMs: 10_000,
        },
      );
    });

    it('[MQTT-3.1.2-10] [MQTT-3.14.4-3] no will after DISCONNECT', async () => {
      const willTopic = `${uniqueName()}/will`;
      const watcher = await clients.connect(subUrl());
      await watcher.client.subscribeAsync(willTopic, { qos: 1 });
      const polite = await clients.connect(pubUrl(), {
        will: { topic: willTopic, payload: Buffer.from('must not appear'), qos: 1, retain: false },
      });
      await polite.client.endAsync(); // DISCONNECT, then close
      // Bounded wait proving absence, then a marker that must arrive after anything the close caused.
      await new Promise((r) => setTimeout(r, 500));
      await flushWith(watcher, willTopic, 'after-disconnect');
      expect(payloadsOn(watcher.received, willTopic)).toEqual(['after-disconnect']);
    });
  });
});

/** mosquitto_sub with a will, subscribed to `probeTopic` (kept open: it waits for two messages). */
function mosquittoSubWithWill(url: string, probeTopic: string, willTopic: string) {
  return mosquittoSub(url, {
    topic: probeTopic,
    qos: 1,
    count: 2,
    timeoutSeconds: 20,
    will: { topic: willTopic, payload: 'mosquitto died', qos: 1 },
  });
}
