import type { ArrivalEvent } from '@starling/event-bus';
import { Coalescer } from '../../src/coalescer';

const arrival = (name: string, endOffset: number, timestampMs = endOffset, shard = 0): ArrivalEvent => ({
  queue: { kind: 'topic', name },
  shard,
  endOffset,
  timestampMs,
});

describe('Coalescer (fake clock)', () => {
  it('publishes the first arrival of a quiet queue at once', () => {
    const c = new Coalescer(2);
    expect(c.offer(arrival('a', 1), 100)).toEqual({ action: 'publish', event: arrival('a', 1) });
    expect(c.size).toBe(1);
    expect(c.nextDeadlineMs()).toBe(102);
  });

  it('merges a burst into one event with the newest end offset at the end of the window', () => {
    const c = new Coalescer(2);
    c.offer(arrival('a', 1), 100);
    expect(c.offer(arrival('a', 2, 50), 100.5)).toEqual({ action: 'held' });
    expect(c.offer(arrival('a', 3, 60), 101)).toEqual({ action: 'merged' });
    expect(c.offer(arrival('a', 4, 70), 101.9)).toEqual({ action: 'merged' });
    expect(c.takeDue(101.99)).toEqual([]);
    expect(c.takeDue(102)).toEqual([{ event: arrival('a', 4, 70), oldestTimestampMs: 50 }]);
  });

  it('a queue written continuously gets at most one event per window', () => {
    const c = new Coalescer(2);
    let published = 0;
    let now = 0;
    // 50,000 arrivals/s for one simulated second: one every 20 µs, timer checked every 0.1 ms.
    for (let i = 0; i < 50_000; i++) {
      now = i * 0.02;
      if (c.offer(arrival('hot', i + 1), now).action === 'publish') published++;
      if (i % 5 === 0) published += c.takeDue(now).length;
    }
    published += c.takeDue(now + 2).length;
    expect(published).toBeLessThanOrEqual(1 + Math.ceil(1000 / 2));
    expect(published).toBeGreaterThan(400);
  });

  it('drops a window with nothing held, so the next arrival goes out at once again', () => {
    const c = new Coalescer(2);
    c.offer(arrival('a', 1), 0);
    expect(c.takeDue(2)).toEqual([]);
    expect(c.size).toBe(0);
    expect(c.offer(arrival('a', 2), 3).action).toBe('publish');
  });

  it('renews the window after a trailing event: the queue is still busy', () => {
    const c = new Coalescer(2);
    c.offer(arrival('a', 1), 0);
    c.offer(arrival('a', 2), 1);
    expect(c.takeDue(2)).toHaveLength(1);
    expect(c.size).toBe(1);
    expect(c.nextDeadlineMs()).toBe(4);
    expect(c.offer(arrival('a', 3), 2.5)).toEqual({ action: 'held' });
    expect(c.takeDue(4)).toEqual([{ event: arrival('a', 3), oldestTimestampMs: 3 }]);
    expect(c.takeDue(6)).toEqual([]);
    expect(c.size).toBe(0);
  });

  it('keeps queues apart by kind, name and shard', () => {
    const c = new Coalescer(2);
    expect(c.offer(arrival('a', 1, 1, 0), 0).action).toBe('publish');
    expect(c.offer(arrival('a', 1, 1, 1), 0).action).toBe('publish');
    expect(c.offer({ ...arrival('a', 1), queue: { kind: 'filter', name: 'a' } }, 0).action).toBe('publish');
    expect(c.offer(arrival('b', 1), 0).action).toBe('publish');
    expect(c.size).toBe(4);
  });

  it('expires windows in deadline order and reports the earliest deadline', () => {
    const c = new Coalescer(10);
    c.offer(arrival('a', 1), 0);
    c.offer(arrival('b', 1), 3);
    c.offer(arrival('a', 2), 4);
    c.offer(arrival('b', 2), 5);
    expect(c.nextDeadlineMs()).toBe(10);
    expect(c.takeDue(10).map((d) => d.event.queue.name)).toEqual(['a']);
    // a's window was renewed to 20, after b's 13.
    expect(c.nextDeadlineMs()).toBe(13);
    expect(c.takeDue(13).map((d) => d.event.queue.name)).toEqual(['b']);
    expect(c.nextDeadlineMs()).toBe(20);
  });

  it('holds memory only for queues active within the last window', () => {
    const c = new Coalescer(2);
    for (let i = 0; i < 10_000; i++) c.offer(arrival(`q${i}`, 1), i * 0.001);
    expect(c.size).toBe(10_000);
    c.takeDue(100);
    expect(c.size).toBe(0);
    expect(c.nextDeadlineMs()).toBeUndefined();
  });

  it('drain returns every held event and empties', () => {
    const c = new Coalescer(2);
    c.offer(arrival('a', 1), 0);
    c.offer(arrival('a', 2), 1);
    c.offer(arrival('b', 1), 1);
    expect(c.drain()).toEqual([{ event: arrival('a', 2), oldestTimestampMs: 2 }]);
    expect(c.size).toBe(0);
  });

  describe('replayed end offsets: the newest end offset wins', () => {
    it('a queue with no open window: published by the caller, and no window opens for it', () => {
      const c = new Coalescer(2);
      expect(c.offerReplayed(arrival('a', 5))).toBe('absent');
      expect(c.size).toBe(0);
      // So a live arrival right after it still goes out at once.
      expect(c.offer(arrival('a', 6), 0).action).toBe('publish');
    });

    it('an end offset the window already published, or an older one, is superseded', () => {
      const c = new Coalescer(2);
      c.offer(arrival('a', 7), 0);
      expect(c.offerReplayed(arrival('a', 7))).toBe('superseded');
      expect(c.offerReplayed(arrival('a', 3))).toBe('superseded');
      expect(c.takeDue(2)).toEqual([]);
    });

    it('an end offset older than the held one is superseded; the held one goes out', () => {
      const c = new Coalescer(2);
      c.offer(arrival('a', 7), 0);
      c.offer(arrival('a', 9, 1), 1);
      expect(c.offerReplayed(arrival('a', 8))).toBe('superseded');
      expect(c.takeDue(2)).toEqual([{ event: arrival('a', 9, 1), oldestTimestampMs: 1 }]);
    });

    it('a newer end offset is held, or replaces the held one, and goes out at the window end', () => {
      const c = new Coalescer(2);
      c.offer(arrival('a', 7), 0);
      expect(c.offerReplayed(arrival('a', 8, 5))).toBe('held');
      expect(c.offerReplayed(arrival('a', 12, 6))).toBe('merged');
      expect(c.takeDue(2)).toEqual([{ event: arrival('a', 12, 6), oldestTimestampMs: 5 }]);
      // The renewed window remembers what it published.
      expect(c.offerReplayed(arrival('a', 12))).toBe('superseded');
    });

    it('with a zero window every replayed end offset is published', () => {
      const c = new Coalescer(0);
      c.offer(arrival('a', 7), 0);
      expect(c.offerReplayed(arrival('a', 3))).toBe('absent');
    });
  });

  it('a zero window publishes everything', () => {
    const c = new Coalescer(0);
    expect(c.offer(arrival('a', 1), 0).action).toBe('publish');
    expect(c.offer(arrival('a', 2), 0).action).toBe('publish');
    expect(c.size).toBe(0);
  });
});
