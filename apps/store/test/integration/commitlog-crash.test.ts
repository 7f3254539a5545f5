import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openCommitlog, OPEN_MARKER_FILE } from '../../src/commitlog';

// The child runs the compiled commitlog (`pnpm --filter @starling/store build`; turbo's `test` task builds first).
const CHILD = path.join(__dirname, '../fixtures/commitlog-crash-child.js');
const DIST = path.join(__dirname, '../../dist/commitlog/index.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { payloadFor } = require(CHILD) as {
  payloadFor: (round: string, appender: number, seq: number) => Buffer;
};

interface Ack {
  position: number;
  round: string;
  appender: number;
  seq: number;
  size: number;
}

/** Runs the child until it has acknowledged `acks` records, then SIGKILLs it; returns what it acknowledged. */
async function runAndKill(dir: string, round: string, acks: number): Promise<Ack[]> {
  const child = spawn(process.execPath, [CHILD, dir, round], { stdio: ['ignore', 'pipe', 'pipe'] });
  const seen: Ack[] = [];
  let stderr = '';
  let partial = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? ''; // only whole lines count as acknowledged
      for (const line of lines) {
        const [kind, position, appender, seq, size] = line.split(' ');
        if (kind !== 'ack') continue;
        seen.push({
          position: Number(position),
          round,
          appender: Number(appender),
          seq: Number(seq),
          size: Number(size),
        });
      }
      if (seen.length >= acks && child.exitCode === null && !child.killed) {
        child.kill('SIGKILL'); // mid-load: 32 appenders have batches queued and in flight
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`child exited before ${acks} acks (${seen.length}): ${stderr}`)));
  }).catch((err: unknown) => {
    if (!child.killed) throw err;
  });
  expect(await exited).toBe('SIGKILL');
  return seen;
}

describe('commitlog crash safety (kill -9 mid-batch)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'starling-commitlog-crash-'));
  });
  afterEach(async () => {
    await fs.promises.rm(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged record, byte for byte, across two SIGKILLs and ends at a whole record', async () => {
    expect(fs.existsSync(DIST)).toBe(true); // run `pnpm --filter @starling/store build` first
    const acked = [...(await runAndKill(dir, 'r1', 3000)), ...(await runAndKill(dir, 'r2', 3000))];
    expect(fs.existsSync(path.join(dir, OPEN_MARKER_FILE))).toBe(true);

    const log = await openCommitlog({ dir, segmentBytes: 64 * 1024, maxRecordBytes: 4096 });
    try {
      expect(log.recovery.clean).toBe(false);
      expect(log.segments().length).toBeGreaterThan(1); // the load crossed segment rolls
      for (const ack of acked) {
        const read = await log.read(ack.position);
        if (read.status !== 'ok') throw new Error(`acknowledged position ${ack.position} is ${read.status}`);
        const expected = payloadFor(ack.round, ack.appender, ack.seq);
        expect(read.record.payload.length).toBe(ack.size);
        expect(read.record.payload.equals(expected)).toBe(true);
      }
      // The whole log scans cleanly and its last record ends exactly at endPosition.
      let end = log.lowPosition;
      let count = 0;
      for await (const stored of log.scan(log.lowPosition)) {
        expect(stored.position).toBe(end);
        end = stored.position + stored.size;
        count++;
      }
      expect(end).toBe(log.endPosition);
      expect(count).toBeGreaterThanOrEqual(acked.length);
      const onDisk = log.segments().reduce((sum, s) => sum + s.sizeBytes, 0);
      expect(onDisk).toBe(log.endPosition - log.lowPosition);
    } finally {
      await log.close();
    }
  });
});
