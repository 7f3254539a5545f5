import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueName } from './unique-name';

export interface TempDir {
  readonly path: string;
  remove(): void;
}

/** A fresh directory under the OS temp dir, named after the test. */
export function makeTempDir(name?: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `starling-${uniqueName(name)}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
