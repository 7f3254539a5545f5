import { Counter, type Registry } from 'prom-client';

export interface MirroredCounterOptions {
  name: string;
  help: string;
  registers: Registry[];
  /** The count kept elsewhere (monotonic), read at every scrape; undefined: not known yet, left as it was. */
  read: () => number | undefined;
}

/**
 * A counter whose value is a monotonic count another component keeps (a client library's reconnects, say),
 * copied in at scrape time instead of being incremented alongside it.
 */
export function mirroredCounter(options: MirroredCounterOptions): Counter {
  const { read, ...config } = options;
  return new Counter({
    ...config,
    collect() {
      const value = read();
      if (value === undefined) return;
      this.reset();
      if (value > 0) this.inc(value);
    },
  });
}
