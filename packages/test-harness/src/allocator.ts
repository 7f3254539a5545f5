import { existsSync, readFileSync } from 'node:fs';

/** Debian's name for this CPU in library paths (`/usr/lib/<arch>-linux-gnu`). */
const DEBIAN_ARCH: Partial<Record<NodeJS.Architecture, string>> = { x64: 'x86_64', arm64: 'aarch64' };

/**
 * jemalloc, the allocator the image preloads into every service (Dockerfile, ADR 0025): the image's own link
 * first, then where Debian's `libjemalloc2` installs it. Undefined when the machine has neither.
 */
export function jemallocPath(): string | undefined {
  const arch = DEBIAN_ARCH[process.arch];
  const candidates = ['/usr/local/lib/libjemalloc.so'];
  if (arch !== undefined) candidates.push(`/usr/lib/${arch}-linux-gnu/libjemalloc.so.2`);
  return candidates.find((path) => existsSync(path));
}

/**
 * The environment that makes a service run on the image's allocator: `LD_PRELOAD` of jemalloc, or nothing
 * when this machine lacks it (then the service runs on glibc's malloc, and says so through
 * `loadedAllocator`). `scripts/setup --test` installs it, so tests and benches run what ships.
 */
export function imageAllocatorEnv(): Record<string, string> {
  const path = jemallocPath();
  return path === undefined ? {} : { LD_PRELOAD: path };
}

/** The allocator a running process actually loaded, from its memory map (Linux). */
export function loadedAllocator(pid: number): 'jemalloc' | 'glibc' | 'unknown' {
  try {
    return /libjemalloc\.so/.test(readFileSync(`/proc/${pid}/maps`, 'utf8')) ? 'jemalloc' : 'glibc';
  } catch {
    return 'unknown';
  }
}
