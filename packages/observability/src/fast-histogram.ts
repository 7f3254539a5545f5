import { Histogram, type HistogramConfiguration, type ObserveDataWithExemplar } from 'prom-client';

/** What prom-client keeps per label set of a histogram (15.x); `collect` adds the pending counts to it. */
interface HistogramEntry {
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

export type FastHistogramConfiguration = Omit<HistogramConfiguration<never>, 'labelNames' | 'collect'>;

/**
 * A histogram without labels for hot paths. prom-client's `observe` hashes the (empty) label set and
 * validates it on every call, about 400 ns; this one counts into a plain array (a few ns) and adds what it
 * counted to prom-client's own series when the histogram is read (`collect`, run before every scrape and
 * `get()`), so the exposition is exactly that of a prom-client Histogram given the same observations.
 */
export class FastHistogram extends Histogram<never> {
  private readonly bounds: readonly number[];
  private readonly pending: Float64Array;
  private pendingSum = 0;
  private pendingCount = 0;
  private readonly promObserve: (first: unknown, second?: number) => void;

  constructor(config: FastHistogramConfiguration) {
    super({
      ...config,
      collect(this: Histogram<never>) {
        (this as unknown as FastHistogram).flush();
      },
    });
    // prom-client sorts and keeps the bounds it was given (or its defaults) as `upperBounds`.
    this.bounds = (this as unknown as { upperBounds: number[] }).upperBounds;
    this.pending = new Float64Array(this.bounds.length);
    // prom-client's constructor sets `observe` as an own property (its exemplar or plain variant), which
    // would hide the method below: keep it for labels and exemplars, and put the fast one in its place.
    /* eslint-disable @typescript-eslint/unbound-method -- both are always called on this histogram */
    this.promObserve = this.observe as (first: unknown, second?: number) => void;
    this.observe = FastHistogram.prototype.observe;
    /* eslint-enable @typescript-eslint/unbound-method */
  }

  override observe(value: number): void;
  override observe(labels: Partial<Record<never, string | number>>, value: number): void;
  override observe(observeData: ObserveDataWithExemplar<never>): void;
  override observe(first: unknown, second?: number): void {
    if (typeof first !== 'number' || second !== undefined) {
      // Labels (empty: there are none) or exemplars: prom-client's own path, into the same series.
      this.promObserve.call(this, first, second);
      return;
    }
    const value = first;
    if (Number.isNaN(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.pending[i]! += 1;
        break;
      }
    }
    this.pendingSum += value;
    this.pendingCount += 1;
  }

  override reset(): void {
    // prom-client's constructor calls reset() before this class's fields exist.
    (this.pending as Float64Array | undefined)?.fill(0);
    this.pendingSum = 0;
    this.pendingCount = 0;
    super.reset();
  }

  /** Adds the pending counts to prom-client's series for the empty label set. */
  private flush(): void {
    if (this.pendingCount === 0) return;
    const hashMap = (this as unknown as { hashMap: Record<string, HistogramEntry | undefined> }).hashMap;
    let entry = hashMap[''];
    if (entry === undefined) {
      this.zero({});
      entry = hashMap['']!;
    }
    for (let i = 0; i < this.bounds.length; i++) {
      const n = this.pending[i]!;
      if (n === 0) continue;
      const bound = this.bounds[i]!;
      entry.bucketValues[bound] = (entry.bucketValues[bound] ?? 0) + n;
    }
    entry.sum += this.pendingSum;
    entry.count += this.pendingCount;
    this.pending.fill(0);
    this.pendingSum = 0;
    this.pendingCount = 0;
  }
}
