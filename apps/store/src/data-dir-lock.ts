import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@starling/observability';

/** The lock file inside the data dir. */
export const LOCK_FILE_NAME = 'store.lock';

/**
 * Who holds a data dir. `processStartTicks` (field 22 of /proc/<pid>/stat: clock ticks after boot) and
 * `bootId` (/proc/sys/kernel/random/boot_id) tell a live holder from a dead one whose pid was reused: after a
 * container restart the new store is often pid 1 again, like the one before it.
 */
export interface LockHolder {
  readonly hostname: string;
  readonly pid: number;
  /** Empty when /proc is not available (then only the pid is checked). */
  readonly processStartTicks: string;
  readonly bootId: string;
  readonly acquiredAt: string;
}

/** Another store holds the data dir (or its lock file cannot be read); nothing in the dir was touched. */
export class DataDirLockedError extends Error {
  readonly code = 'STORE_DATA_DIR_LOCKED';

  constructor(
    readonly dataDir: string,
    readonly lockFile: string,
    /** Undefined when the lock file could not be parsed. */
    readonly holder: LockHolder | undefined,
    reason: string,
  ) {
    super(
      holder === undefined
        ? `data dir ${dataDir} is locked: ${reason}; if no store uses this dir, remove ${lockFile}`
        : `data dir ${dataDir} is locked by another store: pid ${holder.pid} on host ${JSON.stringify(holder.hostname)} ` +
            `(since ${holder.acquiredAt}); ${reason}`,
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly lockFile: string;
  /** Removes the lock file if it is still ours; idempotent. */
  release(): void;
}

/** What the lock needs to know about this process and host; tests replace parts of it. */
export interface LockEnvironment {
  readonly self: LockHolder;
  /** The start time of a pid on this host (field 22 of /proc/<pid>/stat); undefined when there is no such pid. */
  processStartTicks(pid: number): string | undefined;
}

function readBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * Field 22 (starttime) of /proc/<pid>/stat. Field 2 (comm) is in parentheses and may hold spaces or ')', so
 * fields are counted after the last ')'. Undefined when the process does not exist; '' when /proc cannot tell
 * (not Linux): the caller then falls back to signal 0.
 */
export function readProcessStartTicks(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      try {
        statSync('/proc/self/stat');
      } catch {
        return pidExists(pid) ? '' : undefined; // no /proc at all
      }
      return undefined;
    }
    return '';
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After comm, the first field is field 3 (state): field 22 is at index 19.
  return fields[19] ?? '';
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function currentLockEnvironment(): LockEnvironment {
  return {
    self: {
      hostname: hostname(),
      pid: process.pid,
      processStartTicks: readProcessStartTicks(process.pid) ?? '',
      bootId: readBootId(),
      acquiredAt: new Date().toISOString(),
    },
    processStartTicks: readProcessStartTicks,
  };
}

/** Why the holder is provably gone, or undefined when it may be alive. */
function staleReason(holder: LockHolder, env: LockEnvironment): string | undefined {
  const { self } = env;
  // Another host: its processes cannot be seen from here, so it is never presumed dead.
  if (holder.hostname !== self.hostname) return undefined;
  if (holder.bootId !== '' && self.bootId !== '' && holder.bootId !== self.bootId) {
    return 'the host has rebooted since (different boot id)';
  }
  const startTicks = env.processStartTicks(holder.pid);
  if (startTicks === undefined) return `no process ${holder.pid} is running`;
  if (holder.processStartTicks !== '' && startTicks !== '' && startTicks !== holder.processStartTicks) {
    return `pid ${holder.pid} now belongs to a process started later (pid reused)`;
  }
  return undefined;
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (typeof v.hostname !== 'string' || typeof v.pid !== 'number' || !Number.isSafeInteger(v.pid)) {
      return undefined;
    }
    return {
      hostname: v.hostname,
      pid: v.pid,
      processStartTicks: typeof v.processStartTicks === 'string' ? v.processStartTicks : '',
      bootId: typeof v.bootId === 'string' ? v.bootId : '',
      acquiredAt: typeof v.acquiredAt === 'string' ? v.acquiredAt : 'an unknown time',
    };
  } catch {
    return undefined;
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}

/**
 * Takes the exclusive lock on a store data dir, before anything in it is opened: two stores on one dir (two
 * pods on one volume, a second copy started by mistake) would corrupt it. Node has no flock, so the lock is a
 * file that names its holder (host, pid, process start time, boot id):
 *
 * - It appears whole or not at all: written and fsynced under a unique temp name, then hard-linked to
 *   `store.lock`, which fails if the name exists (an exclusive create that never shows a half-written file).
 * - A SIGKILLed holder leaves it behind. It is stale when its holder is provably dead on this host: another
 *   boot id, no such pid, or a pid whose start time differs (reused; a restarted container is pid 1 again).
 *   A stale lock is taken over with a warning; a live holder — or any holder on another host, which cannot
 *   be checked from here — makes this throw {@link DataDirLockedError}.
 * - Taking over renames the stale file away first and checks it moved the very file (inode) it judged, so of
 *   two stores taking over the same stale lock at once only one wins; the other puts back what it moved.
 */
export function acquireDataDirLock(
  dataDir: string,
  logger: Logger,
  env: LockEnvironment = currentLockEnvironment(),
): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const lockFile = join(dataDir, LOCK_FILE_NAME);
  const nonce = `${env.self.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}`;
  const temp = join(dataDir, `${LOCK_FILE_NAME}.${nonce}.tmp`);
  const content = `${JSON.stringify(env.self)}\n`;
  const fd = openSync(temp, 'wx');
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }

  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temp, lockFile);
        fsyncDir(dataDir);
        return {
          lockFile,
          release: () => releaseLock(lockFile, content, dataDir),
        };
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
      }
      // Someone holds it (or held it). Judge the file we read, identified by its inode.
      let text: string;
      let ino: number;
      try {
        ino = statSync(lockFile).ino;
        text = readFileSync(lockFile, 'utf8');
      } catch (err) {
        if (isErrno(err, 'ENOENT')) continue; // released meanwhile: try again
        throw err;
      }
      const holder = parseHolder(text);
      if (holder === undefined) {
        throw new DataDirLockedError(dataDir, lockFile, undefined, `${lockFile} cannot be read as a lock`);
      }
      const reason = staleReason(holder, env);
      if (reason === undefined) {
        const detail =
          holder.hostname === env.self.hostname
            ? 'that process is running'
            : `it cannot be checked from host ${JSON.stringify(env.self.hostname)}; if that store is gone, remove ${lockFile}`;
        throw new DataDirLockedError(dataDir, lockFile, holder, detail);
      }
      if (attempt >= 5) {
        throw new DataDirLockedError(dataDir, lockFile, holder, 'the lock keeps changing hands; try again');
      }
      const moved = join(dataDir, `${LOCK_FILE_NAME}.${nonce}.stale`);
      try {
        renameSync(lockFile, moved);
      } catch (err) {
        if (isErrno(err, 'ENOENT')) continue;
        throw err;
      }
      // Inode and content: an inode number freed by a racer's takeover may come back on its new lock file.
      if (statSync(moved).ino !== ino || readFileSync(moved, 'utf8') !== text) {
        // Another store took the stale lock over between our read and our rename: put its lock back.
        try {
          linkSync(moved, lockFile);
        } finally {
          unlinkSync(moved);
        }
        continue;
      }
      unlinkSync(moved);
      logger.warn(
        { dataDir, lockFile, holder, reason },
        'stale data dir lock taken over: its holder is no longer running',
      );
    }
  } finally {
    unlinkSync(temp);
  }
}

function releaseLock(lockFile: string, content: string, dataDir: string): void {
  try {
    // Only our own file: a lock taken over while we were presumed dead is not ours to remove.
    if (readFileSync(lockFile, 'utf8') !== content) return;
    unlinkSync(lockFile);
    fsyncDir(dataDir);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
}
