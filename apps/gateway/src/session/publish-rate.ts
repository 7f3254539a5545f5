/**
 * A connection's allowance of PUBLISH packets (GATEWAY_MAX_PUBLISH_RATE, GATEWAY_PUBLISH_BURST): a token bucket
 * that holds up to `burst` publishes and refills at `ratePerSec`. Past it, the gateway stops reading that
 * connection until the next token: the client slows down through TCP back-pressure, nothing is dropped, and
 * other clients are not affected. Created only when a rate is set.
 */
export class PublishRate {
  private tokens: number;
  private lastMs: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.lastMs = nowMs;
  }

  /** Takes one publish's token: 0 when it was there, else how long (ms) the publish must wait for it. */
  delayMs(nowMs: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastMs) * this.ratePerSec) / 1000);
    this.lastMs = nowMs;
    this.tokens -= 1;
    // Below zero, the token is owed: it arrives when the bucket is back at zero.
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.ratePerSec);
  }
}
