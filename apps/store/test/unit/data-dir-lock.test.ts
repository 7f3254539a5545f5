import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@starling/observability';
import { makeTempDir, type TempDir } from '@starling/test-harness';
import {
  acquireDataDirLock,
  currentLockEnvironment,
  DataDirLockedError,
  LOCK_FILE_NAME,
  readProcessStartTicks,
  type DataDirLock,
  type LockHolder,
} from '../../src/data-dir-lock';

function capturingLogger() {
  const lines: Array<{ msg: string; reason?: string }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line !== '') lines.push(JSON.parse(line) as { msg: string; reason?: string });
      done();
    },
  });
  return { logger: createLogger({ service: 'store', level: 'info', destination }), lines };
}

function pidMax(): number {
  return Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim());
}

describe('data dir lock', () => {
  let dir: TempDir;
  const held: DataDirLock[] = [];
  beforeEach(() => {
    dir = makeTempDir('data-dir-lock');
  });
  afterEach(() => {
    for (const lock of held.splice(0)) lock.release();
    dir.remove();
  });

  const lockFile = (): string => join(dir.path, LOCK_FILE_NAME);
  const self = (): LockHolder => currentLockEnvironment().self;
  const writeLock = (holder: Partial<LockHolder>): void =>
    writeFileSync(
      lockFile(),
      JSON.stringify({ ...self(), acquiredAt: '2020-01-01T00:00:00.000Z', ...holder }),
    );
  const acquire = (logger = capturingLogger().logger): DataDirLock => {
    const lock = acquireDataDirLock(dir.path, logger);
    held.push(lock);
    return lock;
  };
  function refusal(): DataDirLockedError {
    try {
      acquire();
    } catch (err) {
      if (err instanceof DataDirLockedError) return err;
      throw err;
    }
    throw new Error('expected the data dir to be locked');
  }

  it('writes its holder, refuses a second holder naming the dir and the holder, and is released on close', () => {
    const lock = acquire();
    const holder = JSON.parse(readFileSync(lockFile(), 'utf8')) as LockHolder;
    expect(holder).toMatchObject({ pid: process.pid, hostname: self().hostname, bootId: self().bootId });
    expect(holder.processStartTicks).toBe(readProcessStartTicks(process.pid));

    // Two opens in one process are as harmful as two processes: the holder (this process) is alive.
    const err = refusal();
    expect(err.code).toBe('STORE_DATA_DIR_LOCKED');
    expect(err.message.includes(dir.path)).toBe(true);
    expect(err.message.includes(`pid ${process.pid}`)).toBe(true);
    expect(err.holder?.pid).toBe(process.pid);

    lock.release();
    expect(existsSync(lockFile())).toBe(false);
    acquire();
    expect(readdirSync(dir.path)).toEqual([LOCK_FILE_NAME]); // no temp files left behind
  });

  it('refuses while the holder process runs, and takes the lock over once it was killed', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const pid = child.pid!;
      writeLock({ pid, processStartTicks: readProcessStartTicks(pid)! });
      expect(refusal().message.includes(`pid ${pid}`)).toBe(true);
      expect(readFileSync(lockFile(), 'utf8').includes(`"pid":${pid}`)).toBe(true); // untouched
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const { logger, lines } = capturingLogger();
    acquire(logger);
    expect((JSON.parse(readFileSync(lockFile(), 'utf8')) as LockHolder).pid).toBe(process.pid);
    expect(lines.map((l) => l.msg)).toEqual([
      'stale data dir lock taken over: its holder is no longer running',
    ]);
    expect(lines[0]!.reason).toBe(`no process ${child.pid} is running`);
  });

  it.each([
    ['no such pid', () => ({ pid: pidMax() + 1 }), 'is running'],
    // A restarted container is pid 1 again: pid 1 exists, but it is not the process that wrote the lock.
    [
      'a reused pid (a container restart: pid 1 again)',
      () => ({ pid: 1, processStartTicks: '999999999999' }),
      'pid reused',
    ],
    ['the same pid started at another time', () => ({ processStartTicks: '1' }), 'pid reused'],
    ['another boot of this host', () => ({ bootId: '00000000-0000-0000-0000-000000000000' }), 'rebooted'],
  ])('takes over a lock whose holder is provably dead: %s', (_name, holder, reason) => {
    writeLock(holder());
    const { logger, lines } = capturingLogger();
    acquire(logger);
    expect((JSON.parse(readFileSync(lockFile(), 'utf8')) as LockHolder).pid).toBe(process.pid);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.reason?.includes(reason)).toBe(true);
  });

  it('refuses a holder on another host, which cannot be checked, and says how to recover', () => {
    writeLock({ hostname: 'store-0.elsewhere', pid: pidMax() + 1 });
    const before = readFileSync(lockFile(), 'utf8');
    const err = refusal();
    expect(err.holder?.hostname).toBe('store-0.elsewhere');
    expect(err.message.includes('"store-0.elsewhere"')).toBe(true);
    expect(err.message.includes(`remove ${lockFile()}`)).toBe(true);
    expect(readFileSync(lockFile(), 'utf8')).toBe(before);
  });

  it('refuses a lock file it cannot read as a lock, and leaves it alone', () => {
    writeFileSync(lockFile(), 'not json');
    const err = refusal();
    expect(err.holder).toBeUndefined();
    expect(err.message.includes(`remove ${lockFile()}`)).toBe(true);
    expect(readFileSync(lockFile(), 'utf8')).toBe('not json');
  });

  it('of two stores taking over one stale lock at once, only one wins', () => {
    writeLock({ pid: pidMax() + 1 });
    let racer: DataDirLock | undefined = undefined;
    const environment = currentLockEnvironment();
    const err = (() => {
      try {
        acquireDataDirLock(dir.path, capturingLogger().logger, {
          self: environment.self,
          processStartTicks(pid) {
            // Between our judgement of the stale lock and our takeover, another store takes it over.
            if (racer === undefined) {
              racer = acquireDataDirLock(dir.path, capturingLogger().logger);
              held.push(racer);
            }
            return readProcessStartTicks(pid);
          },
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(DataDirLockedError);
    // The winner's lock is in place; the loser put it back after moving it and found it was not the stale one.
    expect(readdirSync(dir.path)).toEqual([LOCK_FILE_NAME]);
    const holder = JSON.parse(readFileSync(lockFile(), 'utf8')) as LockHolder;
    expect(holder.pid).toBe(process.pid);
  });

  it('does not remove a lock that is no longer its own', () => {
    const lock = acquire();
    writeLock({ hostname: 'someone-else' });
    lock.release();
    expect(existsSync(lockFile())).toBe(true);
  });
});
