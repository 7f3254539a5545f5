/**
 * A token bucket, pure: the caller passes the clock (milliseconds, monotonic) to every call. The notifier paces
 * its replays with it; the gateway, each connection's publishes (GATEWAY_MAX_PUBLISH_RATE).
 *
 * It starts full. Tokens refill continuously at `ratePerSecond` up to `capacity`, so over any interval of
 * `t` seconds at most `capacity + ratePerSecond · t` tokens are taken: a burst of `capacity`, then the rate.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAtMs: number;

  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number,
    nowMs: number,
  ) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
      throw new RangeError(`ratePerSecond must be a positive number, got ${ratePerSecond}`);
    }
    if (!(capacity >= 1) || !Number.isFinite(capacity)) {
      throw new RangeError(`capacity must be at least 1, got ${capacity}`);
    }
    this.tokens = capacity;
    this.refilledAtMs = nowMs;
  }

  /** Whole tokens available now. */
  available(nowMs: number): number {
    this.refill(nowMs);
    return Math.floor(this.tokens);
  }

  /** Takes one token if there is one. */
  tryTake(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /**
   * Takes one token, owing it when there is none: 0 when it was there, else the whole milliseconds until the
   * owed token has refilled, which the caller waits before it acts. Owed tokens are repaid before any other is
   * available, so a caller that waits each time keeps to the rate.
   */
  takeOnCredit(nowMs: number): number {
    this.refill(nowMs);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.ratePerSecond);
  }

  /** Milliseconds until `count` tokens (at most `capacity`) are available; 0 when they are now. */
  msUntil(count: number, nowMs: number): number {
    this.refill(nowMs);
    const missing = Math.min(count, this.capacity) - this.tokens;
    return missing <= 0 ? 0 : (missing * 1000) / this.ratePerSecond;
  }

  private refill(nowMs: number): void {
    // A clock that steps back (it should not: callers pass performance.now()) adds nothing.
    const elapsedMs = nowMs - this.refilledAtMs;
    if (elapsedMs <= 0) return;
    this.tokens = Math.min(this.capacity, this.tokens + (elapsedMs * this.ratePerSecond) / 1000);
    this.refilledAtMs = nowMs;
  }
}
