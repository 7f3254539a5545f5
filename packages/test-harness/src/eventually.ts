export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Retries `fn` until it returns without throwing (and, if it returns a boolean, returns true),
 * then resolves with its result. On timeout, rejects with the last failure so the test says
 * what was still wrong — never a bare "timed out". Replaces sleeps in tests.
 */
export async function eventually<T>(fn: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const intervalMs = options.intervalMs ?? 10;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await fn();
      if (result !== false) return result;
      lastError = new Error('condition returned false');
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      const error = new Error(`eventually: still failing after ${timeoutMs} ms: ${reason}`);
      (error as Error & { cause?: unknown }).cause = lastError;
      throw error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
