import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  openCommitlog,
  type Commitlog,
  type CommitlogOptions,
  type RecordInput,
} from '../../../src/commitlog';

/** A fresh temp dir per test, removed after it (cleanup registered beside creation). */
export function useTempDir(): () => string {
  let dir: string | undefined;
  beforeEach(async () => {
    const name = (expect.getState().currentTestName ?? 'commitlog').replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), `starling-${name}-`));
  });
  afterEach(async () => {
    if (dir !== undefined) await fs.promises.rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => {
    if (dir === undefined) throw new Error('temp dir used outside a test');
    return dir;
  };
}

/** Opens a log and closes it after the test unless the test closed it (close is idempotent). */
export function useLogs(): (options: CommitlogOptions) => Promise<Commitlog> {
  const open: Commitlog[] = [];
  afterEach(async () => {
    await Promise.allSettled(open.splice(0).map((log) => log.close()));
  });
  return async (options) => {
    const log = await openCommitlog(options);
    open.push(log);
    return log;
  };
}

export function record(i: number, payloadBytes = 16, topic = `t/${i % 7}`): RecordInput {
  const payload = Buffer.alloc(payloadBytes, i & 0xff);
  payload.writeUInt32BE(i >>> 0, 0);
  return { topic, payload, timestampMs: 1_700_000_000_000 + i, qos: 1 };
}

export function segmentFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.log'))
    .sort();
}

export function fileSize(file: string): number {
  return fs.statSync(file).size;
}

export async function okPositions(promise: ReturnType<Commitlog['append']>): Promise<readonly number[]> {
  const result = await promise;
  if (result.status !== 'ok') throw new Error(`append: ${result.status}`);
  return result.positions;
}
