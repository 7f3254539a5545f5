import { SessionCursor, type CursorOwner, type Subscription } from '../../src/delivery/session-cursor';
import type { QoS, QueuedMessage } from '../../src/types';

function message(offset: number, qos: QoS): QueuedMessage {
  return {
    offset,
    position: offset * 100,
    timestampMs: 0,
    topic: 't',
    payload: Buffer.from(String(offset)),
    qos,
    retain: false,
    publisherClientId: 'p',
    properties: undefined,
  };
}

function owner(): CursorOwner & { delivered: Array<{ offset: number; dup: boolean }>; skips: number } {
  const o = {
    delivered: [] as Array<{ offset: number; dup: boolean }>,
    skips: 0,
    canTake: () => true,
    deliver(cursor: SessionCursor, m: QueuedMessage, dup: boolean) {
      o.delivered.push({ offset: m.offset, dup });
      cursor.offsets.sent(m.offset, false);
    },
    skipped() {
      o.skips += 1;
    },
    retentionSkipped: () => undefined,
  };
  return o;
}

const queue = { shard: 0, kind: 'filter' as const, name: 't' };

describe('SessionCursor', () => {
  it('waits for the queue end before taking messages when resumed', () => {
    const subscription: Subscription = { filter: 't', qos: 1, cursors: [] };
    const cursor = new SessionCursor(queue, subscription, owner(), 3, {
      afterPull: 2,
      skipOfflineQos0: false,
    });
    expect(cursor.canTake()).toBe(false);
    expect(cursor.awaitingEndAfterPull).toBe(2);
    cursor.learnEnd(6);
    expect(cursor.canTake()).toBe(true);
    expect(cursor.awaitingEndAfterPull).toBeUndefined();
  });

  it('sets DUP on QoS > 0 messages below the end at resume, not on QoS 0 nor after it [MQTT-3.3.1-1]', () => {
    const o = owner();
    const subscription: Subscription = { filter: 't', qos: 2, cursors: [] };
    const cursor = new SessionCursor(queue, subscription, o, 3, { afterPull: 0, skipOfflineQos0: false });
    cursor.learnEnd(6);
    for (const [offset, qos] of [
      [3, 1],
      [4, 0],
      [5, 2],
      [6, 1],
    ] as const) {
      cursor.deliver(message(offset, qos));
    }
    expect(o.delivered).toEqual([
      { offset: 3, dup: true },
      { offset: 4, dup: false },
      { offset: 5, dup: true },
      { offset: 6, dup: false },
    ]);
  });

  it('skips offline QoS 0 messages when told to, and counts them', () => {
    const o = owner();
    const subscription: Subscription = { filter: 't', qos: 1, cursors: [] };
    const cursor = new SessionCursor(queue, subscription, o, 0, { afterPull: 0, skipOfflineQos0: true });
    cursor.learnEnd(3);
    for (const [offset, qos] of [
      [0, 0],
      [1, 1],
      [2, 0],
      [3, 0],
    ] as const) {
      cursor.deliver(message(offset, qos));
    }
    expect(o.delivered.map((d) => d.offset)).toEqual([1, 3]);
    expect(o.skips).toBe(2);
    expect(cursor.nextOffset).toBe(4);
  });

  it('a QoS 0 subscription makes every message QoS 0 (no DUP)', () => {
    const o = owner();
    const subscription: Subscription = { filter: 't', qos: 0, cursors: [] };
    const cursor = new SessionCursor(queue, subscription, o, 0, { afterPull: 0, skipOfflineQos0: false });
    cursor.learnEnd(5);
    cursor.deliver(message(0, 2));
    expect(o.delivered).toEqual([{ offset: 0, dup: false }]);
  });

  it('counts messages lost to retention', () => {
    const subscription: Subscription = { filter: 't', qos: 1, cursors: [] };
    const cursor = new SessionCursor(queue, subscription, owner(), 2);
    expect(cursor.skipToLowOffset(10)).toBe(8);
    expect(cursor.nextOffset).toBe(10);
    expect(cursor.skipToLowOffset(5)).toBe(0);
  });
});
