import { TokenBucket } from '@starling/observability';

describe('the publish rate: TokenBucket.takeOnCredit (GATEWAY_MAX_PUBLISH_RATE, GATEWAY_PUBLISH_BURST)', () => {
  test('a burst goes at once; past it, each publish waits for its token at the rate', () => {
    const rate = new TokenBucket(100, 3, 0); // 100/s: a token every 10 ms
    expect([rate.takeOnCredit(0), rate.takeOnCredit(0), rate.takeOnCredit(0)]).toEqual([0, 0, 0]);
    expect(rate.takeOnCredit(0)).toBe(10);
    // The connection reads nothing while it waits: the next publish comes once the owed token has arrived.
    expect(rate.takeOnCredit(10)).toBe(10);
    expect(rate.takeOnCredit(20)).toBe(10);
  });

  test('a quiet spell refills the bucket up to the burst, no further', () => {
    const rate = new TokenBucket(10, 2, 0);
    expect([rate.takeOnCredit(0), rate.takeOnCredit(0)]).toEqual([0, 0]);
    // 10 s of silence earn 100 tokens at 10/s; the bucket holds 2.
    expect([rate.takeOnCredit(10_000), rate.takeOnCredit(10_000)]).toEqual([0, 0]);
    expect(rate.takeOnCredit(10_000)).toBe(100);
  });

  test('publishes spaced at the rate never wait', () => {
    const rate = new TokenBucket(50, 1, 0);
    const delays = Array.from({ length: 20 }, (_, i) => rate.takeOnCredit(i * 20));
    expect(delays.every((d) => d === 0)).toBe(true);
  });
});
