import { setFlagsFromString } from 'node:v8';

/** The V8 flag `disableAllocationSitePretenuring` sets (exported for its test). */
export const NO_PRETENURING_FLAG = '--no-allocation-site-pretenuring';

/**
 * Turns off V8's allocation-site pretenuring for this process: every new object starts in the young
 * generation. Each service's `main.ts` calls it first (ADR 0024).
 *
 * Why: under a burst the per-message objects of the append path (decoded messages, dispatch records) live
 * longer than usual, queued behind the load, and V8 decides to allocate those literal sites in the old
 * generation from then on. It never goes back. Once the burst is over those objects die as young as before,
 * but in the old generation, where they hold every young object they point to alive until the next full
 * collection. Measured in the store at 10,000 appends/s after a 100,000/s burst: 1.7 MB survived each
 * scavenge instead of 0.2 MB, GC paused it 75–89 ms every 5.5 s instead of 18–27 ms, and the notifier
 * bench's p99 was 9.5–24 ms instead of 6.2–7.3 ms.
 *
 * Safe at any time: V8 reads the flag when it would make a pretenuring decision, at each scavenge.
 */
export function disableAllocationSitePretenuring(): void {
  setFlagsFromString(NO_PRETENURING_FLAG);
}
