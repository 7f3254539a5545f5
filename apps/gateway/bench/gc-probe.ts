// Preloaded into the benchmark's gateway process (NODE_OPTIONS="--expose-gc --require …/gc-probe.js"): on
// SIGUSR2 runs a full GC and writes a memory sample (see `memorySample`) as JSON to $BENCH_MEMORY_FILE, so
// the benchmark measures the gateway process's memory after GC. Bench only; the product never loads it.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

/** Memory of this process after a full GC: RSS (and its anonymous part), V8 heap used and committed, native. */
export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Committed bytes per V8 space (new_space, old_space, …). */
  spaces: Record<string, number>;
  /** Anonymous (malloc + V8) resident bytes from /proc/self/smaps_rollup; NaN when unavailable. */
  anonymous: number;
}

export function memorySample(): MemorySample {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  const spaces: Record<string, number> = {};
  for (const s of getHeapSpaceStatistics()) spaces[s.space_name] = s.physical_space_size;
  let anonymous = NaN;
  try {
    const kb = /^Anonymous:\s+(\d+) kB/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'));
    if (kb) anonymous = Number(kb[1]) * 1024;
  } catch {
    // not Linux: RSS only
  }
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    spaces,
    anonymous,
  };
}

const file = process.env['BENCH_MEMORY_FILE'];
if (file !== undefined && file !== '') {
  process.on('SIGUSR2', () => {
    writeFileSync(`${file}.tmp`, JSON.stringify(memorySample()));
    // Renamed into place: the reader never sees a partial file.
    renameSync(`${file}.tmp`, file);
  });
}
