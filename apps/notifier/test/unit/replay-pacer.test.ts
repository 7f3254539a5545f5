import { ReplayPacer, type ReplayStats } from '../../src/replay-pacer';

/** A replay stream stand-in: records pause/resume. */
function flow() {
  const f = {
    paused: false,
    pauses: 0,
    pause: () => {
      f.paused = true;
      f.pauses++;
    },
    resume: () => {
      f.paused = false;
    },
  };
  return f;
}

const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

describe('ReplayPacer (fake timers)', () => {
  let published: number[];
  let throttledSeconds: number;
  let discarded: number;
  let absorbed: Set<number>;
  const pacer = (ratePerSecond: number, burst: number) =>
    new ReplayPacer<number>({
      ratePerSecond,
      burst,
      absorb: (n) => absorbed.has(n),
      publish: (n) => published.push(n),
      onThrottled: (s) => (throttledSeconds += s),
      onDiscarded: (n) => (discarded += n),
      now: () => Date.now(),
    });

  beforeEach(() => {
    jest.useFakeTimers({ now: 0 });
    published = [];
    throttledSeconds = 0;
    discarded = 0;
    absorbed = new Set();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('publishes a burst at once, pauses the stream for the rest, and resumes it once drained', () => {
    const p = pacer(1000, 100);
    const f = flow();
    const feed = p.open(f);
    feed.push(range(0, 300));
    expect(published).toHaveLength(100);
    expect(f.paused).toBe(true);
    expect(p.pendingItems).toBe(200);
    jest.advanceTimersByTime(100);
    expect(published.length).toBeGreaterThanOrEqual(195);
    expect(published.length).toBeLessThanOrEqual(200);
    expect(f.paused).toBe(true);
    jest.advanceTimersByTime(105);
    expect(published).toEqual(range(0, 300));
    expect(f.paused).toBe(false);
    expect(f.pauses).toBe(1);
    expect(throttledSeconds).toBeGreaterThan(0.19);
    expect(throttledSeconds).toBeLessThan(0.21);
  });

  it('keeps to the rate over a long replay', () => {
    const p = pacer(5000, 1000);
    const f = flow();
    const feed = p.open(f);
    let next = 0;
    const publishedAt: number[] = [];
    const pushWhileFlowing = () => {
      // The stream delivers another 1000-item response whenever it flows, as grpc-js would.
      if (!f.paused && next < 20_000) {
        feed.push(range(next, 1000));
        next += 1000;
      }
    };
    for (let t = 0; t < 5000; t++) {
      pushWhileFlowing();
      jest.advanceTimersByTime(1);
      while (publishedAt.length < published.length) publishedAt.push(Date.now());
    }
    expect(published).toEqual(range(0, 20_000));
    // 1000 at once, then 5000/s: 19,000 more take 3.8 s.
    const last = publishedAt[publishedAt.length - 1]!;
    expect(last).toBeGreaterThanOrEqual(3800);
    expect(last).toBeLessThan(3900);
    const inFirstSecond = publishedAt.filter((t) => t <= 1000).length;
    expect(inFirstSecond).toBeLessThanOrEqual(1000 + 5000 + 1);
  });

  it('absorbed items cost no token', () => {
    const p = pacer(1000, 10);
    for (const n of range(0, 90)) absorbed.add(n);
    const feed = p.open(flow());
    feed.push(range(0, 100));
    expect(published).toEqual(range(90, 10));
    expect(p.pendingItems).toBe(0);
  });

  it('finishes a replay after its last item, with what it did', () => {
    const p = pacer(1000, 10);
    const done: ReplayStats[] = [];
    const feed = p.open(flow(), (s) => done.push(s));
    absorbed.add(0);
    feed.push(range(0, 20));
    feed.end();
    expect(done).toEqual([]);
    expect(p.activeReplays).toBe(1);
    jest.advanceTimersByTime(20);
    expect(done).toEqual([{ received: 20, published: 19, durationMs: expect.any(Number) as number }]);
    expect(p.activeReplays).toBe(0);
  });

  it('a lost stream drops what is pending, counts it, and stops waiting', () => {
    const p = pacer(1000, 10);
    const done: ReplayStats[] = [];
    const feed = p.open(flow(), (s) => done.push(s));
    feed.push(range(0, 100));
    feed.discard();
    feed.discard();
    expect(discarded).toBe(90);
    expect(p.pendingItems).toBe(0);
    expect(p.activeReplays).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
    // Late callbacks of the lost stream do nothing.
    feed.push(range(100, 10));
    feed.end();
    expect(published).toHaveLength(10);
    expect(done).toEqual([]);
  });

  it('feeds of several shards take turns, a response at a time', () => {
    const p = pacer(1000, 1);
    const a = p.open(flow());
    const b = p.open(flow());
    a.push([1, 2, 3]);
    b.push([101, 102]);
    a.push([4]); // arrived before the pause took hold: waits behind a's first response
    jest.advanceTimersByTime(10);
    expect(published).toEqual([1, 2, 3, 4, 101, 102]);
    const c = p.open(flow());
    a.push([5, 6]);
    c.push([201]);
    jest.advanceTimersByTime(10);
    expect(published.slice(6)).toEqual([5, 6, 201]);
  });

  it('close drops every pending item and leaves no timer', () => {
    const p = pacer(1000, 10);
    p.open(flow()).push(range(0, 50));
    p.open(flow()).push(range(100, 50));
    p.close();
    expect(discarded).toBe(90);
    expect(jest.getTimerCount()).toBe(0);
    p.open(flow()).push([1]);
    expect(published).toHaveLength(10);
  });
});
