export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  /** [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter": attempt n waits between half and all of min·2ⁿ (capped at
 * max). The jitter spreads the reconnects of many notifier replicas after a store restart; the floor of
 * half keeps a flapping store from being hammered.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  const ceiling = Math.min(options.maxMs, options.minMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
