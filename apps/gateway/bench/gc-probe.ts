// Preloaded into the benchmark's gateway process (NODE_OPTIONS="--expose-gc --require …/gc-probe.js"): on
// SIGUSR2 runs a full GC and writes `process.memoryUsage()` as JSON to $BENCH_MEMORY_FILE, so the benchmark
// measures the gateway process's RSS and heap after GC. Bench only; the product never loads it.
import { renameSync, writeFileSync } from 'node:fs';

const file = process.env['BENCH_MEMORY_FILE'];
if (file !== undefined && file !== '') {
  process.on('SIGUSR2', () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    writeFileSync(`${file}.tmp`, JSON.stringify(process.memoryUsage()));
    // Renamed into place: the reader never sees a partial file.
    renameSync(`${file}.tmp`, file);
  });
}
