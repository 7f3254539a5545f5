import { randomBytes } from 'node:crypto';

interface JestExpectState {
  currentTestName?: string;
}

/**
 * A name unique to this test run, derived from the current jest test title when there is one
 * (`uniqueName()` in "retains the last message" → `retains-the-last-message-3f9a1c`), so resources
 * from concurrent or repeated tests never collide and are easy to trace back.
 */
export function uniqueName(prefix?: string): string {
  const g = globalThis as { expect?: { getState?: () => JestExpectState } };
  const title = prefix ?? g.expect?.getState?.().currentTestName ?? 'test';
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);
  return `${slug || 'test'}-${randomBytes(3).toString('hex')}`;
}
