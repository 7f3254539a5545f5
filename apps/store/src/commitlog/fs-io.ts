import * as fs from 'node:fs';

/**
 * Promise wrappers over the callback `fs` API on raw descriptors: no FileHandle objects (no GC
 * close warnings, no per-call allocation beyond the promise) and `writev` at an explicit position.
 */

export function open(path: string, flags: string | number): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.open(path, flags, (err, fd) => (err ? reject(err) : resolve(fd))),
  );
}

export function close(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.close(fd, (err) => (err ? reject(err) : resolve())));
}

export function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export function fsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
}

export function ftruncate(fd: number, length: number): Promise<void> {
  return new Promise((resolve, reject) => fs.ftruncate(fd, length, (err) => (err ? reject(err) : resolve())));
}

/** Reads up to `length` bytes at `position`; the result is shorter only at end of file. */
export async function readAt(fd: number, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = await new Promise<number>((resolve, reject) =>
      fs.read(fd, buf, done, length - done, position + done, (err, bytesRead) =>
        err ? reject(err) : resolve(bytesRead),
      ),
    );
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

/** Writes every byte of `buffers` at `position`, continuing after short writes. */
export async function writevAll(fd: number, buffers: Buffer[], position: number): Promise<void> {
  let remaining = buffers;
  let at = position;
  for (;;) {
    const written = await new Promise<number>((resolve, reject) =>
      fs.writev(fd, remaining, at, (err, bytesWritten) => (err ? reject(err) : resolve(bytesWritten))),
    );
    at += written;
    remaining = dropWritten(remaining, written);
    if (remaining.length === 0) return;
    if (written === 0) throw new Error('writev wrote 0 bytes');
  }
}

/**
 * `writevAll` on the calling thread. For writes that only reach the page cache (the `async` fsync policy),
 * where a thread-pool round trip costs more than the copy itself.
 */
export function writevAllSync(fd: number, buffers: Buffer[], position: number): void {
  let remaining = buffers;
  let at = position;
  for (;;) {
    const written = fs.writevSync(fd, remaining, at);
    at += written;
    remaining = dropWritten(remaining, written);
    if (remaining.length === 0) return;
    if (written === 0) throw new Error('writev wrote 0 bytes');
  }
}

function dropWritten(buffers: Buffer[], written: number): Buffer[] {
  let skip = written;
  let i = 0;
  while (i < buffers.length && skip >= (buffers[i]?.length ?? 0)) {
    skip -= buffers[i]?.length ?? 0;
    i++;
  }
  if (i === buffers.length) return [];
  const rest = buffers.slice(i);
  if (skip > 0) rest[0] = rest[0]!.subarray(skip);
  return rest;
}

/** fsync a directory so that file creations, renames and unlinks in it survive a power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const fd = await open(dir, 'r');
  try {
    await fsync(fd);
  } finally {
    await close(fd);
  }
}
